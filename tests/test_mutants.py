"""The mutation suite: realistic bugs (tests/mutants/*.toml) must each lose points,
and correct rewrites (float32, @, in-place dout, the textbook's phrasing) must keep full marks."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from autograder import course
from autograder.grade import grade
from autograder.submission import Submission

from .conftest import MUTATION_LOG

HERE = Path(__file__).parent / "mutants"


def cases(kind: str):
    for path in sorted(HERE.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for entry in data.get(kind, []):
            yield pytest.param(path.stem, entry, id=f"{path.stem}: {entry['name']}")


def apply(aid: str, entry: dict) -> tuple:
    assignment = course.load(aid)
    filename = entry.get("file", assignment.student_files[0])
    source = (assignment.solution_folder / filename).read_text(encoding="utf-8")
    edits = entry["edits"] if "edits" in entry else [{"find": entry["find"], "replace": entry["replace"]}]
    for edit in edits:
        count = source.count(edit["find"])
        assert count == 1, f"{entry['name']}: `find` occurs {count} times in the solution"
        source = source.replace(edit["find"], edit["replace"])
    files = {name: (assignment.solution_folder / name).read_bytes() for name in assignment.student_files}
    files[filename] = source.encode()
    return assignment, Submission(entry["name"], files)


def test_there_are_at_least_forty_mutants():
    assert len(list(cases("mutant"))) >= 40


@pytest.mark.parametrize("aid, entry", list(cases("mutant")))
def test_mutant_loses_points(aid, entry, fork_server):
    assignment, submission = apply(aid, entry)
    result = grade(assignment, submission, fork_server)
    killed = result.score < assignment.max_score
    MUTATION_LOG.append((aid, entry["name"], killed))
    assert killed, f"mutant survived: {entry['name']}"


@pytest.mark.parametrize("aid, entry", list(cases("variant")))
def test_correct_variant_keeps_full_marks(aid, entry, fork_server):
    assignment, submission = apply(aid, entry)
    result = grade(assignment, submission, fork_server)
    failed = {t.name: t.output for t in result.tests if not t.passed}
    assert not failed, failed
