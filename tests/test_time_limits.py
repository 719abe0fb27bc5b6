"""Time limits beyond the plain per-call one (the manifest's [limits], docs/authoring.md).

- import_seconds: importing a student's files has a wall clock of its own. A
  submission's top level runs at every import, once before each hidden test;
  in a layer file it only defines classes, so a short limit stops an endless
  loop there in about a second instead of the per-call limit. `check` times
  the same import on the student's machine and warns before the grader would
  fail it.
- call_seconds_after_timeout: once a call of a unit has run out of time, each
  call in that unit's later tests gets this shorter floor (and the shorter
  factor call_time_factor_after_timeout), so an endless loop in `forward`
  costs one full call limit rather than one per test. Other units keep the
  full limit.
Each call's own limit, a multiple of the reference's time: tests/test_call_limits.py.
"""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path

import pytest

from autograder import course
from autograder.check import check
from autograder.check.target import locate, marker_text
from autograder.course import CourseError, Limits
from autograder.grade import grade
from autograder.sandbox.forkserver import WALL_FACTOR
from autograder.submission import Submission

AID = "03_affine"
ROOT = Path(__file__).resolve().parents[1]
LIMITS = Limits(call_seconds=4.0, call_seconds_floor=0.5, import_seconds=0.5, call_seconds_after_timeout=0.1,
                submission_seconds=30.0, cpu_seconds=20.0, memory_mb=512)


def solution() -> str:
    return (ROOT / "solutions" / AID / "layers.py").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def assignment():
    return dataclasses.replace(course.load(AID), limits=LIMITS)


def graded(assignment, source: str, fork_server):
    started = time.monotonic()
    result = grade(assignment, Submission("s", {"layers.py": source.encode()}), fork_server, lang="en")
    return result, time.monotonic() - started


# -- the manifest

def manifest(tmp_path: Path, limits: str) -> Path:
    folder = tmp_path / "assignments" / "09_x"
    folder.mkdir(parents=True)
    (tmp_path / "solutions").mkdir()
    (folder / "manifest.toml").write_text(
        f'id = "09_x"\nstudent_files = ["layers.py"]\n\n[limits]\n{limits}\n\n'
        '[[units]]\nname = "X"\n[units.tests]\ntest_x = 1\n', encoding="utf-8")
    return tmp_path


def test_without_their_settings_the_limits_have_their_documented_defaults(tmp_path):
    limits = course.load("09_x", manifest(tmp_path, "call_seconds = 7")).limits
    assert limits.import_seconds == limits.call_seconds == 7
    assert (limits.call_seconds_floor, limits.call_time_factor) == (0.25, 300)
    assert (limits.call_seconds_after_timeout, limits.call_time_factor_after_timeout) == (0.01, 30)
    assert Limits().import_seconds == Limits().call_seconds


def test_a_call_limit_below_the_default_floor_is_the_floor_too(tmp_path):
    limits = course.load("09_x", manifest(tmp_path, "call_seconds = 0.1")).limits
    assert limits.call_seconds_floor == 0.1 and limits.call_seconds_after_timeout == 0.01


def test_the_call_limits_are_read_from_the_manifest(tmp_path):
    text = ("call_seconds = 7\ncall_seconds_floor = 0.5\ncall_time_factor = 1000\n"
            "call_seconds_after_timeout = 0.1\ncall_time_factor_after_timeout = 50")
    limits = course.load("09_x", manifest(tmp_path, text)).limits
    assert (limits.call_seconds_floor, limits.call_time_factor) == (0.5, 1000)
    assert (limits.call_seconds_after_timeout, limits.call_time_factor_after_timeout) == (0.1, 50)


def test_import_seconds_is_read_from_the_manifest(tmp_path):
    limits = course.load("09_x", manifest(tmp_path, "call_seconds = 7\nimport_seconds = 0.25")).limits
    assert (limits.call_seconds, limits.import_seconds) == (7, 0.25)


@pytest.mark.parametrize("line, words", [
    ("import_secs = 1", "limits has no setting 'import_secs' (known: call_seconds,"),
    ("import_seconds = 0", "limits.import_seconds must be a positive number, not 0"),
    ("import_seconds = -1", "limits.import_seconds must be a positive number, not -1"),
    ('call_seconds = "5"', "limits.call_seconds must be a positive number, not '5'"),
    ("memory_mb = true", "limits.memory_mb must be a positive number, not True"),
])
def test_a_wrong_limit_is_a_sentence_naming_the_manifest(tmp_path, line, words):
    root = manifest(tmp_path, line)
    with pytest.raises(CourseError) as caught:
        course.load("09_x", root)
    assert str(caught.value).startswith(str(root / "assignments" / "09_x" / "manifest.toml"))
    assert words in str(caught.value)


def test_every_shipped_import_limit_and_later_call_limit_is_shorter_than_a_call(tmp_path):
    for aid in course.assignment_ids():
        limits = course.load(aid).limits
        assert 0 < limits.import_seconds < limits.call_seconds, aid
        assert 0 < limits.call_seconds_after_timeout < limits.call_seconds_floor < limits.call_seconds, aid
        assert 0 < limits.call_time_factor_after_timeout < limits.call_time_factor, aid


# -- grading

def test_an_endless_loop_at_import_costs_the_import_limit_not_the_call_limit(assignment, fork_server):
    result, took = graded(assignment, solution() + "\nwhile True:\n    pass\n", fork_server)
    assert result.score == 0 and len(result.tests) == len(assignment.tests)
    assert took < LIMITS.call_seconds  # one import tried, stopped after 0.5 s
    for test in result.tests:
        assert test.output.startswith("importing layers.py did not finish within 0.5 s (an infinite loop?)")
        assert 'put demos and training under `if __name__ == "__main__":`' in test.output


def test_a_sleep_at_import_is_stopped_by_the_import_limit_too(assignment, fork_server):
    result, took = graded(assignment, solution() + "\nimport time\ntime.sleep(30)\n", fork_server)
    assert result.score == 0 and took < LIMITS.call_seconds
    assert "did not finish within 0.5 s" in result.tests[0].output


def test_an_import_within_the_limit_scores_full(assignment, fork_server):
    result, _ = graded(assignment, solution() + "\nimport time\ntime.sleep(0.05)\n", fork_server)
    assert result.score == assignment.max_score


def test_a_call_into_student_code_keeps_the_floor_not_the_import_limit(assignment, fork_server):
    source = solution() + ("\nimport time\n_forward = Affine.forward\n"
                           "def _slow(self, x):\n    time.sleep(0.3)\n    return _forward(self, x)\n"
                           "Affine.forward = _slow\n")
    result = grade(dataclasses.replace(assignment, limits=dataclasses.replace(LIMITS, import_seconds=0.1)),
                   Submission("s", {"layers.py": source.encode()}), fork_server, lang="en",
                   only=("test_affine_forward_matches_reference",))
    assert result.score == result.max_score  # a 0.3 s call is within the 0.5 s floor


def test_a_crash_at_import_keeps_its_own_sentence(assignment, fork_server):
    result, _ = graded(assignment, solution() + "\nraise ValueError('bad')\n", fork_server)
    assert "ValueError: bad" in result.tests[0].output and "did not finish" not in result.tests[0].output


def test_the_protections_name_the_import_limit(assignment, fork_server):
    result, _ = graded(assignment, solution(), fork_server)
    assert ("CPU time per call 300 times the reference solution's, 0.5 s to 4 s, 0.5 s per import, "
            "wall clock at most 2 times that") in result.protections


def test_the_korean_sentence_names_the_limit(assignment, fork_server):
    result = grade(assignment, Submission("s", {"layers.py": (solution() + "\nwhile True:\n    pass\n").encode()}),
                   fork_server, lang="ko")
    assert "layers.py 파일의 import가 0.5초 안에 끝나지 않았습니다" in result.tests[0].output


# -- calls after a timeout

def hanging_forward(source: str, unit: str) -> str:
    return source + (f"\n_forward = {unit}.forward\ndef _hang(self, x):\n    while True:\n        pass\n"
                     f"{unit}.forward = _hang\n")


def test_a_loop_in_forward_costs_one_call_limit_then_the_shorter_one(assignment, fork_server):
    result, took = graded(assignment, hanging_forward(solution(), "Affine"), fork_server)
    first, *later = [t.output for t in result.tests]
    assert result.score == 0
    assert first.endswith("did not finish within 0.5 s (an infinite loop?)")  # the reference takes microseconds
    for output in later:  # 0.1 s, or 30 times the reference's time for the call where a busy machine made that longer
        within = re.search(r"did not finish within ([0-9.]+) s \(an infinite loop\?\) \(A call of Affine ran out of "
                           r"time in an earlier test, so from then on each call gets a shorter limit: 0.1 s, or 30 "
                           r"times the reference solution's time for it where that is longer.\)", output)
        assert within and 0.1 <= float(within.group(1)) < 0.5, output
    # 0.5 s, then 0.1 s for each later test (of CPU time: at most WALL_FACTOR times that on a busy machine),
    # where the full limit for each would be 11 x 4 s
    assert took < WALL_FACTOR * (LIMITS.call_seconds_floor + len(later) * LIMITS.call_seconds_after_timeout) \
        + len(later) * 0.15


def test_other_units_keep_the_full_call_limit(fork_server):
    """Relu loops, Sigmoid's forward takes 0.3 s: more than the shorter limit, less than a call's."""
    a = course.load("02_activations")
    source = hanging_forward((a.solution_folder / "layers.py").read_text(encoding="utf-8"), "Relu")
    source += ("\nimport time\n_sigmoid = Sigmoid.forward\n"
               "def _slow(self, x):\n    time.sleep(0.3)\n    return _sigmoid(self, x)\nSigmoid.forward = _slow\n")
    only = ("test_relu_forward_matches_reference", "test_relu_backward_matches_reference",
            "test_sigmoid_forward_matches_reference")
    result = grade(dataclasses.replace(a, limits=LIMITS), Submission("s", {"layers.py": source.encode()}),
                   fork_server, lang="en", only=only)
    scores = {t.name: t.score for t in result.tests}
    assert scores == {only[0]: 0, only[1]: 0, only[2]: 2}, [t.output for t in result.tests]
    assert "within 0.1 s" in result.tests[1].output


def test_a_crash_does_not_shorten_the_limit(assignment, fork_server):
    """forward crashes on a batch of one and takes 0.3 s at its first call after each import."""
    source = solution() + ("\nimport os, time\n_forward = Affine.forward\n"
                           "def _odd(self, x):\n    if x.shape[0] == 1:\n        os._exit(3)\n"
                           "    if not getattr(Affine, '_slept', False):\n"
                           "        Affine._slept = True\n        time.sleep(0.3)\n"
                           "    return _forward(self, x)\nAffine.forward = _odd\n")
    result, _ = graded(assignment, source, fork_server)
    outputs = {t.name: t.output for t in result.tests}
    assert "exited with status 3" in outputs["test_affine_works_with_a_batch_of_one"]
    assert not any("did not finish" in o for o in outputs.values()), outputs
    last = result.tests[-1]  # after the crashes, still 0.5 s allowed
    assert last.name == "test_affine_gradients_match_numerical_gradient" and last.score == last.max_score


# -- check, on the student's machine

def release_folder(tmp_path: Path, source: str, import_seconds: float) -> Path:
    """A folder as a release holds it, whose marker says the grader's import limit is `import_seconds`."""
    folder = tmp_path / "release"
    folder.mkdir()
    a = course.load(AID)
    (folder / "layers.py").write_text(source, encoding="utf-8")
    (folder / "test_affine.py").write_bytes((a.folder / "test_affine.py").read_bytes())
    limits = dataclasses.replace(a.limits, import_seconds=import_seconds)
    (folder / "assignment.toml").write_text(marker_text(dataclasses.replace(a, limits=limits)), encoding="utf-8")
    return folder


def test_the_release_marker_carries_the_manifest_import_limit(tmp_path):
    a = course.load(AID)
    folder = release_folder(tmp_path, solution(), a.limits.import_seconds)
    assert locate(folder).import_seconds == a.limits.import_seconds == 1


def test_check_of_the_course_folder_reads_the_manifest_limit():
    assert locate(ROOT / "assignments" / AID).import_seconds == course.load(AID).limits.import_seconds


def test_check_fails_an_import_slower_than_the_grader_allows(tmp_path, capsys):
    folder = release_folder(tmp_path, solution() + "\nimport time\ntime.sleep(0.4)\n", 0.2)
    assert check(folder, lang="en", plain=True) == 1
    out = capsys.readouterr().out
    assert "3 of 3 public tests passed" in out
    assert "Importing layers.py took 0." in out and "s here; the grader stops an import after 0.2 s" in out
    assert "All public tests pass" not in out


def test_check_warns_from_half_the_limit_and_still_passes(tmp_path, capsys):
    folder = release_folder(tmp_path, solution() + "\nimport time\ntime.sleep(0.3)\n", 0.5)
    assert check(folder, lang="en", plain=True) == 0
    out = capsys.readouterr().out
    assert "the grader stops an import after 0.5 s" in out and "All public tests pass" in out


def test_check_says_nothing_of_a_quick_import(tmp_path, capsys):
    folder = release_folder(tmp_path, solution(), 1)
    assert check(folder, lang="en", plain=True) == 0
    assert "the grader stops an import" not in capsys.readouterr().out
