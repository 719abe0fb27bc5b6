"""Public tests as notebook cells: each test function of assignments/<id>/test_*.py becomes one
cell that defines it (with the imports and helpers it needs) and calls it, once per
`pytest.mark.parametrize` case. In a notebook the student's classes are already defined,
so the `from layers import ...` line is left out.

Each cell goes to the question of the last graded unit (in manifest order) that the test
names; a test that names none goes to the last unit.
"""

from __future__ import annotations

import ast
from pathlib import Path

from ..course import Assignment, CourseError


def public_test_cells(assignment: Assignment, files: list[Path]) -> dict[str, list[dict]]:
    order = [u.name for u in assignment.units]
    cells: dict[str, list[dict]] = {}
    for path in files:
        for unit, source in _test_sources(assignment, path, order):
            cells.setdefault(unit, []).append(
                {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                 "source": source})
    return cells


def _test_sources(assignment: Assignment, path: Path, order: list[str]):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    student_modules = {Path(f).stem for f in assignment.student_files}
    imports, helpers, tests = [], {}, []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module in student_modules:
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.append(ast.get_source_segment(source, node))
        elif isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            tests.append(node)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            helpers[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        helpers[name.id] = node
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            raise CourseError(f"{path}:{node.lineno}: a public test file may hold only imports, "
                              "definitions and constants to become notebook cells")
    for test in tests:
        used = _helpers_used(test, helpers)
        names = _names(test)
        for helper in used:
            names |= _names(helpers[helper])
        units = [u for u in order if u in names]
        unit = units[-1] if units else order[-1]
        parts = ["\n".join(imports)] if imports else []
        seen = []
        for helper in used:
            node = helpers[helper]
            if node not in seen:
                seen.append(node)
                parts.append(_segment(source, node))
        parts.append(_segment(source, test, decorators=False))
        parts.append(_calls(path, source, test))
        yield unit, "\n\n\n".join(parts)


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _helpers_used(test: ast.FunctionDef, helpers: dict[str, ast.AST]) -> list[str]:
    """The module-level helpers a test needs, transitively, in the file's order."""
    needed, todo = set(), [test]
    while todo:
        for name in _names(todo.pop()) & helpers.keys():
            if name not in needed:
                needed.add(name)
                todo.append(helpers[name])
    return sorted(needed, key=lambda n: helpers[n].lineno)


def _segment(source: str, node: ast.AST, decorators: bool = True) -> str:
    lines = source.splitlines()
    first = node.lineno
    if decorators and getattr(node, "decorator_list", None):
        first = min(d.lineno for d in node.decorator_list)
    return "\n".join(lines[first - 1:node.end_lineno])


def _calls(path: Path, source: str, test: ast.FunctionDef) -> str:
    """`test()`, or nested loops over its parametrize cases."""
    loops = []
    for decorator in test.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        if call is None or not ast.unparse(call.func).endswith("mark.parametrize") or len(call.args) < 2:
            raise CourseError(f"{path}:{decorator.lineno}: {test.name} has a decorator other than "
                              "pytest.mark.parametrize(names, values), which a notebook cell cannot run")
        names = ast.literal_eval(call.args[0])
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        loops.append((names, ast.get_source_segment(source, call.args[1])))
    arguments = [a.arg for a in test.args.args]
    covered = [n for names, _ in loops for n in names]
    if sorted(arguments) != sorted(covered):
        raise CourseError(f"{path}:{test.lineno}: {test.name} takes arguments ({', '.join(arguments)}) "
                          "that its parametrize decorators do not all give")
    lines = []
    for depth, (names, values) in enumerate(loops):
        lines.append("    " * depth + f"for {', '.join(names)} in {values}:")
    call = f"{test.name}({', '.join(f'{a}={a}' for a in arguments)})"
    lines.append("    " * len(loops) + call)
    return "\n".join(lines)
