"""Same submission, same score: whatever the test order, PYTHONHASHSEED or what ran before."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import pytest

from autograder import course
from autograder.grade import grade
from autograder.submission import Submission

AID = "06_time_rnn"


def buggy_submission(assignment) -> Submission:
    """A submission that fails some tests, and whose module-level state would leak between tests."""
    source = (assignment.solution_folder / assignment.student_files[0]).read_text()
    source += ("\nimport numpy as _np\n_CALLS = [0]\n_orig = TimeAffine.forward\n"
               "def _forward(self, x):\n    _CALLS[0] += 1\n    out = _orig(self, x)\n"
               "    return out * (1 + 0.5 * (_CALLS[0] > 1)) + 0 * _np.random.rand()\n"
               "TimeAffine.forward = _forward\n"
               "_ORDER = sorted({'b', 'a', 'c'}, key=hash)\n")
    return Submission("buggy", {assignment.student_files[0]: source.encode()})


def outcome(result) -> dict:
    return {t.name: (t.score, t.output) for t in result.tests}


def test_reversed_test_order_gives_the_same_results(fork_server):
    assignment = course.load(AID)
    reversed_units = tuple(dataclasses.replace(u, tests=tuple(reversed(u.tests)))
                           for u in reversed(assignment.units))
    backwards = dataclasses.replace(assignment, units=reversed_units)
    submission = buggy_submission(assignment)
    forward_result = grade(assignment, submission, fork_server)
    assert 0 < forward_result.score < assignment.max_score
    assert outcome(grade(backwards, submission, fork_server)) == outcome(forward_result)


def test_what_ran_before_does_not_matter(fork_server):
    assignment = course.load(AID)
    submission = buggy_submission(assignment)
    first = grade(assignment, submission, fork_server)
    solution = Submission("ok", {f: (assignment.solution_folder / f).read_bytes() for f in assignment.student_files})
    grade(assignment, solution, fork_server)
    assert outcome(grade(assignment, submission, fork_server)) == outcome(first)


@pytest.mark.parametrize("seed", [pytest.param("1", marks=pytest.mark.slow), "12345"])
def test_pythonhashseed_of_the_grader_does_not_matter(seed, tmp_path):
    assignment = course.load(AID)
    path = tmp_path / "layers.py"
    path.write_bytes(buggy_submission(assignment).files["layers.py"])
    outs = []
    for hash_seed in ("0", seed):
        out = tmp_path / f"r{hash_seed}.json"
        subprocess.run([sys.executable, "-m", "autograder", "grade", "--assignment", AID, str(path),
                        "--out", str(out), "--quiet"], check=True, timeout=300,
                       env={**os.environ, "PYTHONHASHSEED": hash_seed})
        data = json.loads(out.read_text())
        outs.append([(t["name"], t["score"], t["output"]) for t in data["tests"]])
    assert outs[0] == outs[1]
