"""Whose fault an exception on the trusted side is: the engine's, or the submission's.

A hidden test runs here and handles what the student's code returned, as
plain data (numbers, strings, numpy arrays, lists and tuples of them). Such
values can make the test's own code raise TypeError, ValueError, IndexError,
AttributeError (None where an array belongs) ...: those are the submission's
doing, and grade.py says "your code returned something this test could not
use". Some exceptions no value can cause, only a mistake in our own code: a
name that is not defined, an import that fails, code that does not compile.
Those are the engine's failure: the test is failed with a sentence that says
so, and marked as a grader error so that the gradebook grades it again on the
next run (autograder/result.py).
"""

from __future__ import annotations

# NameError covers UnboundLocalError; ImportError covers ModuleNotFoundError.
ENGINE_MISTAKES: tuple[type[BaseException], ...] = (NameError, ImportError, SyntaxError)


def engine_fault(exc: BaseException) -> bool:
    """Whether `exc`, raised on the trusted side while a hidden test ran, is a mistake of the engine's."""
    return isinstance(exc, ENGINE_MISTAKES)


def detail(exc: BaseException) -> str:
    """One line for the instructor: the exception and where our code raised it."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"
