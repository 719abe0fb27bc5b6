"""The trusted side's view of the reference solutions and hidden tests.

The reference module is imported here, in the grader, to compute expected
values. A worker never sees any of it: where a test supplies earlier units in
place of the student's (manifest `uses_reference`), the worker gets stubs whose
calls the grader answers with this module (`calls`, reference_calls.py).
"""

from __future__ import annotations

import importlib
import importlib.util
import types
from functools import cache
from typing import Callable

from .course import Assignment, CourseError
from .reference_calls import ReferenceCalls


@cache
def module(assignment: Assignment) -> types.ModuleType:
    """The solution's main module, imported under a private name."""
    path = assignment.solution_folder / assignment.student_files[0]
    if not path.is_file():
        raise CourseError(f"{assignment.id}: the reference solution {path} is missing: write it there, or correct "
                          f"student_files in {assignment.folder / 'manifest.toml'}")
    spec = importlib.util.spec_from_file_location(f"_reference_{assignment.id}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@cache
def hidden_tests(assignment: Assignment) -> dict[str, Callable]:
    """The hidden test functions of an assignment, by name, checked against its manifest."""
    mod = importlib.import_module(f"autograder.hidden.{assignment.slug}")
    defined = {name for name in vars(mod) if name.startswith("test_") and callable(getattr(mod, name))}
    listed = {t.name for t in assignment.tests}
    if defined != listed:
        missing, extra = sorted(listed - defined), sorted(defined - listed)
        raise CourseError(
            f"{assignment.id}: manifest and autograder/hidden/{assignment.slug}.py disagree"
            + (f"; not defined: {', '.join(missing)}" if missing else "")
            + (f"; not in the manifest: {', '.join(extra)}" if extra else ""))
    return {name: getattr(mod, name) for name in (t.name for t in assignment.tests)}


def calls(assignment: Assignment, names: tuple[str, ...]) -> ReferenceCalls:
    """The earlier units `names` of the reference solution, for one test: the worker gets stubs, calls come here."""
    try:
        return ReferenceCalls(module(assignment), tuple(names))
    except LookupError as exc:
        raise CourseError(f"{assignment.id}: uses_reference names {exc.args[0]}, which "
                          f"{assignment.student_files[0]} does not define as a class or function") from None
