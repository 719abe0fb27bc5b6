"""Each call's wall-clock limit, from the reference solution's own time for the same hidden test.

A request into student code may run for the manifest's call_time_factor times
the reference solution's slowest request of the same name ("Affine.forward")
in the same hidden test, on the same drawn inputs; at least
call_seconds_floor, at most call_seconds (course.Limits). Honest slow code (Python loops, float32, extra copies) is a
few times to a few dozen times slower than the reference, far inside the
factor; an endless loop in a method whose reference takes microseconds is
stopped at the floor instead of the manifest's call_seconds.

The reference's time is measured only when it matters. The grader waits for an
answer up to the floor; almost every call of every submission answers well
within it, and then nothing is measured. When a call is still running at the
floor, the grader runs the same hidden test on the reference solution, in this
process (trusted code: the solution, through an in-process worker), timing each
request the test makes (twice: each name keeps its faster run, so a stall of
a busy machine does not become a limit; once when the first run took more than
RERUN_SECONDS of CPU, as 08's published training does, where a second run would cost
as much again and a stall only makes the limit more generous), and lets the
call go on until the factor times the reference's time for it. That time is
the grader's, not the student's: the call's limit is pushed back by as much
(student.Student._exchange).
Each test is measured at most once per process and assignment (a batch
measures a test the first time a submission needs it): inputs are
drawn per submission, but their sizes come from small fixed ranges, and the
factor dwarfs the difference.
"""

from __future__ import annotations

import logging
import math
import os
import random
import sys
import threading
import time

import numpy as np

from .course import Assignment, Limits
from .proxy import Student

log = logging.getLogger("autograder")

_measured: dict[tuple, dict | None] = {}  # (course root, assignment id, test) -> reference_seconds()
# Runs of the reference per measured test: up to RUNS, while the runs so far took less than RERUN_SECONDS
# of this process's CPU time.
# A long test runs once (08's published training takes the reference about 2 s, and each run is that
# again): one run is never faster than the faster of two, so its limits are never the stricter.
RUNS = 2
RERUN_SECONDS = 0.5  # CPU: far above a first run's warm-up (about 0.05 s), far below 08's training (2 s)
_workers: dict[int, object] = {}  # pid -> the in-process worker its measurements share (one folder)
_lock = threading.Lock()  # one measurement at a time: it reseeds numpy's global state while it runs


class CallLimit:
    """The wall-clock limit of each call in one hidden test of one submission.

    first: seconds to wait before anything is measured (the floor);
    whole(label): the whole limit in seconds of a request named `label`
    ("Affine.forward"), at least first: factor times the reference's slowest
    request of that name in the same test (of any name, for a name the
    reference never sent), measured on the first call that needs it.
    """

    def __init__(self, first: float, most: float, factor: float, measure):
        """measure: () -> {label: the reference's seconds, "": its slowest request}, or None when it could
        not be timed."""
        self.first, self.most, self.factor = first, max(first, most), factor
        self._measure, self._times = measure, None

    def measured(self) -> bool:
        return self._times is not None or self.most <= self.first

    def whole(self, label: str = "") -> float:
        if self.most <= self.first:  # nothing to measure: the floor is the most a call gets
            return self.first
        if self._times is None:
            self._times = self._measure() or {}
        seconds = self._times.get(label, self._times.get(""))
        if seconds is None:
            return self.most
        return min(max(_round_up(self.factor * seconds), self.first), self.most)

    def current(self, label: str = "") -> float:
        """The limit as far as known: the whole one once measured, else the first wait."""
        return self.whole(label) if self.measured() else self.first


def for_test(assignment: Assignment, test: str, secret: bytes, sha256: str, after_timeout: bool) -> CallLimit:
    """The limit of each call in hidden test `test` of the submission with `sha256`.

    after_timeout: a call of the test's unit ran out of time in an earlier test
    (the manifest's *_after_timeout floor and factor apply).
    """
    limits: Limits = assignment.limits
    floor, factor = limits.call_seconds_floor, limits.call_time_factor
    if after_timeout:
        floor, factor = limits.call_seconds_after_timeout, limits.call_time_factor_after_timeout
    first = min(floor, limits.call_seconds)
    return CallLimit(first, limits.call_seconds, factor, lambda: reference_seconds(assignment, test, secret, sha256))


def reference_seconds(assignment: Assignment, test: str, secret: bytes, sha256: str) -> dict[str, float] | None:
    """The reference solution's time for each request of hidden test `test`, in seconds (cached).

    {label: the slowest request of that label, "": the slowest of all}. The
    test runs again while its runs took less than RERUN_SECONDS, at most RUNS
    times, and each label keeps its fastest run: a busy machine that stalls one
    request of a short test does not make its limit. None when the reference
    could not run the test (a fault of the course: the call then gets the
    manifest's call_seconds, and the log says why).
    """
    key = (str(assignment.root), assignment.id, test)
    with _lock:
        if key not in _measured:
            _measured[key] = _time_reference(assignment, test, secret, sha256)
        return _measured[key]


def forget() -> None:
    """Drop every measurement (tests of this module)."""
    with _lock:
        _measured.clear()


def _time_reference(assignment: Assignment, test: str, secret: bytes, sha256: str) -> dict[str, float] | None:
    names = [name.rsplit(".", 1)[0] for name in assignment.student_files]
    kept = (np.random.get_state(), random.getstate(), {name: sys.modules.get(name) for name in names})
    try:
        runs, started = [], time.process_time()  # CPU: a stall of a busy machine does not make a test long
        while len(runs) < RUNS and (not runs or time.process_time() - started < RERUN_SECONDS):
            runs.append(_run_reference(assignment, test, secret, sha256))
    except Exception as exc:  # the reference fails its own test: a course fault, not the student's
        log.warning("%s %s: could not time the reference solution (%s: %s); its calls get call_seconds",
                    assignment.id, test, type(exc).__name__, exc)
        return None
    finally:
        np.random.set_state(kept[0])
        random.setstate(kept[1])
        for name, module in kept[2].items():  # the in-process import put the solution there
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    times = {label: min(run[label] for run in runs if label in run) for label in set().union(*runs)}
    times[""] = max(times.values(), default=0.0)
    return times


def _run_reference(assignment: Assignment, test: str, secret: bytes, sha256: str) -> dict[str, float]:
    """One run of the hidden test on the reference solution in this process: {label: slowest request}."""
    from . import reference
    from .hidden import draw
    from .round_trips import CallKnowledge
    from .sandbox import InProcessWorker

    worker = _workers.get(os.getpid()) or _workers.setdefault(os.getpid(), InProcessWorker())
    files = {name: np.frombuffer((assignment.solution_folder / name).read_bytes(), dtype=np.uint8)
             for name in assignment.student_files}
    references = reference.calls(assignment, assignment.unit_of(test).uses_reference)
    student = _TimedStudent(worker, assignment.student_files[0], CallKnowledge(), None, references)
    student.load(assignment.module_name, files, references.stubs())
    student.times.clear()  # the import is not a call (import_seconds bounds it)
    with draw.drawing(secret, sha256, test):
        reference.hidden_tests(assignment)[test](student, reference.module(assignment))
    student.finish()
    return student.times


class _TimedStudent(Student):
    """The proxy, keeping the time of the slowest request of each label in `times`."""

    def __init__(self, *args):
        super().__init__(*args)
        object.__setattr__(self, "times", {})

    def _exchange(self, message: bytes, seconds, label: str = "") -> bytes:
        started = time.perf_counter()
        try:
            return super()._exchange(message, seconds, label)
        finally:
            took = time.perf_counter() - started
            self.times[label] = max(self.times.get(label, 0.0), took)


def _round_up(seconds: float) -> float:
    """seconds rounded up to two significant digits: a limit a message can say."""
    if seconds <= 0:
        return 0.0
    digits = 1 - math.floor(math.log10(seconds))
    return round(math.ceil(seconds * 10.0 ** digits - 1e-9) / 10.0 ** digits, digits)
