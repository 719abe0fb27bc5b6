"""The mutation suite: realistic bugs (tests/mutants/*.toml) must each lose points,
and correct rewrites (float32, @, in-place dout, the textbook's phrasing) must keep full marks.
`make test` grades a stable fifth of each assignment's mutants, with at least one of each property
class, and a quarter of its variants (tests/sweeps.py); the slow set (CI) the rest.

A mutant's `hint` names the catalogue key (or keys) of the bug hint it was
written for: grading it must record that hint in some failed test's
TestResult.hints. Every "hint." key of the catalogue is some mutant's hint, and
no correct rewrite gets any hint."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from autograder import course, messages
from autograder.assign import mutants
from autograder.grade import grade

from . import graded
from .conftest import MUTATION_LOG
from .sweeps import everyday_share

HERE = Path(__file__).parent / "mutants"


def cases(kind: str):
    for path in sorted(HERE.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for entry in data.get(kind, []):
            yield pytest.param(path.stem, entry, id=f"{path.stem}: {entry['name']}")


def apply(aid: str, entry: dict) -> tuple:
    assignment = course.load(aid)
    return assignment, mutants.submission(assignment, entry)


def test_there_are_at_least_forty_mutants():
    assert len(list(cases("mutant"))) >= 40


def property_class(param) -> str | None:
    """The property class a mutant breaks (values, gradients, state, ...), where its entry names one."""
    return param.values[1].get("class")


@pytest.mark.parametrize("aid, entry", everyday_share(cases("mutant"), 5, kinds=property_class))  # all in CI
def test_mutant_loses_points(aid, entry, fork_server):
    assignment, submission = apply(aid, entry)
    result = grade(assignment, submission, fork_server)
    killed = result.score < assignment.max_score
    MUTATION_LOG.append((aid, entry["name"], killed))
    assert killed, f"mutant survived: {entry['name']}"
    fired = {key for t in result.tests for key in t.hints}
    assert all(not t.hints for t in result.tests if t.passed)
    missing = set(_hints(entry)) - fired
    assert not missing, f"{entry['name']}: hint {sorted(missing)} did not fire (fired: {sorted(fired)})"


def _hints(entry: dict) -> list[str]:
    given = entry.get("hint", [])
    return [given] if isinstance(given, str) else list(given)


def test_every_hint_key_is_written_for_a_mutant():
    keys = {key for key in messages.catalogue("en") if key.startswith("hint.")}
    claimed = {key for _, entry in (p.values for p in cases("mutant")) for key in _hints(entry)}
    assert not keys - claimed, f"hint keys no mutant fires: {sorted(keys - claimed)}"
    assert not claimed - keys, f"mutants name hint keys the catalogue lacks: {sorted(claimed - keys)}"


@pytest.fixture
def matched(monkeypatch):
    """The "hint." keys any detector matched while grading, shown or not (every Hint is made by
    hints.hint, which looks its key up with messages.has)."""
    keys = []
    has = messages.has

    def recording(key):
        if key.startswith("hint."):
            keys.append(key)
        return has(key)

    monkeypatch.setattr(messages, "has", recording)
    return keys


@pytest.mark.parametrize("aid, entry", everyday_share(cases("variant"), 4))
def test_correct_variant_keeps_full_marks(aid, entry, fork_server, matched):
    assignment, submission = apply(aid, entry)
    result = grade(assignment, submission, fork_server)
    failed = {t.name: t.output for t in result.tests if not t.passed}
    assert not failed, failed
    assert not any(t.hints for t in result.tests)
    assert not matched, f"detectors matched correct code: {sorted(set(matched))}"


@pytest.mark.parametrize("aid", graded.solution_params())
def test_no_detector_matches_a_solution(aid, fork_server):
    solution = graded.solution(aid, fork_server)  # the grade test_course.py's full marks are asserted on
    assert solution.result.score == course.load(aid).max_score
    assert not solution.matched_hints, f"detectors matched the solution: {sorted(solution.matched_hints)}"


def test_an_edit_that_does_not_apply_once_is_a_sentence():
    with pytest.raises(course.CourseError, match="occurs 0 times"):
        mutants.edited("x = 1\n", {"name": "typo", "find": "y = 1", "replace": "y = 2"})
    with pytest.raises(course.CourseError, match="occurs 2 times"):
        mutants.edited("x = 1\nx = 1\n", {"name": "twice", "edits": [{"find": "x = 1", "replace": "x = 2"}]})
    assert mutants.edited("x = 1\n", {"name": "ok", "find": "x = 1", "replace": "x = 2"}) == "x = 2\n"
