"""The otter-grader export: one Otter Assign master notebook per assignment.

    <out>/<id>/<id>.ipynb      then: otter assign <id>.ipynb dist --no-pdfs
    <out>/<id>/autograder/     the student kit's engine (student_kit.py), named in the config's
                               `files:`, so otter copies it beside the notebook into dist/student/
                               and into the autograder zip, which puts it beside each submission:
                               the public-test cells import autograder.assertions and autograder.hints

How it works and why: docs/notebooks.md (otter-grader).
"""

from __future__ import annotations

import ast
import io
import json
import tokenize
from pathlib import Path

import nbformat

from ..course import Assignment, CourseError
from . import notebook, student_kit
from .stubs import make_stub, raise_not_implemented

# Line endings otter assign reads as markers in a solution cell (otter/assign/solutions.py);
# a solution must not hold them by accident.
_OTTER_MARKERS = ("# SOLUTION", "#SOLUTION", "# SEED", "# BEGIN PROMPT", "# END PROMPT",
                  "# IGNORE", "# BEGIN SOLUTION", "# END SOLUTION")


KIT = "autograder"  # the folder beside each master that holds the student kit's engine
# A public test runs through the kit's run_public_test: silent when it passes, and when it fails an
# AssertionError holding the explanation `check` gives, hints included, which otter shows the student.
RUNNER = "from autograder.check.in_notebook import run_public_test\n"


def config_text(assignment: Assignment) -> str:
    """The # ASSIGNMENT CONFIG cell: YAML after its first line."""
    return "\n".join([
        "# ASSIGNMENT CONFIG",
        f"name: {assignment.id}",
        "init_cell: true",
        "check_all_cell: true",
        "export_cell:",
        "  pdf: false",
        "files:",
        f"  - {KIT}",
        "tests:",
        "  files: true",
        "generate:",
        "  pdf: false",
    ])


def raw(source: str, name: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_raw_cell(source)
    cell.id = notebook.cell_id(name)
    return cell


def otter_region(assignment_id: str, indent: str, function: str | None, region: list[str]) -> list[str]:
    """A solution region in otter's markers: the stub's raise as the prompt, then the solution."""
    prompt = raise_not_implemented(assignment_id, indent, function, region)
    lines = [f'{indent}""" # BEGIN PROMPT\n', *prompt, f'{indent}""" # END PROMPT\n'] if prompt else []
    return lines + [f"{indent}# BEGIN SOLUTION NO PROMPT\n", *region, f"{indent}# END SOLUTION\n"]


def solution_source(assignment: Assignment, filename: str) -> str:
    """The student cell of the master: the solution with otter's solution and prompt markers."""
    text = notebook.student_source(assignment, filename, solved=True, markers=True)
    bare = "\n".join(line for line in text.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    for marker in _OTTER_MARKERS:
        if marker in bare:
            raise CourseError(f"{assignment.solution_folder / filename} holds {marker!r}, "
                              "which otter assign would read as a marker: reword it")
    return make_stub(text, assignment.id, filename, render=otter_region).rstrip("\n")


def hidden_source(assignment: Assignment, test_name: str) -> str:
    return "\n".join([
        "# HIDDEN",
        "import contextlib, io",
        "from autograder.cell import hidden_test",
        "with contextlib.redirect_stdout(io.StringIO()):  # otter compares printed output: pass silently",
        f"    hidden_test({assignment.id!r}, {test_name!r})",
    ])


def public_tests_by_unit(assignment: Assignment) -> dict[str, list[tuple[str, str]]]:
    """unit -> [(test name, cell source)]: each public test with its file's preamble, in the
    question of the last unit (manifest order) its code names, or else of the last unit."""
    order = [u.name for u in assignment.units]
    found: dict[str, list[tuple[str, str]]] = {name: [] for name in order}
    for test_file in notebook.public_test_files(assignment):
        for test in test_file.tests:
            names = {n.id for n in ast.walk(ast.parse(test.source)) if isinstance(n, ast.Name)}
            units = [u for u in order if u in names] or order[-1:]
            source = doctest_safe(RUNNER + without_decorators(test_file.preamble) + "\n\n\n" + without_decorators(test.quiet),
                                  f"{assignment.folder / test_file.file} ({test.name})")
            found[units[-1]].append((test.name, source))
    return found


def without_decorators(source: str) -> str:
    """The cell with no decorator line: otter's doctest conversion makes a decorator line and
    its function two examples, a syntax error. A test function's `pytest.mark.parametrize`
    lines go (the cell's calls loop over their values); any other decorator becomes the
    assignment it stands for, after the function: `@hints.detector def f` -> `f = hints.detector(f)`.
    """
    lines = source.splitlines()
    dropped: set[int] = set()                   # 0-based numbers of decorator lines
    after: dict[int, list[str]] = {}            # 0-based line number -> the assignments that follow it
    decorated = sorted((node for node in ast.walk(ast.parse(source))
                        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                        and node.decorator_list), key=lambda node: node.lineno, reverse=True)
    for node in decorated:  # inner definitions first, where two end on the same line
        dropped.update(range(min(d.lineno for d in node.decorator_list) - 1, node.lineno - 1))
        kept = [d for d in node.decorator_list if not _parametrize(d)]
        if kept:
            line = lines[node.lineno - 1]
            call = node.name
            for decorator in reversed(kept):  # the one nearest the def applies first
                call = f"{ast.unparse(decorator)}({call})"
            after.setdefault(node.end_lineno - 1, []).append(f"{line[:len(line) - len(line.lstrip())]}"
                                                             f"{node.name} = {call}")
    out = []
    for number, line in enumerate(lines):
        if number not in dropped:
            out.append(line)
        out += after.get(number, [])
    return "\n".join(out)


def doctest_safe(source: str, where: str) -> str:
    """The cell with every line that continues a bracket indented: otter makes each unindented
    line a new doctest example (`>>> `), so a `}` closing a dict at the start of a line would be
    one on its own. Indenting inside brackets changes nothing; inside a string it would, so an
    unindented line of a multi-line string is refused."""
    lines = source.splitlines()
    inside: set[int] = set()      # 1-based numbers of the lines that start inside brackets
    depth = 0
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif token.type == tokenize.NL and depth:
            inside.add(token.start[0] + 1)
        if token.type == tokenize.STRING and token.end[0] > token.start[0]:
            flush = [n for n in range(token.start[0] + 1, token.end[0] + 1) if lines[n - 1][:1] not in ("", " ", "\t")]
            if flush:
                raise CourseError(f"{where}: line {flush[0]} of a multi-line string starts at the left "
                                  "margin, which otter would read as a new doctest example: indent it")
    return "\n".join(f"    {line}" if number in inside and line[:1] not in ("", " ", "\t") else line
                     for number, line in enumerate(lines, 1))


def _parametrize(decorator: ast.expr) -> bool:
    return isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "pytest.mark.parametrize"


def question_cells(assignment: Assignment, unit, public: list[tuple[str, str]],
                   student_cells: list[nbformat.NotebookNode]) -> list[nbformat.NotebookNode]:
    points = [0] * len(public) + [_number(t.points) for t in unit.tests]
    total = _number(sum(points))
    where = ("Write your code in the cell below" if student_cells
             else "This part is graded from your code in the cell that starts with "
                  f"`{notebook.marker(assignment.student_files[0])}` above")
    cells = [raw(f"# BEGIN QUESTION\nname: {unit.name}\npoints: {json.dumps(points)}", f"q-{unit.name}"),
             notebook.markdown(f"### {unit.name}\n\n{where}. `{unit.name}` is worth {total:g} points, "
                               "given by the hidden tests when your notebook is graded; the test cells "
                               "below are the public ones.", f"q-{unit.name}-text")]
    if student_cells:
        cells += [raw("# BEGIN SOLUTION", f"q-{unit.name}-solution"), *student_cells,
                  raw("# END SOLUTION", f"q-{unit.name}-solution-end")]
    cells.append(raw("# BEGIN TESTS", f"q-{unit.name}-tests"))
    cells += [notebook.code(source, f"public-{name}") for name, source in public]
    cells += [notebook.code(hidden_source(assignment, t.name), f"hidden-{t.name}") for t in unit.tests]
    cells += [raw("# END TESTS", f"q-{unit.name}-tests-end"), raw("# END QUESTION", f"q-{unit.name}-end")]
    return cells


def guide_cell(assignment: Assignment) -> nbformat.NotebookNode:
    filename = assignment.student_files[0]
    return notebook.markdown(
        "## Working in this notebook\n\n"
        "Run the cells in order. Write your code in the cell that starts with "
        f"`{notebook.marker(filename)}`: replace each `raise NotImplementedError(...)` with your code and "
        "run the cell. Each part below has public test cells and a `grader.check` cell that runs them; "
        "after a change, run your cell again, then the checks. When your notebook is graded, hidden "
        "tests check each part more thoroughly and give its points.\n\n"
        f"**What is graded is that cell alone.** It runs as the module `{Path(filename).stem}` on its "
        "own, and the tests import it from there, as the autograder does: keep every function and "
        f"import your code needs inside it, and keep `{notebook.marker(filename)}` as its first line. "
        "The notebook tells you at once when your cell uses something another cell defines, or when "
        "a cell without that first line defines what the tests need.", "working-in-this-notebook")


def master_notebook(assignment: Assignment) -> nbformat.NotebookNode:
    """The Otter Assign master notebook of one assignment."""
    if len(assignment.student_files) != 1:
        raise CourseError(f"{assignment.id}: the otter export handles one student file, "
                          f"not {len(assignment.student_files)}")
    filename = assignment.student_files[0]
    student = notebook.code(solution_source(assignment, filename), filename)
    cells = [raw(config_text(assignment), "assignment-config"), *notebook.readme_cells(assignment),
             guide_cell(assignment), notebook.setup_cell(assignment)]
    public = public_tests_by_unit(assignment)
    for number, unit in enumerate(assignment.units):
        cells += question_cells(assignment, unit, public[unit.name], [student] if number == 0 else [])
    nb = notebook.new_notebook(cells)
    nbformat.validate(nb)
    return nb


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def build(assignments: list[Assignment]) -> dict[str, bytes]:
    """{relative path: bytes}: <id>/<id>.ipynb and the kit <id>/autograder/... for every assignment."""
    kit = student_kit.engine_files()  # keyed autograder/...
    tree = {}
    for a in assignments:
        tree[f"{a.id}/{a.id}.ipynb"] = notebook.to_bytes(master_notebook(a))
        tree.update({f"{a.id}/{name}": data for name, data in kit.items()})
    return tree
