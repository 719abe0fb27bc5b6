"""The trusted side's view of the reference solutions and hidden tests.

The reference module is imported here, in the grader, to compute expected
values. A worker never sees it whole: `unit_sources` cuts out only the earlier
units a test supplies in place of the student's (manifest `uses_reference`).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import types
from functools import lru_cache
from typing import Callable

from .course import Assignment, CourseError


@lru_cache(maxsize=None)
def module(assignment: Assignment) -> types.ModuleType:
    """The solution's main module, imported under a private name."""
    path = assignment.solution_folder / assignment.student_files[0]
    if not path.is_file():
        raise CourseError(f"{assignment.id}: the reference solution {path} is missing")
    spec = importlib.util.spec_from_file_location(f"_reference_{assignment.id}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@lru_cache(maxsize=None)
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


@lru_cache(maxsize=None)
def unit_sources(assignment: Assignment, names: tuple[str, ...]) -> dict[str, str]:
    """name -> source of that top-level definition, preceded by the solution's imports."""
    if not names:
        return {}
    path = assignment.solution_folder / assignment.student_files[0]
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    imports = "\n".join(ast.get_source_segment(source, node)
                        for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))
    definitions = {node.name: node for node in tree.body
                   if isinstance(node, (ast.ClassDef, ast.FunctionDef))}
    result = {}
    for name in names:
        node = definitions.get(name)
        if node is None:
            raise CourseError(f"{assignment.id}: uses_reference names {name}, which {path.name} does not define")
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        lines = source.splitlines()[start - 1:node.end_lineno]
        result[name] = imports + "\n\n" + "\n".join(lines) + "\n"
    return result
