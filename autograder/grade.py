"""Steps 3 and 4 of grading: run the hidden tests on the trusted side -> Result.

    grade(assignment, submission, sandbox) -> Result
    grade(assignment, submission, sandbox, only=("test_x",)) -> Result of those tests alone

Each hidden test gets a fresh import of the student's module in the worker
(numpy's and random's global state reseeded), so a score never depends on test
order or on what ran before, except through time: the submission's total
limit, each call's limit (call_limits.py: a multiple of the reference
solution's time for the same test), and a unit one of whose calls ran out of
time, whose later tests give each call the manifest's shorter *_after_timeout
limit (an endless loop costs its unit one full call limit rather than one per
test). A worker that hangs, crashes or sends garbage fails the test it was
running and is replaced for the next one. Only the trusted side computes expected values and decides a
test passed.
"""

from __future__ import annotations

import logging
import time
import traceback

import numpy as np

from . import call_limits, fault, messages, reference, untrusted
from .hidden import draw
from .assertions import CheckFailed
from .course import Assignment, CourseError
from .result import Result, TestResult
from .round_trips import CallKnowledge
from .proxy import Student, StudentError, WorkerLost
from .submission import Submission

log = logging.getLogger("autograder")


def grade(assignment: Assignment, submission: Submission, sandbox, lang: str | None = None,
          only: tuple[str, ...] | None = None) -> Result:
    """Run every hidden test, or only those named in `only` (a notebook's test cell).

    Their messages speak `lang` (default: messages.language()).
    """
    with messages.speaking(lang):
        return _grade(assignment, submission, sandbox, only)


def _grade(assignment: Assignment, submission: Submission, sandbox, only: tuple[str, ...] | None) -> Result:
    started = time.monotonic()
    tests = reference.hidden_tests(assignment)
    ref = reference.module(assignment)
    unknown = sorted(set(only or ()) - set(tests))
    if unknown:
        raise CourseError(f"{assignment.id} has no hidden test {', '.join(unknown)}")
    chosen = [(unit, test) for unit in assignment.units for test in unit.tests
              if only is None or test.name in only]
    if submission.problems:
        message = " ".join(submission.problems + submission.notes)
        return _result(assignment, submission, [_failed(t, message) for _, t in chosen],
                       started, sandbox, output=message)

    run = _Run(assignment, submission, sandbox, started + assignment.limits.submission_seconds)
    try:
        results = [run.one(test, tests[test.name], ref, unit.uses_reference) for unit, test in chosen]
    finally:
        run.close()
    return _result(assignment, submission, results, started, sandbox, output=" ".join(submission.notes))


class _Run:
    """The hidden tests of one submission, one after another, with one worker at a time."""

    def __init__(self, assignment: Assignment, submission: Submission, sandbox, deadline: float):
        self.assignment, self.sandbox, self.deadline = assignment, sandbox, deadline
        self.submission_name = submission.name
        self.sha256 = submission.sha256
        self.secret = assignment.secret  # seeds the hidden inputs with the submission's sha256 (hidden/draw.py)
        self.files = {name: np.frombuffer(data, dtype=np.uint8) for name, data in submission.files.items()}
        self.worker = None
        self.spare = None  # a worker forked ahead, while a unit's calls run out of time test after test
        self.import_failure = ""
        self.knowledge = CallKnowledge()  # what earlier tests learned about the module: fewer round trips
        self.timed_out_units: set[str] = set()  # units a call of which ran out of time: shorter calls from then on

    def one(self, test, function, ref, uses_reference) -> TestResult:
        limits = self.assignment.limits
        if time.monotonic() >= self.deadline:
            return _failed(test, messages.text("grade.not_run", seconds=f"{limits.submission_seconds:g}"))
        if self.import_failure:
            # Importing runs the same code with the same seeds every time: it would
            # fail the same way for every test, so it is tried once per submission.
            return _failed(test, self.import_failure)
        shortened = test.unit in self.timed_out_units
        try:
            limit = call_limits.for_test(self.assignment, test.name, self.secret, self.sha256, shortened)
            student = self._fresh_module(uses_reference, limit, spare=shortened)
            with draw.drawing(self.secret, self.sha256, test.name):
                function(student, ref)
            student.finish()  # instances the test built but never used: their constructors still run
        except CheckFailed as exc:
            return _failed(test, str(exc), exc.hints)
        except AssertionError as exc:
            if fault.engine_fault(exc):  # an invariant of our own helpers broke, not a check of the student's code
                return self._grader_error(test, exc)
            return _failed(test, str(exc) or messages.text("grade.check_failed"))
        except StudentError as exc:
            return _failed(test, str(exc))
        except WorkerLost as exc:
            self._drop_worker()
            message = str(exc)
            if exc.timed_out and shortened:
                message += " " + messages.text("grade.shortened", unit=test.unit, seconds=f"{limit.first:g}",
                                                      factor=f"{limit.factor:g}")
            elif exc.timed_out:
                self.timed_out_units.add(test.unit)
            return _failed(test, message)
        except Exception as exc:  # the test tripped over what student code returned, or over our own mistake
            if fault.engine_fault(exc):
                return self._grader_error(test, exc)
            # The exception's text may quote what the student returned (and so a hidden input):
            # cleaned for the log, and without its numbers for the student.
            log.warning("%s %s on %s:\n%s", self.assignment.id, test.name, self.submission_name,
                        untrusted.clean(traceback.format_exc(), untrusted.OUTPUT_CHARS))
            return _failed(test, messages.text("grade.unusable", kind=type(exc).__name__,
                                               message=untrusted.without_numbers(untrusted.message(exc))))
        return TestResult.of(test, True, messages.text("grade.passed"))

    def _grader_error(self, test, exc: BaseException) -> TestResult:
        """The test failed because our own code did (fault.py): a sentence for the student, the detail kept."""
        log.error("%s %s on %s failed in the grader:\n%s", self.assignment.id, test.name,
                  self.submission_name, traceback.format_exc())
        return TestResult.of(test, False, messages.text("fault.test", kind=fault.kind(exc)),
                             grader_error=fault.detail(exc))

    def _fresh_module(self, uses_reference, call_seconds: call_limits.CallLimit, spare: bool) -> Student:
        """The student's module, imported afresh; each call within `call_seconds`.

        spare: fork the next worker now, while this test runs (its calls are likely to run out
        of time too, and the worker that replaces this one is then ready at once).
        """
        if self.worker is None:
            taken, self.spare = self.spare, None
            self.worker = self.sandbox.ready(taken) if taken else self.sandbox.start(self.assignment.limits)
        if spare and self.spare is None and hasattr(self.sandbox, "prepare"):
            self.spare = self.sandbox.prepare(self.assignment.limits)
        self.worker.deadline = self.deadline
        filename = self.assignment.student_files[0]
        references = reference.calls(self.assignment, uses_reference)  # the earlier units, answered here
        student = Student(self.worker, filename, self.knowledge, call_seconds, references)
        seconds = self.assignment.limits.import_seconds
        try:
            student.load(self.assignment.module_name, self.files, references.stubs(), seconds)
        except WorkerLost as exc:
            self.import_failure = (messages.text("grade.import_timeout", filename=filename, seconds=f"{seconds:g}")
                                   if exc.timed_out else str(exc))
            raise WorkerLost(self.import_failure) from None
        except StudentError as exc:
            self.import_failure = str(exc)
            raise
        return student

    def _drop_worker(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def close(self) -> None:
        self._drop_worker()
        if self.spare is not None:
            self.spare.close()
            self.spare = None


def _failed(test, message: str, hints: tuple[str, ...] = ()) -> TestResult:
    return TestResult.of(test, False, message, hints)


def _result(assignment: Assignment, submission: Submission, results, started, sandbox, output="") -> Result:
    return Result(
        assignment=assignment.id,
        submission=submission.name,
        tests=tuple(results),
        sha256=submission.sha256,
        output=output,
        execution_time=time.monotonic() - started,
        protections=tuple(getattr(sandbox, "protections", ())),
    )


def failed_result(assignment: Assignment, submission: Submission, message: str,
                  only: tuple[str, ...] | None = None, grader_error: str = "") -> Result:
    """A result that fails every test (of `only`, if given) with `message`: a row the grader could not grade.

    `grader_error` is the detail for the instructor (empty: the message says it all); the row is
    marked as the engine's failure either way, so that a rerun grades the submission again.
    """
    detail = grader_error or message
    return Result(assignment.id, submission.name,
                  tuple(TestResult.of(t, False, message, grader_error=detail) for t in assignment.tests
                        if only is None or t.name in only),
                  submission.sha256, output=message, grader_error=detail)


def safe_grade(assignment: Assignment, submission: Submission, sandbox,
               only: tuple[str, ...] | None = None) -> Result:
    """grade(), except that a failure of the grader itself still gives a (failed) result."""
    try:
        return grade(assignment, submission, sandbox, only=only)
    except CourseError:
        raise  # the course itself is broken: no result would be fair
    except Exception as exc:  # a bug of ours must not cost the student their row
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        log.error("grading %s of %s failed in the grader:\n%s", assignment.id, submission.name,
                  traceback.format_exc())
        return failed_result(assignment, submission, messages.text("grade.grader_failed", detail=detail), only,
                             grader_error=detail)
