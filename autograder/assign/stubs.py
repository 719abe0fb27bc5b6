"""Stubs are generated from the solutions, never written by hand.

In a solution, what the student writes sits between `### BEGIN SOLUTION` and
`### END SOLUTION` lines. Inside a function the region becomes

    raise NotImplementedError("03_affine: implement Affine.backward")

and outside a function it is dropped. Everything else is copied unchanged, so
docstrings, signatures and given constructors cannot drift from the solution.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..course import Assignment, CourseError

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_DEFINITION = re.compile(r"^(\s*)(?:async\s+)?(def|class)\s+(\w+)")


def raise_not_implemented(assignment_id: str, indent: str, function: str | None, region: list[str]) -> list[str]:
    """The stub's stand-in for a solution region: a raise inside a function, nothing outside."""
    if function is None:
        return []
    return [f'{indent}raise NotImplementedError("{assignment_id}: implement {function}")\n']


def make_stub(source: str, assignment_id: str, filename: str = "solution", render=None) -> str:
    """The solution with each solution region replaced by `render(assignment_id, indent,
    function, region_lines)` (default: raise_not_implemented); `function` is the dotted
    name of the enclosing function, or None outside one. Other exports (the otter-grader
    master notebook) pass their own `render` to mark the regions their way."""
    render = render or raise_not_implemented
    out: list[str] = []
    scopes: list[tuple[int, str, str]] = []  # (indent, 'def'|'class', name)
    inside = False
    region: list[str] = []
    where: tuple[str, str | None] = ("", None)
    for number, line in enumerate(source.splitlines(keepends=True), 1):
        stripped = line.strip()
        if inside:
            if stripped == END:
                inside = False
                out.extend(render(assignment_id, *where, region))
            elif stripped == BEGIN:
                raise CourseError(f"{filename}:{number}: {BEGIN} inside another solution region")
            else:
                region.append(line)
            continue
        if stripped == END:
            raise CourseError(f"{filename}:{number}: {END} without {BEGIN}")
        match = _DEFINITION.match(line)
        if match:
            indent = len(match.group(1))
            scopes = [s for s in scopes if s[0] < indent] + [(indent, match.group(2), match.group(3))]
        if stripped == BEGIN:
            indent = len(line) - len(line.lstrip())
            enclosing = [s for s in scopes if s[0] < indent]
            inside, region = True, []
            in_function = enclosing and enclosing[-1][1] == "def"
            where = (" " * indent, ".".join(s[2] for s in enclosing) if in_function else None)
            continue
        out.append(line)
    if inside:
        raise CourseError(f"{filename}: {BEGIN} without {END}")
    return "".join(out)


def stub_pairs(assignment: Assignment) -> list[tuple[Path, Path]]:
    """(solution file, stub file) for each student file of the assignment."""
    return [(assignment.solution_folder / f, assignment.folder / f) for f in assignment.student_files]


def expected_stub(assignment: Assignment, solution: Path) -> str:
    return make_stub(solution.read_text(encoding="utf-8"), assignment.id, str(solution))


def write_stubs(assignments: list[Assignment]) -> list[Path]:
    """Regenerate every stub; returns the files that changed."""
    changed = []
    for assignment in assignments:
        for solution, stub in stub_pairs(assignment):
            text = expected_stub(assignment, solution)
            if not stub.exists() or stub.read_text(encoding="utf-8") != text:
                stub.write_text(text, encoding="utf-8")
                changed.append(stub)
    return changed


def stale_stubs(assignments: list[Assignment]) -> list[Path]:
    """Stubs that differ from what their solutions generate."""
    return [stub for a in assignments for solution, stub in stub_pairs(a)
            if not stub.exists() or stub.read_text(encoding="utf-8") != expected_stub(a, solution)]
