"""The otter-grader export: master notebooks in otter's format, and the real otter grading them.

The fast tests read the master notebooks. The slow ones run otter-grader from .venv-otter/
(`make venv-otter`): `otter assign` on every master, then `otter run` (no Docker) on the
solution, the stub, a cheat and an endless loop, each under a wall clock.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import textwrap
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder import course
from autograder.assign import notebook, otter, student_kit
from autograder.cli import main

IDS = course.assignment_ids()
ROOT = course.find_root()
OTTER = ROOT / ".venv-otter" / "bin" / "otter"


def master(aid: str) -> nbformat.NotebookNode:
    return nbformat.reads(otter.build([course.load(aid)])[f"{aid}/{aid}.ipynb"].decode(), as_version=4)


def is_hidden(source: str) -> bool:
    """otter assign's rule (otter/assign/tests_manager.py): a first-line comment with the word 'hidden'."""
    first = source.splitlines()[0] if source else ""
    return first.lstrip().startswith("#") and bool(re.search(r"\bhidden\b", first, flags=re.IGNORECASE))


def questions(nb) -> list[dict]:
    """Each question block: its YAML config, its solution cells and its test cells."""
    found, current, block = [], None, None
    for cell in nb.cells:
        first = cell.source.splitlines()[0] if cell.source else ""
        if cell.cell_type == "raw" and first == "# BEGIN QUESTION":
            current = {"config": yaml.safe_load(cell.source), "solution": [], "tests": []}
        elif cell.cell_type == "raw" and first == "# END QUESTION":
            found.append(current)
            current = None
        elif cell.cell_type == "raw" and first in ("# BEGIN SOLUTION", "# BEGIN TESTS"):
            block = first.split()[-1].lower()
        elif cell.cell_type == "raw" and first in ("# END SOLUTION", "# END TESTS"):
            block = None
        elif current is not None and block is not None:
            current[block].append(cell)
    assert current is None and block is None, "a block was not closed"
    return found


# ------------------------------------------------------------------------------ fast

@pytest.mark.parametrize("aid", IDS)
def test_every_master_notebook_is_a_valid_notebook(aid):
    nbformat.validate(master(aid))


@pytest.mark.parametrize("aid", IDS)
def test_the_assignment_config_is_yaml_with_what_otter_needs(aid):
    cell = master(aid).cells[0]
    assert cell.cell_type == "raw" and cell.source.startswith("# ASSIGNMENT CONFIG\n")
    assert yaml.safe_load(cell.source) == {
        "name": aid, "init_cell": True, "check_all_cell": True, "export_cell": {"pdf": False},
        "files": ["autograder"], "tests": {"files": True}, "generate": {"pdf": False}}


@pytest.mark.parametrize("aid", IDS)
def test_one_question_per_graded_unit_with_the_manifest_points(aid):
    assignment = course.load(aid)
    found = questions(master(aid))
    assert [q["config"]["name"] for q in found] == [u.name for u in assignment.units]
    for q, unit in zip(found, assignment.units):
        points, tests = q["config"]["points"], q["tests"]
        assert len(points) == len(tests), f"{unit.name}: one points entry per test cell"
        hidden = [p for p, cell in zip(points, tests) if is_hidden(cell.source)]
        public = [p for p, cell in zip(points, tests) if not is_hidden(cell.source)]
        assert hidden == [t.points for t in unit.tests]
        assert public == [0] * len(public)
    assert sum(sum(q["config"]["points"]) for q in found) == assignment.max_score
    # the student file is one cell, in the first question, as the setup cell saves it
    assert [len(q["solution"]) for q in found] == [1] + [0] * (len(found) - 1)


@pytest.mark.parametrize("aid", IDS)
def test_hidden_cells_are_marked_and_call_the_engine_instead_of_copying_tests(aid):
    assignment = course.load(aid)
    nb = master(aid)
    called = []
    for q in questions(nb):
        for cell in q["tests"]:
            calls = re.findall(r"hidden_test\('(\w+)', '(\w+)'\)", cell.source)
            assert is_hidden(cell.source) == bool(calls), cell.source
            called += calls
    assert called == [(aid, t.name) for t in assignment.tests]
    hidden_module = (ROOT / "autograder" / "hidden" / f"{assignment.slug}.py").read_text(encoding="utf-8")
    everything = "\n".join(cell.source for cell in nb.cells)
    for name in re.findall(r"^def (test_\w+)", hidden_module, flags=re.M):
        assert f"def {name}" not in everything
    assert "autograder.hidden" not in everything


def otter_student_source(source: str) -> str:
    """What otter assign makes of a solution cell for students (otter/assign/solutions.py)."""
    kept, inside = [], False
    for line in source.split("\n"):  # otter's get_source: an ending newline leaves an empty line
        end = line.rstrip()
        if inside:
            inside = not end.endswith("# END SOLUTION")
        elif end.endswith("# BEGIN SOLUTION NO PROMPT"):
            inside = True
        elif not end.endswith(("# BEGIN PROMPT", "# END PROMPT")):
            kept.append(line)
    return "\n".join(kept)


@pytest.mark.parametrize("aid", IDS)
def test_the_solution_cell_becomes_the_stub_cell_for_students(aid):
    assignment = course.load(aid)
    (cell,) = questions(master(aid))[0]["solution"]
    filename = assignment.student_files[0]
    assert cell.source.startswith(notebook.marker(filename))
    assert otter_student_source(cell.source) == notebook.student_source(assignment, filename)


def test_public_tests_go_to_the_question_of_the_last_unit_they_use():
    found = {q["config"]["name"]: q["tests"] for q in questions(master("02_activations"))}
    public = {name: [c for c in cells if not is_hidden(c.source)] for name, cells in found.items()}
    assert any("def test_relu_small_example" in c.source for c in public["Relu"])
    # parametrized over Relu, Sigmoid and Tanh: it needs all three
    assert any("def test_gradients_match_central_differences" in c.source for c in public["Tanh"])
    assert not any("test_gradients_match_central_differences" in c.source for c in public["Relu"])


@pytest.mark.parametrize("aid", IDS)
def test_test_cells_have_no_decorators_which_otter_cannot_turn_into_doctests(aid):
    for q in questions(master(aid)):
        for cell in q["tests"]:
            assert not re.search(r"^\s*@", cell.source, flags=re.M), cell.source


@pytest.mark.parametrize("aid", IDS)
def test_every_unindented_line_of_a_test_cell_starts_a_statement(aid):
    """Otter makes each unindented line a new doctest example (`>>> `): a bracket closed at the start
    of a line, or a decorator above its function, would be a syntax error there."""
    for q in questions(master(aid)):
        for cell in q["tests"]:
            starts = {node.lineno for node in ast.parse(cell.source).body}
            for number, line in enumerate(cell.source.splitlines(), 1):
                if line and not line[0].isspace() and not line.startswith(("#", "else", "elif", "except", "finally")):
                    assert number in starts, f"{aid}: {line!r} continues a statement\n{cell.source}"


def test_a_decorator_becomes_the_assignment_it_stands_for():
    source = textwrap.dedent("""\
        import functools

        def twice(f):
            return lambda *args: 2 * f(*args)

        @twice
        @functools.lru_cache(
            maxsize=None)
        def three(x):
            @twice
            def inner():
                return x
            return inner() + x

        @pytest.mark.parametrize("x", [1, 2])
        def test_x(x):
            assert three(x) == 6 * x
        """)
    rewritten = otter.without_decorators(source)
    assert not re.search(r"^\s*@", rewritten, flags=re.M)
    assert "three = twice(functools.lru_cache(maxsize=None)(three))" in rewritten
    assert "    inner = twice(inner)" in rewritten and "test_x = " not in rewritten
    spaces = {}
    exec(compile(rewritten, "cell", "exec"), spaces)
    assert spaces["three"](1) == 6  # twice(inner() + x) = 2 * (2 * 1 + 1)
    spaces["test_x"](2)


def test_a_multi_line_string_at_the_left_margin_is_refused_with_a_sentence():
    cell = 'def test_x():\n    text = """one\ntwo"""\n    assert text\n'
    with pytest.raises(course.CourseError, match="line 3 of a multi-line string starts at the left margin"):
        otter.doctest_safe(cell, "test_x.py")
    assert otter.doctest_safe("X = {\n    1: 2,\n}\n", "x") == "X = {\n    1: 2,\n    }"


def test_a_solution_holding_an_otter_marker_is_refused(tmp_path):
    for folder in ("assignments", "solutions"):
        shutil.copytree(ROOT / folder / "03_affine", tmp_path / folder / "03_affine")
    solution = tmp_path / "solutions" / "03_affine" / "layers.py"
    solution.write_text(solution.read_text().replace("return out", "return out  # SOLUTION"))
    with pytest.raises(course.CourseError, match="holds '# SOLUTION', which otter assign would read"):
        otter.master_notebook(course.load("03_affine", root=tmp_path))


def test_an_assignment_with_two_student_files_is_refused():
    two = dataclasses.replace(course.load("03_affine"), student_files=("layers.py", "helpers.py"))
    with pytest.raises(course.CourseError, match="the otter export handles one student file, not 2"):
        otter.master_notebook(two)


def test_the_otter_command_refuses_a_file_as_its_folder(tmp_path, capsys):
    (tmp_path / "taken").write_text("")
    assert main(["otter", "--out", str(tmp_path / "taken")]) == 2
    assert "is a file; --out names the folder the notebooks go in" in capsys.readouterr().err


def test_the_otter_command_writes_one_master_per_assignment_and_is_deterministic(tmp_path, capsys):
    assert main(["otter", "--out", str(tmp_path)]) == 0
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.ipynb"))
    assert written == [f"{aid}/{aid}.ipynb" for aid in IDS]
    kit = student_kit.engine_files()  # beside each master, as its config's `files:` names it
    for aid in IDS:
        assert {p.relative_to(tmp_path / aid).as_posix() for p in (tmp_path / aid / "autograder").rglob("*")
                if p.is_file()} == set(kit)
        assert all((tmp_path / aid / name).read_bytes() == data for name, data in kit.items())
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.ipynb")}
    capsys.readouterr()
    assert main(["otter", "--out", str(tmp_path)]) == 0
    assert "wrote" not in capsys.readouterr().out
    assert before == {p: p.read_bytes() for p in tmp_path.rglob("*.ipynb")}


# ------------------------------------------------------------------------------ slow, real otter

class OtterTimeout(Exception):
    pass


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kill_tree(pid: int) -> list[int]:
    """SIGKILL a process, everything it started and their process groups: otter's kernel runs in
    a session of its own, and the grader and sandbox it starts in theirs."""
    victims = [pid, *_descendants(pid)]
    for victim in victims:
        for kill in (lambda p: os.killpg(os.getpgid(p), signal.SIGKILL), lambda p: os.kill(p, signal.SIGKILL)):
            try:
                kill(victim)
            except (ProcessLookupError, PermissionError):
                pass
    return victims


def run_otter(args: list[str], cwd: Path, seconds: float) -> tuple[str, float]:
    """Run otter with a wall-clock limit (it has none of its own); (output, seconds taken)."""
    if not OTTER.is_file():
        pytest.fail(f"otter-grader is not installed in {OTTER.parent.parent}: run `make venv-otter` "
                    "(or `make test-integration`, which does it) first")
    started = time.monotonic()
    process = subprocess.Popen([str(OTTER), *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        victims = kill_tree(process.pid)
        process.communicate()
        raise OtterTimeout(victims) from None
    assert process.returncode == 0, f"otter {' '.join(args)} failed:\n{output[-3000:]}"
    return output, time.monotonic() - started


_ASSIGNED: dict[str, Path] = {}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("otter")
    assert main(["otter", "--out", str(out)]) == 0
    return out


def assigned(exported: Path, aid: str) -> Path:
    """`otter assign` on the master of `aid` (once per test session): its dist/ folder."""
    if aid not in _ASSIGNED:
        folder = exported / aid
        run_otter(["assign", f"{aid}.ipynb", "dist", "--no-pdfs"], folder, seconds=600)
        _ASSIGNED[aid] = folder / "dist"
    return _ASSIGNED[aid]


def grade(dist: Path, submission: Path, out: Path, seconds: float = 300) -> tuple[float, float]:
    """(score, possible) of one notebook by `otter run` with the assignment's autograder zip."""
    (grader_zip,) = (dist / "autograder").glob("*-autograder_*.zip")
    out.mkdir()
    run_otter(["run", "-a", str(grader_zip), "-o", str(out), "--no-logo", str(submission)], out.parent, seconds)
    tests = json.loads((out / "results.json").read_text())["tests"]
    scored = [t for t in tests if "max_score" in t]
    return sum(t["score"] for t in scored), sum(t["max_score"] for t in scored)


def public_output(out: Path) -> str:
    """What otter told the student about the public tests of the last `grade` into `out`."""
    tests = json.loads((out / "results.json").read_text())["tests"]
    return "\n".join(t["output"] for t in tests if t["name"] == "Public Tests")


def submission(dist: Path, aid: str, folder: Path, code: str) -> Path:
    """The student notebook as otter released it, with `code` in the student cell."""
    nb = nbformat.read(dist / "student" / f"{aid}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if c.source.startswith(notebook.marker(course.load(aid).student_files[0]))]
    cell.source = code
    folder.mkdir()
    path = folder / f"{aid}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("aid", IDS)
def test_otter_assign_succeeds_and_the_student_version_holds_no_solution_or_hidden_test(aid, exported):
    # otter assign also grades its solution notebook and fails unless that scores full points
    dist = assigned(exported, aid)
    assignment = course.load(aid)
    student = nbformat.read(dist / "student" / f"{aid}.ipynb", as_version=4)
    text = "\n".join(c.source for c in student.cells)
    assert "hidden_test" not in text and "# HIDDEN" not in text and "SOLUTION" not in text
    filename = assignment.student_files[0]
    (cell,) = [c for c in student.cells if c.source.startswith(notebook.marker(filename))]
    assert cell.source == notebook.student_source(assignment, filename)  # exactly the stub
    kit = student_kit.engine_files()  # the public-test cells import autograder.assertions and .hints
    assert all((dist / "student" / name).read_bytes() == data for name, data in kit.items())
    assert not (dist / "student" / "autograder" / "grade.py").exists()
    student_tests = "\n".join(p.read_text() for p in (dist / "student" / "tests").glob("*.py"))
    assert "hidden_test" not in student_tests
    (grader_zip,) = (dist / "autograder").glob("*-autograder_*.zip")
    with zipfile.ZipFile(grader_zip) as archive:  # otter run puts files/ beside each submission
        assert {f"files/{name}" for name in kit} <= set(archive.namelist())
    grader_tests = "\n".join(p.read_text() for p in (dist / "autograder" / "tests").glob("*.py"))
    assert grader_tests.count("hidden_test(") == len(assignment.tests)


@pytest.mark.slow
@pytest.mark.parametrize("aid", IDS)
def test_otter_run_gives_the_solution_full_points_and_the_stub_zero(aid, exported, tmp_path):
    dist = assigned(exported, aid)
    full = course.load(aid).max_score
    solution = dist / "autograder" / f"{aid}.ipynb"
    assert grade(dist, solution, tmp_path / "solution") == (full, full)
    public = public_output(tmp_path / "solution")
    assert public.count("All test cases passed!") == len(course.load(aid).units), public
    assert grade(dist, dist / "student" / f"{aid}.ipynb", tmp_path / "stub") == (0, full)
    stub = public_output(tmp_path / "stub")
    assert "All test cases passed!" not in stub
    assert "is not written yet: it still raises NotImplementedError" in stub  # check's explanation


@pytest.mark.slow
def test_otter_run_does_not_give_the_np_allclose_cheat_full_points(exported, tmp_path):
    aid = "03_affine"
    dist = assigned(exported, aid)
    assignment = course.load(aid)
    right = notebook.student_source(assignment, "layers.py", solved=True)
    wrong = right.replace("dx = np.dot(dout, self.W.T)", "dx = np.dot(dout, self.W.T) * 2")
    assert wrong != right
    cheat = wrong + "\n\nnp.allclose = lambda *a, **k: True\nnp.isclose = lambda a, b, **k: np.ones_like(a, bool)\n"
    score, possible = grade(dist, submission(dist, aid, tmp_path / "cheat", cheat), tmp_path / "out")
    assert possible == assignment.max_score
    assert 0 < score < possible  # forward is right and keeps its points; backward's are lost


@pytest.mark.slow
def test_an_endless_loop_is_stopped_by_the_wall_clock_with_its_kernel(exported, tmp_path):
    aid = "03_affine"
    dist = assigned(exported, aid)
    code = notebook.student_source(course.load(aid), "layers.py", solved=True) + "\n\nwhile True:\n    pass\n"
    with pytest.raises(OtterTimeout) as stopped:
        grade(dist, submission(dist, aid, tmp_path / "loop", code), tmp_path / "out", seconds=30)
    (victims,) = stopped.value.args
    assert len(victims) > 1, "otter started no kernel"
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in victims) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in victims if _alive(p)], "processes of the stopped run are still alive"


# -------------------------------------------- real otter: what is graded is what the student ran

HELPER = "import numpy as np\n\n\ndef column_sums(a):\n    return np.sum(a, axis=0)"


def solved_03() -> str:
    return notebook.student_source(course.load("03_affine"), "layers.py", solved=True)


def cli_score(folder: Path, code: str) -> float:
    folder.mkdir()
    (folder / "layers.py").write_text(code)
    out = folder / "results.json"
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "autograder", "grade", "--assignment",
                    "03_affine", str(folder / "layers.py"), "--out", str(out), "--quiet"], check=True, timeout=300)
    return json.loads(out.read_text())["score"]


def insert_before_student_cell(path: Path, source: str) -> None:
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if c.source.startswith(notebook.marker("layers.py")))
    nb.cells.insert(at, notebook.code(source, "own-helper"))
    nbformat.write(nb, path)


@pytest.mark.slow
def test_otter_gives_a_helper_in_another_cell_what_the_student_cell_alone_is_worth(exported, tmp_path):
    dist = assigned(exported, "03_affine")
    helped = solved_03().replace("self.db = np.sum(dout, axis=0)", "self.db = column_sums(dout)")
    path = submission(dist, "03_affine", tmp_path / "helper", helped)
    insert_before_student_cell(path, HELPER)
    score, possible = grade(dist, path, tmp_path / "out")
    assert score == cli_score(tmp_path / "alone", helped) < possible


@pytest.mark.slow
def test_otter_gives_an_edited_first_line_zero(exported, tmp_path):
    dist = assigned(exported, "03_affine")
    code = "# my Affine, finished\n" + solved_03().split("\n", 1)[1]
    score, possible = grade(dist, submission(dist, "03_affine", tmp_path / "edited", code), tmp_path / "out")
    assert (score, possible) == (0, course.load("03_affine").max_score)


def run_all(notebook_path: Path, jupyter_dirs: Path) -> nbformat.NotebookNode:
    """Run All with the real Jupyter of .venv-otter, as the student does, in the notebook's folder."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "PYTHON", "AUTOGRADER_")) and k != "VIRTUAL_ENV"}
    env.update(PATH=f"{OTTER.parent}{os.pathsep}{os.environ['PATH']}", JUPYTER_CONFIG_DIR=str(jupyter_dirs / "c"),
               JUPYTER_DATA_DIR=str(jupyter_dirs / "d"), JUPYTER_RUNTIME_DIR=str(jupyter_dirs / "r"))
    run = subprocess.run([str(OTTER.parent / "jupyter"), "nbconvert", "--to", "notebook", "--execute", "--inplace",
                          "--allow-errors", "--ExecutePreprocessor.timeout=300", str(notebook_path)],
                         cwd=notebook_path.parent, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    return nbformat.read(notebook_path, as_version=4)


@pytest.mark.slow
def test_otter_student_notebook_never_overwrites_an_editor_change(exported, tmp_path):
    dist = assigned(exported, "03_affine")
    home = tmp_path / "home"
    shutil.copytree(dist / "student", home)
    path = home / "03_affine.ipynb"
    nb = nbformat.read(path, as_version=4)
    (cell,) = [c for c in nb.cells if c.source.startswith(notebook.marker("layers.py"))]
    cell.source = solved_03()
    nbformat.write(nb, path)
    run_all(path, tmp_path / "jupyter")
    assert (home / "layers.py").read_text() == solved_03() + "\n"
    edited = solved_03().replace("self.db = np.sum(dout, axis=0)", "self.db = dout.sum(axis=0)")
    (home / "layers.py").write_text(edited)
    again = run_all(path, tmp_path / "jupyter")
    assert (home / "layers.py").read_text() == edited
    (cell,) = [c for c in again.cells if c.source.startswith(notebook.marker("layers.py"))]
    assert not [o for o in cell.outputs if o.output_type == "error"]
    said = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
    assert "changed outside it and is left as it is" in said
