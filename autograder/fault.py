"""Whose fault an exception is: the engine's (a grader error), or the submission's.

The rule and its reasons: docs/faults.md.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from types import TracebackType

PACKAGE = Path(__file__).resolve().parent
HIDDEN = PACKAGE / "hidden"
# Modules of hidden/ that are engine helpers, not hidden tests: their exceptions are ours.
HIDDEN_HELPERS = frozenset({"__init__.py", "draw.py"})

# NameError covers UnboundLocalError; ImportError covers ModuleNotFoundError.
ENGINE_MISTAKES: tuple[type[BaseException], ...] = (NameError, ImportError, SyntaxError)
# What a submission's values can cause in any code that handles them (a list nested a million deep, an
# array of a billion entries): never evidence of a mistake of ours.
EXHAUSTION: tuple[type[BaseException], ...] = (MemoryError, RecursionError)
# The worker's frames that run student code through a builtin (a call, getattr, setattr, exec): an
# exception raised there, with no frame of the student's files below, came from what the student defined.
WORKER_INTO_STUDENT = frozenset({"_calling", "op_getattr", "op_setattr", "_import"})
STUDENT_MARK = "autograder_for_student"


class EngineFault(Exception):
    """Our own code failed inside the worker (a reference stub, the worker's request loop).

    kind: the exception's type name there; str(): the instructor's detail (type, message, place).
    """

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind


class EngineError(RuntimeError):
    """A failure of the engine's own making that a hidden test detects (no input of the kind it needs drawn)."""


def engine_fault(exc: BaseException) -> bool:
    """Whether `exc`, caught on the trusted side where a hidden test is called, is a mistake of the engine's.

    Its traceback starts at the frame that called the hidden test.
    """
    if isinstance(exc, (EngineFault, EngineError, *ENGINE_MISTAKES)):
        return True
    if isinstance(exc, EXHAUSTION):
        return False
    return raised_in_engine(exc.__traceback__)


def raised_in_engine(tb: TracebackType | None) -> bool:
    """Whether the innermost frame of the package's own code in `tb` is an engine helper's.

    A hidden test handles the student's values itself (unpacking, indexing, .shape): its own
    lines tripping over one are the submission's doing. The helpers it calls (assertions, hints,
    bugs, messages, the proxy, the reference) accept any value and say in a sentence what is
    wrong with it: an exception escaping one of them is ours. Frames outside the package
    (numpy, the standard library) are skipped: they raise on behalf of the code that called them.
    The outermost frame is the grader's call of the test: an exception raised below it, outside
    the package, is the test's own (a hidden test defined elsewhere).
    """
    frames = traceback.extract_tb(tb)
    for depth in range(len(frames) - 1, -1, -1):
        path = _ours(frames[depth].filename)
        if path is None:
            continue
        if depth == 0 and len(frames) > 1:
            return False
        return not _hidden_test(path)
    return False


def raised_by_worker(exc: BaseException, student_paths: set[str]) -> bool:
    """Whether `exc`, caught in the worker's request loop, was raised by our code rather than the student's.

    The innermost frame that is either the student's or the package's decides (frames of numpy
    and the standard library raise on behalf of their caller): the package's is ours, unless it
    runs student code through a builtin (WORKER_INTO_STUDENT: a class that is numpy's function)
    or raised at the student on purpose (marked by `for_student`: the reference's own error for
    the student's arguments, an attribute the reference lacks). A missing name, an import's
    failure and exhaustion stay the student's. The worker is untrusted: a submission can make
    its failures look like ours, which only turns its own failed test into one marked for the
    instructor and graded again, never into points.
    """
    if isinstance(exc, (*EXHAUSTION, SystemExit, KeyboardInterrupt)) or getattr(exc, "missing", False) \
            or getattr(exc, "while_importing", "") or getattr(exc, STUDENT_MARK, False):
        return False
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename in student_paths:
            return False
        path = _ours(frame.filename)
        if path is not None:
            return not (path.name == "worker.py" and frame.name in WORKER_INTO_STUDENT)
    return False


def for_student(exc: BaseException) -> BaseException:
    """`exc`, marked as one our code in the worker raises at the student's code on purpose."""
    setattr(exc, STUDENT_MARK, True)
    return exc


def kind(exc: BaseException) -> str:
    """The exception's type name, as the student's sentence names it (a worker's fault: the worker's type)."""
    return exc.kind if isinstance(exc, EngineFault) else type(exc).__name__


def where(exc: BaseException) -> str:
    """file:line of the innermost frame of the package's code (else the innermost), for the instructor."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if _ours(f.filename) is not None] or frames
    return f"{ours[-1].filename}:{ours[-1].lineno}" if ours else ""


def detail(exc: BaseException) -> str:
    """One line for the instructor: the exception and where our code raised it."""
    if isinstance(exc, EngineFault):
        return f"{exc} in the worker"
    place = where(exc)
    return f"{type(exc).__name__}: {exc}" + (f" ({place})" if place else "")


def _ours(filename: str) -> Path | None:
    """The path of a frame's file if it is a module of this package, else None (a name that is no path too)."""
    try:
        path = Path(filename).resolve()
    except (OSError, RuntimeError, ValueError):  # a walled-off folder in the worker, a loop of links, a NUL
        return None
    return path if PACKAGE in path.parents else None


def _hidden_test(path: Path) -> bool:
    return path.parent == HIDDEN and path.name not in HIDDEN_HELPERS
