"""The otter-grader export: one Otter Assign master notebook per assignment.

    <out>/<id>/<id>.ipynb      then: otter assign <id>.ipynb dist --no-pdfs

The master notebook, in the order `otter assign` reads it:

    raw       # ASSIGNMENT CONFIG (YAML: name, init/check-all/export cells, test files, no PDFs)
    markdown  the assignment's README
    code      the given part of the student file (module docstring, imports, given classes)
    per graded unit of the manifest, one question:
      raw       # BEGIN QUESTION (name: the unit, points: one entry per test cell)
      code      the solution, its regions between # BEGIN SOLUTION NO PROMPT / # END SOLUTION and
                the stub's `raise NotImplementedError(...)` as the prompt students get instead
      code      the public test functions that use the unit: 0 points each (students run them)
      code      one `# HIDDEN` cell per hidden test, worth the manifest's points

The code cells of the student file carry the metadata {"autograder": {"file": "layers.py"}}.
A hidden-test cell holds no test code: it calls autograder.notebook_grading.check, which
joins those cells of the notebook file into layers.py and grades it with the hidden tests
of autograder/hidden/ in the sandbox (see that module for what this protects and what not).
So the kit (this package, the course's solutions and manifests) must be installed where
otter runs the notebooks: `make otter-venv` does that for .venv-otter.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from ..course import Assignment, CourseError
from ..notebook_grading import cell_metadata
from .stubs import make_stub, raise_not_implemented
from .release import public_tests

KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}
# Lines otter assign reads as markers anywhere in a solution cell (otter/assign/solutions.py);
# a solution must not hold them by accident.
_OTTER_MARKERS = ("# SOLUTION", "#SOLUTION", "# SEED", "# BEGIN PROMPT", "# END PROMPT",
                  "# BEGIN SOLUTION", "# END SOLUTION")


def config(assignment: Assignment) -> str:
    """The YAML of the # ASSIGNMENT CONFIG cell."""
    return "\n".join([
        "# ASSIGNMENT CONFIG",
        f"name: {assignment.id}",
        "init_cell: true",
        "check_all_cell: true",
        "export_cell:",
        "  pdf: false",
        "tests:",
        "  files: true",
        "generate:",
        "  pdf: false",
        "",
    ])


def _cell(kind: str, source: str, metadata: dict | None = None) -> dict:
    cell = {"cell_type": kind, "metadata": metadata or {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _raw(*lines: str) -> dict:
    return _cell("raw", "\n".join(lines))


def otter_region(assignment_id: str, indent: str, function: str | None, region: list[str]) -> list[str]:
    """A solution region in otter's markers: the stub's raise as the prompt, then the solution."""
    prompt = raise_not_implemented(assignment_id, indent, function, region)
    lines = []
    if prompt:
        lines += [f'{indent}""" # BEGIN PROMPT\n', *prompt, f'{indent}""" # END PROMPT\n']
    return lines + [f"{indent}# BEGIN SOLUTION NO PROMPT\n", *region, f"{indent}# END SOLUTION\n"]


def split_solution(assignment: Assignment) -> list[tuple[str | None, str]]:
    """The main solution file in pieces, in order: (unit name, source) for each unit's
    top-level definition, (None, source) for what lies between (docstring, imports, given code)."""
    path = assignment.solution_folder / assignment.student_files[0]
    if not path.is_file():
        raise CourseError(f"{assignment.id}: the reference solution {path} is missing")
    source = path.read_text(encoding="utf-8")
    for marker in _OTTER_MARKERS:
        if marker in source.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""):
            raise CourseError(f"{path}: holds {marker!r}, which otter assign would read as a marker")
    lines = source.splitlines(keepends=True)
    units = {u.name for u in assignment.units}
    # A piece runs up to the next top-level statement: comments after a definition's last
    # statement (a closing ### END SOLUTION) belong to it.
    body = ast.parse(source).body
    starts = [min([n.lineno] + [d.lineno for d in getattr(n, "decorator_list", [])]) - 1 for n in body]
    pieces: list[tuple[str | None, str]] = []
    start = 0
    for index, node in enumerate(body):
        if not isinstance(node, (ast.ClassDef, ast.FunctionDef)) or node.name not in units:
            continue
        first = starts[index]
        end = starts[index + 1] if index + 1 < len(body) else len(lines)
        if "".join(lines[start:first]).strip():
            pieces.append((None, "".join(lines[start:first])))
        pieces.append((node.name, "".join(lines[first:end])))
        start = end
    if "".join(lines[start:]).strip():
        pieces.append((None, "".join(lines[start:])))
    missing = units - {name for name, _ in pieces}
    if missing:
        raise CourseError(f"{path}: defines no top-level {', '.join(sorted(missing))} (graded units)")
    return pieces


def hidden_test_cell(assignment: Assignment, test_name: str) -> dict:
    return _cell("code", "\n".join([
        "# HIDDEN",
        "from autograder.notebook_grading import check",
        f'check("{assignment.id}", "{test_name}")',
    ]))


def _public_test_cells(assignment: Assignment) -> dict[str, list[dict]]:
    """unit name -> the public test cells of that unit's question."""
    from .public_cells import public_test_cells  # interim home of the public-test cell builder

    return public_test_cells(assignment, [p for p in public_tests(assignment)])


def master_notebook(assignment: Assignment) -> dict:
    """The Otter Assign master notebook of one assignment (nbformat 4, as a dict)."""
    student_file = assignment.student_files[0]
    if len(assignment.student_files) != 1:
        raise CourseError(f"{assignment.id}: the otter export handles one student file, "
                          f"not {len(assignment.student_files)}")
    marked = cell_metadata(student_file)
    readme = assignment.folder / "README.md"
    if not readme.is_file():
        raise CourseError(f"{assignment.id}: {readme} is missing")
    public = _public_test_cells(assignment)
    cells = [_raw(config(assignment)), _cell("markdown", readme.read_text(encoding="utf-8").rstrip("\n"))]
    by_name = {u.name: u for u in assignment.units}
    for name, source in split_solution(assignment):
        if name is None:
            cells.append(_cell("code", source.strip("\n"), marked))
            continue
        unit = by_name[name]
        tests = public.get(name, [])
        points = [0] * len(tests) + [_number(t.points) for t in unit.tests]
        code = make_stub(source, assignment.id, student_file, render=otter_region)
        cells += [
            _raw("# BEGIN QUESTION", f"name: {name}", f"points: {json.dumps(points)}"),
            _cell("markdown", f"**{name}** ({_number(sum(points))} points): write it in the cell below."),
            _raw("# BEGIN SOLUTION"),
            _cell("code", code.strip("\n"), marked),
            _raw("# END SOLUTION"),
            _raw("# BEGIN TESTS"),
            *tests,
            *(hidden_test_cell(assignment, t.name) for t in unit.tests),
            _raw("# END TESTS"),
            _raw("# END QUESTION"),
        ]
    return {"cells": cells, "metadata": {"kernelspec": KERNEL, "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def notebook_bytes(notebook: dict) -> bytes:
    """Deterministic JSON, as Jupyter writes it (one-space indent, sorted keys)."""
    for number, cell in enumerate(notebook["cells"]):
        cell.setdefault("id", f"cell-{number:03d}")
    return (json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def build(assignments: list[Assignment]) -> dict[str, bytes]:
    """{relative path: bytes}: <id>/<id>.ipynb for every assignment."""
    return {f"{a.id}/{a.id}.ipynb": notebook_bytes(master_notebook(a)) for a in assignments}


def write(tree: dict[str, bytes], out: Path) -> list[Path]:
    written = []
    for relative, data in sorted(tree.items()):
        path = Path(out) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written
