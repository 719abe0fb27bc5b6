"""Each call's wall-clock limit, from the reference solution's own time for the same hidden test.

A call into student code may run for the manifest's call_time_factor times the
slowest request the reference solution makes in the same hidden test, on the
same drawn inputs; at least call_seconds_floor, at most call_seconds
(course.Limits). Honest slow code (Python loops, float32, extra copies) is a
few times to a few dozen times slower than the reference, far inside the
factor; an endless loop in a method whose reference takes microseconds is
stopped at the floor instead of the manifest's call_seconds.

The reference's time is measured only when it matters. The grader waits for an
answer up to the floor; almost every call of every submission answers well
within it, and then nothing is measured. When a call is still running at the
floor, the grader runs the same hidden test on the reference solution, in this
process (trusted code: the solution, through an in-process worker), timing each
request the test makes, and lets the call go on until the factor times the
slowest of them. Each test is measured at most once per process and assignment
(a batch measures a test the first time a submission needs it): inputs are
drawn per submission, but their sizes come from small fixed ranges, and the
factor dwarfs the difference.
"""

from __future__ import annotations

import logging
import math
import random
import sys
import threading
import time

import numpy as np

from .course import Assignment, Limits

log = logging.getLogger("autograder")

_measured: dict[tuple, float | None] = {}  # (course root, assignment id, test) -> the reference's slowest request
_lock = threading.Lock()  # one measurement at a time: it reseeds numpy's global state while it runs


class CallLimit:
    """The wall-clock limit of each call in one hidden test of one submission.

    first: seconds to wait before anything is measured (the floor);
    whole(): the call's whole limit in seconds, at least first, measured on the
    first call that needs it and kept for the rest of the test.
    """

    def __init__(self, first: float, most: float, factor: float, measure):
        """measure: () -> the reference's slowest request in seconds, or None when it could not be timed."""
        self.first, self.most, self.factor = first, max(first, most), factor
        self._measure, self._whole = measure, None

    @property
    def measured(self) -> bool:
        return self._whole is not None

    def whole(self) -> float:
        if self._whole is None:
            if self.most <= self.first:  # nothing to measure: the floor is the most a call gets
                self._whole = self.first
            else:
                seconds = self._measure()
                self._whole = self.most if seconds is None else min(max(_round_up(self.factor * seconds),
                                                                        self.first), self.most)
        return self._whole

    def current(self) -> float:
        """The limit as far as known: the whole one once measured, else the first wait."""
        return self._whole if self._whole is not None else self.first


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


def reference_seconds(assignment: Assignment, test: str, secret: bytes, sha256: str) -> float | None:
    """The slowest request hidden test `test` makes of the reference solution, in seconds (cached).

    None when the reference could not run the test (a fault of the course: the
    call then gets the manifest's call_seconds, and the log says why).
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


def _time_reference(assignment: Assignment, test: str, secret: bytes, sha256: str) -> float | None:
    from . import reference
    from .hidden import draw
    from .round_trips import CallKnowledge
    from .sandbox import InProcessWorker
    from .student import Student

    names = [name.rsplit(".", 1)[0] for name in assignment.student_files]
    kept = (np.random.get_state(), random.getstate(), {name: sys.modules.get(name) for name in names})
    stopwatch = _Stopwatch(InProcessWorker())
    try:
        files = {name: np.frombuffer((assignment.solution_folder / name).read_bytes(), dtype=np.uint8)
                 for name in assignment.student_files}
        references = reference.calls(assignment, assignment.unit_of(test).uses_reference)
        student = Student(stopwatch, assignment.student_files[0], CallKnowledge(), None, references)
        student.load(assignment.module_name, files, references.stubs())
        stopwatch.slowest = 0.0  # the import is not a call (import_seconds bounds it)
        with draw.drawing(secret, sha256, test):
            reference.hidden_tests(assignment)[test](student, reference.module(assignment))
        student.finish()
        return stopwatch.slowest
    except Exception as exc:  # the reference fails its own test: a course fault, not the student's
        log.warning("%s %s: could not time the reference solution (%s: %s); its calls get call_seconds",
                    assignment.id, test, type(exc).__name__, exc)
        return None
    finally:
        stopwatch.channel.close()
        np.random.set_state(kept[0])
        random.setstate(kept[1])
        for name, module in kept[2].items():  # the in-process import put the solution there
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


class _Stopwatch:
    """A channel (an in-process worker) that keeps the time of its slowest exchange."""

    call_seconds = None

    def __init__(self, channel):
        self.channel, self.slowest = channel, 0.0

    def exchange(self, message: bytes, seconds: float | None = None) -> bytes:
        started = time.perf_counter()
        try:
            return self.channel.exchange(message, seconds)
        finally:
            self.slowest = max(self.slowest, time.perf_counter() - started)

    def serving(self, answer):
        return self.channel.serving(answer)


def _round_up(seconds: float) -> float:
    """seconds rounded up to two significant digits: a limit a message can say."""
    if seconds <= 0:
        return 0.0
    scale = 10.0 ** (math.floor(math.log10(seconds)) - 1)
    return math.ceil(seconds / scale - 1e-9) * scale
