"""Each call's limit is a multiple of the reference solution's own time for the same hidden test.

autograder/call_limits.py: a call may run call_time_factor times the slowest
request the reference makes in the same test, at least call_seconds_floor and
at most call_seconds. Honest slow code keeps full marks; an endless loop costs
the floor, then the shorter after-timeout floor in each later test of its unit.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder import call_limits, course
from autograder.call_limits import CallLimit
from autograder.course import Limits
from autograder.grade import grade
from autograder.sandbox.forkserver import CPU_SLACK_SECONDS, WALL_FACTOR, ForkedWorker
from autograder.submission import Submission

AID = "03_affine"
ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "examples" / "submissions" / AID


def solution(aid: str = AID) -> str:
    a = course.load(aid)
    return (a.solution_folder / a.student_files[0]).read_text(encoding="utf-8")


def graded(assignment, source: str, fork_server, only=None):
    name = assignment.student_files[0]
    started = time.monotonic()
    result = grade(assignment, Submission("s", {name: source.encode()}), fork_server, lang="en", only=only)
    return result, time.monotonic() - started


def with_limits(aid: str = AID, **changes):
    a = course.load(aid)
    return dataclasses.replace(a, limits=dataclasses.replace(a.limits, **changes))


def patched_forward(body: str) -> str:
    """The solution with Affine.forward wrapped: `body` (indented code) runs before the real forward."""
    return solution() + ("\nimport time\n_forward = Affine.forward\n"
                         f"def _patched(self, x):\n{body}\n    return _forward(self, x)\nAffine.forward = _patched\n")


HANG = "    while True:\n        pass"


def busy(seconds: float) -> str:
    """A body for patched_forward: `seconds` of CPU time (the limits count the worker's CPU time)."""
    return f"    _end = time.process_time() + {seconds}\n    while time.process_time() < _end:\n        pass"
QUIET_SOLUTION_SECONDS = 0.2  # one grade of the 03 solution, warm, on a quiet 2-core machine


# -- the limit itself

def test_a_limit_is_the_factor_times_the_reference_between_floor_and_ceiling():
    times = {"a.fit": 1.0, "a.forward": 0.002, "a.backward": 0.00001, "": 1.0}
    limit = CallLimit(0.25, 5, 300, lambda: times)
    assert (limit.whole("a.forward"), limit.whole("a.backward"), limit.whole("a.fit")) == (0.6, 0.25, 5)


def test_a_request_the_reference_never_made_gets_the_slowest_of_the_test():
    limit = CallLimit(0.25, 5, 300, lambda: {"a.forward": 0.002, "": 0.004})
    assert limit.whole("a.other") == 1.2


def test_a_limit_that_cannot_grow_measures_nothing():
    def measure():
        raise AssertionError("measured")

    limit = CallLimit(0.03, 0.03, 30, measure)
    assert limit.whole() == limit.current() == 0.03


def test_a_reference_that_could_not_be_timed_gives_the_ceiling():
    assert CallLimit(0.25, 5, 300, lambda: None).whole() == 5


@given(st.floats(min_value=1e-7, max_value=1e4))
def test_a_limit_is_rounded_up_to_two_digits(seconds):
    rounded = call_limits._round_up(seconds)
    assert seconds <= rounded * (1 + 1e-12) and rounded <= seconds * 1.1 + 1e-12
    assert float(f"{rounded:.2g}") == pytest.approx(rounded)


def test_the_reference_is_timed_once_per_test_and_takes_well_under_the_floor(monkeypatch):
    a = course.load(AID)
    call_limits.forget()
    runs = []
    timing = call_limits._time_reference
    monkeypatch.setattr(call_limits, "_time_reference", lambda *args: runs.append(args) or timing(*args))
    first = call_limits.reference_seconds(a, "test_affine_forward_matches_reference", b"", "x")
    again = call_limits.reference_seconds(a, "test_affine_forward_matches_reference", b"", "y")
    assert first == again and len(runs) == 1
    assert first[""] == max(first.values()) and "Affine, then Affine.forward" in first
    assert 0 < first[""] < a.limits.call_seconds_floor / a.limits.call_time_factor * 10  # well under: 8 ms


def test_a_short_tests_reference_runs_twice_and_each_request_keeps_its_faster_run(monkeypatch):
    """A stall of a busy machine in one run of a short test does not make its limit."""
    made = iter([{"Affine.forward": 0.004, "Affine": 0.001}, {"Affine.forward": 0.002, "Affine": 0.003}])
    monkeypatch.setattr(call_limits, "_measured", {})  # what is measured here is not another test's limit
    monkeypatch.setattr(call_limits, "_run_reference", lambda *args: next(made))
    timed = call_limits.reference_seconds(course.load(AID), "test_affine_forward_matches_reference", b"", "x")
    assert timed == {"Affine.forward": 0.002, "Affine": 0.001, "": 0.002}


def test_a_long_reference_run_is_not_repeated(monkeypatch):
    """08's published training takes the reference seconds: measuring it costs one run, not two (one run is
    never faster than the faster of two: its limits are never the stricter)."""
    runs = []

    def slow_run(*args):
        runs.append(args)
        started = time.process_time()
        while time.process_time() - started < call_limits.RERUN_SECONDS:  # CPU, as a long reference spends it
            pass
        return {"train": 1.0 + len(runs)}

    monkeypatch.setattr(call_limits, "_measured", {})  # what is measured here is not another test's limit
    monkeypatch.setattr(call_limits, "_run_reference", slow_run)
    assert call_limits.reference_seconds(course.load(AID), "test_affine_forward_matches_reference", b"", "x") == {
        "train": 2.0, "": 2.0}
    assert len(runs) == 1


def test_timing_the_reference_leaves_the_graders_state_as_it_was():
    import random
    import sys

    import numpy as np

    call_limits.forget()
    np.random.seed(123)
    random.seed(123)
    sys.modules.pop("layers", None)
    call_limits.reference_seconds(course.load(AID), "test_affine_works_in_float32", b"", "z")
    assert np.random.rand() == np.random.RandomState(123).rand()
    assert random.random() == random.Random(123).random()
    assert "layers" not in sys.modules


def test_07s_training_test_is_timed_longer_than_its_other_tests():
    a = course.load("07_many_to_one")
    fit = call_limits.reference_seconds(a, "test_fit_learns_as_soon_as", b"", "s")
    forward = call_limits.reference_seconds(a, "test_forward_matches_reference", b"", "s")
    assert fit[""] > forward[""] and fit[""] == max(fit.values())


# -- grading

def test_a_call_answered_within_the_floor_is_never_timed(fork_server, monkeypatch):
    def never(*args):
        raise AssertionError("the reference was timed for a call within the floor")

    call_limits.forget()
    monkeypatch.setattr(call_limits, "_time_reference", never)
    a = course.load(AID)
    result, _ = graded(a, solution(), fork_server)
    assert result.score == a.max_score


def test_a_call_slower_than_the_floor_gets_the_factor_times_the_reference(fork_server):
    """forward computes for 0.3 s; the floor is 0.1 s: a large factor lets it finish, the shipped one does not."""
    only = ("test_affine_forward_matches_reference",)
    source = patched_forward(busy(0.3))
    generous = with_limits(call_seconds=4, call_seconds_floor=0.1, call_time_factor=1e6)
    result, _ = graded(generous, source, fork_server, only)
    assert result.score == result.max_score, result.tests[0].output
    strict = with_limits(call_seconds=4, call_seconds_floor=0.1, call_time_factor=300)
    result, _ = graded(strict, source, fork_server, only)
    assert result.score == 0 and "did not finish within 0.1 s" in result.tests[0].output


def test_a_call_is_charged_its_cpu_time_not_the_wall_clock_of_a_busy_machine(fork_server):
    """A call that uses no CPU, as a worker a busy machine leaves waiting for a core, gets up to WALL_FACTOR
    times its limit in wall-clock time (here asleep: 0.35 s within a 0.25 s floor); past that it is stopped."""
    only = ("test_affine_forward_matches_reference",)
    a = with_limits(call_seconds=4, call_seconds_floor=0.25, call_time_factor=300)
    result, _ = graded(a, patched_forward("    time.sleep(0.35)"), fork_server, only)
    assert result.score == result.max_score, result.tests[0].output
    result, took = graded(a, patched_forward("    time.sleep(30)"), fork_server, only)
    assert "did not finish within 0.25 s" in result.tests[0].output
    assert took < 0.25 * WALL_FACTOR + 1


def test_a_call_that_computes_past_its_limit_is_stopped_at_the_limit(fork_server):
    only = ("test_affine_forward_matches_reference",)
    a = with_limits(call_seconds=4, call_seconds_floor=0.25, call_time_factor=300)
    result, _ = graded(a, patched_forward(busy(0.4)), fork_server, only)
    assert result.score == 0 and "did not finish within 0.25 s" in result.tests[0].output


class _Clocked(ForkedWorker):
    """A worker's deadline arithmetic alone, with its CPU clock set by the test."""

    def __init__(self, cpu):
        self.cpu = cpu

    def cpu_seconds(self):
        return self.cpu


@given(st.floats(0.001, 5), st.floats(0, 10), st.floats(0, 10), st.floats(0, 10))
def test_a_calls_deadline_never_passes_the_wall_cap_and_ends_once_the_cpu_time_is_used(seconds, used, start, late):
    now = time.monotonic()
    started = now - late
    worker = _Clocked(start + used)
    deadline = worker._cpu_deadline(started, start, seconds)
    assert started + seconds <= deadline <= max(started + seconds, started + WALL_FACTOR * seconds) + 1e-9
    if used >= seconds - CPU_SLACK_SECONDS + 1e-6:  # its CPU time is spent: the limit as given
        assert deadline == started + seconds
    assert _Clocked(None)._cpu_deadline(started, start, seconds) == started + seconds  # no clock: wall time
    assert worker._cpu_deadline(started, None, seconds) == started + seconds


def test_the_ceiling_bounds_the_longest_call(fork_server):
    only = ("test_affine_forward_matches_reference",)
    capped = with_limits(call_seconds=0.2, call_seconds_floor=0.1, call_time_factor=1e6)
    result, took = graded(capped, patched_forward(busy(0.5)), fork_server, only)
    assert "did not finish within 0.2 s" in result.tests[0].output and took < 0.5


PURE_PYTHON = '''
import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W, self.b, self.x, self.dW, self.db = W, b, None, None, None

    def forward(self, x):
        self.x = x
        n, d = len(x), len(self.W)
        m = len(self.b)
        out = [[self.b[j] + sum(x[i][k] * self.W[k][j] for k in range(d)) for j in range(m)] for i in range(n)]
        return np.array(out)

    def backward(self, dout):
        n, d, m = len(self.x), len(self.W), len(self.b)
        dx = [[sum(dout[i][j] * self.W[k][j] for j in range(m)) for k in range(d)] for i in range(n)]
        self.dW = np.array([[sum(self.x[i][k] * dout[i][j] for i in range(n)) for j in range(m)] for k in range(d)])
        self.db = np.array([sum(dout[i][j] for i in range(n)) for j in range(m)])
        return np.array(dx)
'''

COPIES_IN_FLOAT32 = '''
import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W, self.b, self.x, self.dW, self.db = W.copy(), b.copy(), None, None, None

    def forward(self, x):
        self.x = np.array(x, dtype=np.float32, copy=True)
        return np.array(self.x @ self.W.astype(np.float32) + self.b.astype(np.float32), copy=True)

    def backward(self, dout):
        dout = np.array(dout, dtype=np.float32, copy=True)
        self.dW = np.array(self.x.T @ dout, copy=True)
        self.db = np.array(dout.sum(axis=0), copy=True)
        return np.array(dout @ self.W.T.astype(np.float32), copy=True)
'''


@pytest.mark.parametrize("source", [PURE_PYTHON, COPIES_IN_FLOAT32], ids=["pure_python_loops", "float32_copies"])
def test_honest_slow_code_keeps_full_marks_under_the_shipped_limits(fork_server, source):
    a = course.load(AID)
    result, _ = graded(a, source, fork_server)
    assert result.score == a.max_score, [t.output for t in result.tests if not t.passed]


def test_honest_slow_code_keeps_full_marks_when_every_call_outlives_the_floor(fork_server):
    """Pure-Python loops with a floor of 1 ms: every call is timed against the reference, and passes."""
    a = with_limits(call_seconds_floor=0.001)
    result, _ = graded(a, PURE_PYTHON, fork_server)
    assert result.score == a.max_score, [t.output for t in result.tests if not t.passed]


def test_a_loop_after_some_tests_passed_keeps_the_points_a_crash_there_would_keep(fork_server):
    """forward loops on a batch of one only: the tests that never use one keep their points."""
    a = course.load(AID)
    looping, took = graded(a, patched_forward("    if len(x) == 1:\n" + HANG.replace("    ", "        ", 1)
                                              .replace("\n    ", "\n        ")), fork_server)
    crashing, crash_took = graded(a, patched_forward("    if len(x) == 1:\n        raise ValueError('one row')"),
                                  fork_server)
    assert 0 < looping.score == crashing.score < a.max_score
    assert {t.name for t in looping.tests if t.passed} == {t.name for t in crashing.tests if t.passed}
    # The floor once, then the shorter limit (not 5 s per test), on a machine as quiet as the crash's grade says
    assert took < 3 * max(1.0, crash_took / QUIET_SOLUTION_SECONDS)


def peers_mix() -> dict[str, str]:
    """The peers' ten-submission mix for Affine: 5 correct, 2 wrong, 1 syntax error, 1 endless loop
    in forward, 1 cheat."""
    read = lambda name: (SAMPLES / name).read_text(encoding="utf-8")  # noqa: E731
    return {"correct": read("correct.py"), "correct_at": read("correct_instead_of_np_dot.py"),
            "solution": solution(), "pure_python": PURE_PYTHON, "float32": COPIES_IN_FLOAT32,
            "wrong_dx": read("bug_dx_without_the_transpose_np_dot_dout_w.py"),
            "wrong_db": read("bug_db_summed_over_every_axis_a_scalar.py"),
            "syntax": read("syntax_error.py"), "loop": patched_forward(HANG),
            "cheat": read("cheat_patches_numpy.py")}


def test_an_endless_loop_in_forward_costs_under_a_second_in_the_peers_mix(fork_server):
    """The whole mix graded in one run; the loop's own time (best of three: the machine is shared)."""
    if not SAMPLES.is_dir():
        pytest.skip("examples/submissions/03_affine is not built")
    a = course.load(AID)
    seconds, scores = {}, {}
    for _ in range(3):
        for name, source in peers_mix().items():
            result, took = graded(a, source, fork_server)
            seconds[name] = min(seconds.get(name, took), took)
            scores[name] = result.score
    assert [scores[n] for n in ("correct", "correct_at", "solution", "pure_python", "float32")] == [a.max_score] * 5
    assert scores["loop"] == scores["syntax"] == 0 and scores["wrong_dx"] < a.max_score
    # Under 1 s on a quiet machine (make bench prints the figure), where the correct solution takes about
    # QUIET_SOLUTION_SECONDS to grade; a busy machine slows both, the loop's forks and kills more: the bound
    # allows twice that, still far from the 5 s and then 0.5 s per later test that a loop cost before.
    assert seconds["loop"] < 2.0 * max(1.0, seconds["solution"] / QUIET_SOLUTION_SECONDS), seconds


def test_the_shipped_limits_keep_every_unit_within_its_submission_limit():
    """A loop in every unit: the floor once per unit, then the shorter floor, far inside submission_seconds."""
    for aid in course.assignment_ids():
        limits: Limits = course.load(aid).limits
        units = course.load(aid).units
        worst = sum(limits.call_seconds_floor + (len(u.tests) - 1) * limits.call_seconds_after_timeout
                    for u in units)
        assert worst < limits.submission_seconds / 4, aid
