"""An assignment as a Jupyter notebook (nbformat v4), built from its sources.

    student_notebook(assignment, solved=False) -> nbformat.NotebookNode
    to_bytes(notebook) -> bytes                       # what `make release` writes

How it works and why: docs/notebooks.md (The student notebook).
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import v4

from ..check.in_notebook import top_level_names
from ..course import Assignment, CourseError
from .stubs import BEGIN, END

NBFORMAT_MINOR = 5                      # cell ids exist from 4.5 on
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
LANGUAGE_INFO = {"name": "python"}
NOT_IN_NOTEBOOKS = ("Testing locally",)  # README sections about pytest in a folder


# ----------------------------------------------------------------- the pieces

def cell_id(name: str) -> str:
    """A valid nbformat cell id made from `name` (letters, digits, - and _; at most 64 characters)."""
    ident = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:64]
    if not ident:
        raise ValueError(f"no cell id can be made from {name!r}")
    return ident


def markdown(source: str, name: str) -> nbformat.NotebookNode:
    cell = v4.new_markdown_cell(source)
    cell.id = cell_id(name)
    return cell


def code(source: str, name: str) -> nbformat.NotebookNode:
    cell = v4.new_code_cell(source)
    cell.id = cell_id(name)
    return cell


def readme_sections(assignment: Assignment) -> list[tuple[str, str]]:
    """(heading, text) of each section of the README, split at headings outside code fences.

    The text of a section starts with its heading line; text before the first
    heading is a section with the heading ''.
    """
    path = assignment.folder / "README.md"
    if not path.is_file():
        raise CourseError(f"{assignment.id}: {path} is missing")
    sections: list[tuple[str, list[str]]] = []
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        heading = re.match(r"#{1,6}\s+(.*)", line) if not fenced else None
        if heading or not sections:
            sections.append((heading.group(1).strip() if heading else "", []))
        sections[-1][1].append(line)
    return [(title, "\n".join(lines).strip("\n")) for title, lines in sections
            if "\n".join(lines).strip()]


def readme_cells(assignment: Assignment, leave_out: tuple[str, ...] = NOT_IN_NOTEBOOKS) -> list[nbformat.NotebookNode]:
    """The README as markdown cells, one per section, without the sections titled in `leave_out`."""
    return [markdown(text, f"readme-{number}")
            for number, (title, text) in enumerate(readme_sections(assignment), 1)
            if title not in leave_out]


def marker(filename: str) -> str:
    """The first line of the code cell that holds a student file: '# layers.py'."""
    return f"# {filename}"


def guide_text(assignment: Assignment) -> str:
    files = assignment.student_files
    names = ", ".join(f"`{f}`" for f in files)
    module = Path(files[0]).stem
    return (
        "## Working in this notebook\n\n"
        f"Run the cells in order. Write your code in the cell that starts with `{marker(files[0])}`: "
        "fill in what raises `NotImplementedError`, then run that cell and the test cells below it. "
        "Each test cell prints `passed` or why it failed, as `make check` does; after a change, "
        "run your cell again and then the tests.\n\n"
        f"**What is graded is that cell alone.** It runs as the module `{module}` on its own, as the "
        f"autograder imports your file, and the tests import it from there: keep every function and "
        f"import your code needs inside it, and keep `{marker(files[0])}` as its first line. "
        "The notebook tells you at once when your cell uses something another cell defines, "
        "or when a cell without that first line defines what the tests need.\n\n"
        f"Each time it runs, your cell is also saved as {names} beside this notebook, "
        "replacing the stub of the folder: that is the file you upload, and the file "
        "`make check` checks. A file of that name that you changed outside this notebook is "
        "never overwritten, and the notebook says so: move it away to save your cell."
    )


def guide_cell(assignment: Assignment) -> nbformat.NotebookNode:
    """Markdown: how to use the notebook and where the student file is saved."""
    return markdown(guide_text(assignment), "working-in-this-notebook")


SETUP = '''\
# Run this cell first. The cell that starts with "# {first}" then runs as the module
# {modules} on its own, as the autograder imports the file: the tests below import your code
# from there, and running that cell saves it as {names} beside this notebook, the file you upload.
from autograder.check.in_notebook import run_public_test, start_notebook

start_notebook({id!r}, {files}, {stubs}, {tested})'''


def tested_names(assignment: Assignment) -> dict[str, list[str]]:
    """Student file -> the names its public tests import from it (`from layers import Affine`), sorted."""
    found: dict[str, set[str]] = {f: set() for f in assignment.student_files}
    modules = {Path(f).stem: f for f in assignment.student_files}
    for path in sorted(assignment.folder.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module in modules:
                found[modules[node.module]].update(alias.name for alias in node.names)
    return {f: sorted(names) for f, names in found.items()}


def setup_source(assignment: Assignment) -> str:
    """The setup cell's code: it hands the student files, their stubs' sha256 and the tested names to the kit."""
    files = assignment.student_files
    stubs = {name: hashlib.sha256(_stub_bytes(assignment, name)).hexdigest() for name in files}
    return SETUP.format(first=files[0], modules=", ".join(f"`{Path(f).stem}`" for f in files),
                        names=", ".join(files), id=assignment.id, files=json.dumps(list(files)),
                        stubs=json.dumps(stubs), tested=json.dumps(tested_names(assignment)))


def _stub_bytes(assignment: Assignment, filename: str) -> bytes:
    path = assignment.folder / filename
    if not path.is_file():
        raise CourseError(f"{assignment.id}: {path} is missing (run `make stubs`)")
    return path.read_bytes()


def setup_cell(assignment: Assignment) -> nbformat.NotebookNode:
    return code(setup_source(assignment), "setup")


def strip_markers(source: str) -> str:
    """A solution without its `### BEGIN SOLUTION` / `### END SOLUTION` lines."""
    return "".join(line for line in source.splitlines(keepends=True) if line.strip() not in (BEGIN, END))


def student_source(assignment: Assignment, filename: str, solved: bool = False, markers: bool = False) -> str:
    """The code of a student file's cell: '# <filename>' and then the stub or the solution.

    - solved: take solutions/<id>/<filename> instead of the stub in assignments/<id>/
    - markers: keep the solution's `### BEGIN SOLUTION` / `### END SOLUTION` lines
      (for nbgrader's and otter's solution cells; only with solved=True)
    """
    if filename not in assignment.student_files:
        raise CourseError(f"{assignment.id}: {filename} is not one of its student files")
    path = (assignment.solution_folder if solved else assignment.folder) / filename
    if not path.is_file():
        hint = "" if solved else " (run `make stubs`)"
        raise CourseError(f"{assignment.id}: {path} is missing{hint}")
    text = path.read_text(encoding="utf-8")
    if solved and not markers:
        text = strip_markers(text)
    return f"{marker(filename)}: your code. Running this cell also saves it as {filename}.\n" + text.rstrip("\n")


def student_cell(assignment: Assignment, filename: str, solved: bool = False, markers: bool = False) -> nbformat.NotebookNode:
    return code(student_source(assignment, filename, solved, markers), filename)


# ------------------------------------------------------------- public tests

@dataclass(frozen=True)
class PublicTest:
    """One public test function as a notebook cell: its definition, then the call(s) that run it."""
    file: str           # the test file, e.g. 'test_affine.py'
    name: str           # the function, e.g. 'test_affine_shapes'
    definition: str     # the function as the test file has it, with the comments above it
    cases: str          # '' or a list comprehension of keyword dicts, one per parametrized case
    loops: str          # the plain calls: loops over the parametrized values around one call

    @property
    def source(self) -> str:
        """The notebook cell: the definition, then run_public_test, which explains a failure and never raises."""
        cases = f", {self.cases}" if self.cases else ""
        return f"{self.definition}\n\n\nrun_public_test({self.name}{cases})"

    @property
    def quiet(self) -> str:
        """The definition, then run_public_test(quiet=True): silent on a pass (otter compares printed
        output), an AssertionError holding check's explanation on a failure."""
        cases = f", {self.cases}" if self.cases else ""
        return f"{self.definition}\n\n\nrun_public_test({self.name}{cases}, quiet=True)"

    @property
    def plain(self) -> str:
        """The definition, then plain calls (loops over the parametrized values) that raise on failure."""
        return f"{self.definition}\n\n\n{self.loops}"


@dataclass(frozen=True)
class PublicTestFile:
    file: str
    preamble: str                   # imports, constants and helpers, in file order
    tests: tuple[PublicTest, ...]


def public_test_files(assignment: Assignment) -> list[PublicTestFile]:
    """The public tests of an assignment (assignments/<id>/test_*.py), cut into cells."""
    paths = sorted(assignment.folder.glob("test_*.py"))
    if not paths:
        raise CourseError(f"{assignment.id}: no public tests in {assignment.folder}/test_*.py")
    return [_split_test_file(assignment, path) for path in paths]


def _split_test_file(assignment: Assignment, path: Path) -> PublicTestFile:
    source = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(source, str(path))
    except SyntaxError as exc:
        raise CourseError(f"{path} does not parse: {exc}") from None
    lines = source.splitlines()
    body = list(tree.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        start_after = body.pop(0).end_lineno       # the module docstring speaks of pytest in a folder
    else:
        start_after = 0
    preamble: list[str] = []
    tests: list[PublicTest] = []
    for node in body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        # comments and blank lines between the previous statement and this one belong to it
        chunk = "\n".join(lines[start_after:node.end_lineno])
        start_after = node.end_lineno
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            loops, cases = _calls(node, path)
            tests.append(PublicTest(path.name, node.name, chunk.strip("\n"), cases, loops))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            raise CourseError(f"{path}:{first}: test classes cannot be turned into notebook cells; "
                              "write the tests as functions")
        else:
            preamble.append(chunk)
    if not tests:
        raise CourseError(f"{path}: no test functions")
    _refuse_clashes(assignment, path, tree)
    return PublicTestFile(path.name, "\n".join(preamble).strip("\n"), tuple(tests))


def _calls(node: ast.FunctionDef, path: Path) -> tuple[str, str]:
    """How to run a test function: (plain calls, cases) where the plain calls loop over its
    parametrize values, and cases is '' or a comprehension of one keyword dict per case."""
    loops: list[tuple[str, str]] = []  # (loop target, values source), outermost first
    covered: list[str] = []
    for decorator in node.decorator_list:
        if not (isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "pytest.mark.parametrize"):
            continue
        names_node, values_node = decorator.args[:2]
        names = ast.literal_eval(names_node)
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        covered += names
        loops.append((", ".join(names), ast.unparse(values_node)))
    params = [a.arg for a in node.args.args]
    if sorted(params) != sorted(covered):
        raise CourseError(f"{path}:{node.lineno}: {node.name} takes {', '.join(params)}, but only "
                          "pytest.mark.parametrize arguments can be given in a notebook (no fixtures)")
    out = []
    for depth, (target, values) in enumerate(loops):
        out.append("    " * depth + f"for {target} in {values}:")
    out.append("    " * len(loops) + f"{node.name}({', '.join(params)})")
    if not loops:
        return "\n".join(out), ""
    fors = "".join(f"\n    for {target} in {values}" for target, values in loops)
    cases = f"[\n    dict({', '.join(f'{p}={p}' for p in params)}){fors}]"
    return "\n".join(out), cases


def _refuse_clashes(assignment: Assignment, path: Path, tree: ast.Module) -> None:
    """The tests share the notebook's namespace with the student's code: no name may mean two things."""
    ours = top_level_names(tree)
    for filename in assignment.student_files:
        solution = assignment.solution_folder / filename
        if not solution.is_file():
            continue
        clash = ours & top_level_names(ast.parse(solution.read_text(encoding="utf-8")))
        if clash:
            raise CourseError(f"{path} defines {', '.join(sorted(clash))}, which {filename} defines too; "
                              "in a notebook they share one namespace: rename the test's helper")


def public_test_cells(assignment: Assignment) -> list[nbformat.NotebookNode]:
    """A markdown heading, then per test file its preamble cell and one cell per test function."""
    cells = [markdown(
        "## Public tests\n\nRun these cells after your code cell. Each checks one property on "
        "a small example and passes when it runs without an error. The autograder runs more "
        "tests of the same kind, on other inputs.", "public-tests")]
    for test_file in public_test_files(assignment):
        cells.append(code(test_file.preamble, f"{test_file.file}-preamble"))
        cells += [code(t.source, t.name) for t in test_file.tests]
    return cells


# ------------------------------------------------------------- the notebook

def new_notebook(cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    """An nbformat 4.5 notebook of `cells` with the Python 3 kernel; refuses duplicate cell ids."""
    ids = [c.id for c in cells]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate cell ids: {', '.join(duplicates)}")
    nb = v4.new_notebook(cells=cells, metadata={"kernelspec": dict(KERNELSPEC),
                                                "language_info": dict(LANGUAGE_INFO)})
    nb.nbformat_minor = NBFORMAT_MINOR
    return nb


def student_notebook(assignment: Assignment, solved: bool = False) -> nbformat.NotebookNode:
    """The assignment as a student notebook; with solved=True the student cells hold the solution."""
    cells = readme_cells(assignment) + [guide_cell(assignment), setup_cell(assignment)]
    cells += [student_cell(assignment, f, solved) for f in assignment.student_files]
    cells += public_test_cells(assignment)
    nb = new_notebook(cells)
    nbformat.validate(nb)
    return nb


def to_bytes(nb: nbformat.NotebookNode) -> bytes:
    """The notebook as a file: nbformat's JSON (sorted keys, one-space indent), ending in a newline."""
    text = nbformat.writes(nb, version=4)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")
