"""Steps 3 and 4 of grading: run the hidden tests on the trusted side -> Result.

    grade(assignment, submission, sandbox) -> Result

Each hidden test gets a fresh import of the student's module in the worker
(numpy's and random's global state reseeded), so a score never depends on test
order or on what ran before. A worker that hangs, crashes or sends garbage
fails the test it was running and is replaced for the next one. Only the
trusted side computes expected values and decides a test passed.
"""

from __future__ import annotations

import logging
import time
import traceback

import numpy as np

from . import reference
from .course import Assignment
from .result import Result, TestResult
from .student import MissingName, Student, StudentError, WorkerLost
from .submission import Submission

log = logging.getLogger("autograder")


def grade(assignment: Assignment, submission: Submission, sandbox) -> Result:
    started = time.monotonic()
    tests = reference.hidden_tests(assignment)
    ref = reference.module(assignment)
    if submission.problems:
        message = " ".join(submission.problems)
        return _result(assignment, submission, [_failed(t, message) for t in assignment.tests],
                       started, sandbox, output=message)

    deadline = started + assignment.limits.submission_seconds
    files = {name: np.frombuffer(data, dtype=np.uint8) for name, data in submission.files.items()}
    results: list[TestResult] = []
    worker = None
    try:
        for unit in assignment.units:
            references = reference.unit_sources(assignment, unit.uses_reference)
            for test in unit.tests:
                if time.monotonic() >= deadline:
                    results.append(_failed(test, "Not run: the submission used up its "
                                           f"{assignment.limits.submission_seconds:g} s time limit."))
                    continue
                try:
                    if worker is None:
                        worker = sandbox.start(assignment.limits)
                    worker.deadline = deadline
                    student = Student(worker, assignment.student_files[0])
                    student._request("load", f"importing {assignment.student_files[0]}",
                                     module=assignment.module_name, files=files, references=references)
                    tests[test.name](student, ref)
                except AssertionError as exc:
                    results.append(_failed(test, str(exc) or "the check failed."))
                except (MissingName, StudentError) as exc:
                    results.append(_failed(test, str(exc)))
                except WorkerLost as exc:
                    results.append(_failed(test, str(exc)))
                    if worker is not None:
                        worker.close()
                    worker = None
                except Exception as exc:  # the test tripped over what student code returned
                    log.warning("%s %s on %s:\n%s", assignment.id, test.name, submission.name,
                                traceback.format_exc())
                    results.append(_failed(test, "Your code returned something this test could not use "
                                           f"({type(exc).__name__}: {exc})."))
                else:
                    results.append(TestResult(test.name, test.unit, test.points, test.points, "Passed."))
    finally:
        if worker is not None:
            worker.close()
    return _result(assignment, submission, results, started, sandbox)


def _failed(test, message: str) -> TestResult:
    return TestResult(test.name, test.unit, 0.0, test.points, message)


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
