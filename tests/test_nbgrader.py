"""The nbgrader export: its notebooks' structure, what students would see, and the autograded cells.

These run without nbgrader; tests/test_nbgrader_integration.py drives the real one.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from autograder import cell, course
from autograder.assign import nbgrader, notebook, student_kit
from autograder.assign.stubs import BEGIN, END
from autograder.cli import main
from tests.test_release import hidden_bodies, holds, long_lines, solution_regions, third_party_only

IDS = course.assignment_ids()
ROOT = course.find_root()


@pytest.fixture(scope="module")
def tree() -> dict[str, bytes]:
    return nbgrader.course_tree([course.load(i) for i in IDS])


def source(tree, aid) -> nbformat.NotebookNode:
    return nbformat.reads(tree[f"source/{aid}/{aid}.ipynb"].decode(), as_version=4)


def meta(c) -> dict:
    return c.metadata.get("nbgrader", {})


def student_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What `nbgrader generate_assignment` makes of a source notebook, by its documented rules."""
    nb = copy.deepcopy(nb)
    for c in nb.cells:
        if meta(c).get("solution"):
            c.source = re.sub(rf"^( *){BEGIN}\n.*?^ *{END}$", rf"\1{nbgrader.CODE_STUB}", c.source,
                              flags=re.S | re.M)
        if meta(c).get("grade"):
            c.source = re.sub(rf"{nbgrader.HIDDEN_BEGIN}\n.*?{nbgrader.HIDDEN_END}\n?", "", c.source, flags=re.S)
    return nb


def test_export_writes_the_config_and_per_assignment_a_source_notebook_beside_the_student_kit(tree):
    kit = student_kit.engine_files()
    expected = {"nbgrader_config.py"} | {f"source/{a}/{a}.ipynb" for a in IDS}
    expected |= {f"source/{a}/{name}" for a in IDS for name in kit}
    assert set(tree) == expected
    for aid in IDS:  # what the public-test cells import, and the hidden cells' cell.py
        assert all(tree[f"source/{aid}/{name}"] == data for name, data in kit.items())
        assert f"source/{aid}/autograder/assertions.py" in tree and f"source/{aid}/autograder/cell.py" in tree


def test_config_sets_the_course_the_code_stub_and_the_cell_timeout(tree):
    class Config(dict):
        def __getattr__(self, name):
            return self.setdefault(name, Config())

        def __setattr__(self, name, value):
            self[name] = value

    config = Config()
    exec(tree["nbgrader_config.py"].decode(), {"get_config": lambda: config})
    assert config.CourseDirectory.course_id == "backprop-rnn"
    assert config.ClearSolutions.code_stub == {"python": nbgrader.CODE_STUB}
    assert config.Execute.timeout >= 60
    assert {"layers.py", "classifier.py", "__pycache__"} <= set(config.CourseDirectory.ignore)


@pytest.mark.parametrize("aid", IDS)
def test_source_notebook_has_solution_cells_and_one_graded_cell_per_hidden_test(aid, tree):
    a = course.load(aid)
    nb = source(tree, aid)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(meta(c).get("schema_version") == 3 and meta(c)["grade_id"] for c in code)
    ids = [meta(c)["grade_id"] for c in code]
    assert len(ids) == len(set(ids))
    solutions = [c for c in code if meta(c)["solution"]]
    assert [c.source.splitlines()[0].split(":")[0] for c in solutions] == [f"# {f}" for f in a.student_files]
    assert all(BEGIN in c.source and END in c.source and not meta(c)["locked"] for c in solutions)
    graded = [c for c in code if meta(c)["grade"]]
    assert [meta(c)["points"] for c in graded] == [t.points for t in a.tests]
    assert sum(meta(c)["points"] for c in graded) == a.max_score
    for c, test in zip(graded, a.tests):
        assert meta(c)["locked"] and not meta(c)["solution"]
        assert f"hidden_test({aid!r}, {test.name!r})" in c.source
        assert c.source.index(nbgrader.HIDDEN_BEGIN) < c.source.index("hidden_test(") < c.source.index(nbgrader.HIDDEN_END)
    others = [c for c in code if not meta(c)["grade"] and not meta(c)["solution"]]
    assert others and all(meta(c)["locked"] for c in others)  # setup and public tests: read-only


@pytest.mark.parametrize("aid", IDS)
def test_hidden_cells_copy_no_test_code(aid, tree):
    """One source of truth: the hidden tests stay in autograder/hidden/."""
    text = "\n".join(c.source for c in source(tree, aid).cells)
    lines = long_lines(text, 31)
    for function, body in hidden_bodies().items():
        assert not holds(lines, body), f"the body of {function} is copied into {aid}"


@pytest.mark.parametrize("aid", IDS)
def test_student_version_holds_no_solution_and_no_hidden_test(aid, tree):
    a = course.load(aid)
    nb = student_version(source(tree, aid))
    texts = {c.id: c.source for c in nb.cells}
    everything = "\n".join(texts.values()) + "\n" + nbformat.writes(nb)
    assert "### BEGIN" not in everything and "hidden_test" not in everything
    for test in a.tests:
        assert test.name not in everything, f"hidden test {test.name} is named in the student version"
    lines = long_lines(everything, 12)
    checked = 0
    for path in sorted(a.solution_folder.glob("*.py")):
        for region in solution_regions(path):
            checked += 1
            assert not holds(lines, region), f"{path}: {region[0]!r}... is in the student version"
    assert checked
    graded = [c for c in nb.cells if meta(c).get("grade")]
    assert all(c.source.startswith("# Autograded test") and "\n" not in c.source.strip() for c in graded)


def test_nbgrader_notebooks_leave_out_the_readmes_upload_instructions(tree):
    for aid in IDS:
        markdown = [c.source for c in source(tree, aid).cells if c.cell_type == "markdown"]
        assert markdown[0].startswith("# " + aid[:2])
        assert not [m for m in markdown if m.startswith(("## Submitting", "## Testing locally"))]
        assert any(m.startswith("## Working in this notebook") for m in markdown)


def test_student_version_of_the_solution_cell_is_the_stub_but_for_the_message(tree):
    a = course.load("03_affine")
    (solution,) = [c for c in student_version(source(tree, a.id)).cells if meta(c).get("solution")]
    stub = notebook.student_source(a, "layers.py")
    assert solution.source.replace(nbgrader.CODE_STUB, "RAISES") == re.sub(
        r'raise NotImplementedError\("[^"]*"\)', "RAISES", stub)


def test_cli_export_keeps_what_nbgrader_wrote(tmp_path, capsys):
    out = tmp_path / "course"
    (out / "submitted" / "student01").mkdir(parents=True)
    (out / "gradebook.db").write_bytes(b"nbgrader's")
    assert main(["nbgrader", "--out", str(out), "--course-id", "dl101"]) == 0
    assert "generate_assignment" in capsys.readouterr().out
    assert "'dl101'" in (out / "nbgrader_config.py").read_text()
    assert (out / "gradebook.db").read_bytes() == b"nbgrader's" and (out / "submitted" / "student01").is_dir()
    for aid in IDS:
        nbformat.validate(nbformat.read(out / "source" / aid / f"{aid}.ipynb", as_version=4))


# ------------------------------------------------- the autograded cell, for real

BUGGY_DB = (ROOT / "solutions" / "03_affine" / "layers.py").read_text().replace(
    "self.db = np.sum(dout, axis=0)", "self.db = np.sum(dout)")
CHEAT = BUGGY_DB + textwrap.dedent("""
    import numpy.testing
    np.allclose = lambda *a, **k: True
    np.testing.assert_allclose = lambda *a, **k: None
    np.isclose = lambda a, b, *args, **k: np.ones(np.broadcast(a, b).shape, dtype=bool)
""")
DB_TEST = "test_affine_db_sums_over_batch"


@pytest.fixture(autouse=True)
def fresh_memo():
    """Each test grades for itself: no result remembered from another test's identical file."""
    cell._GRADED.clear()
    yield
    cell._GRADED.clear()


def saved(folder: Path, text: str) -> Path:
    (folder / "layers.py").write_text("# layers.py: your code.\n" + text)
    return folder


def test_hidden_cell_passes_the_solution_and_writes_nothing_to_stderr(tmp_path, capfd):
    warns = (ROOT / "solutions" / "03_affine" / "layers.py").read_text() + textwrap.dedent("""
        import warnings
        warnings.warn("textbook code warns, and is right")
        np.exp(1000.0)  # overflow: a RuntimeWarning
    """)
    cell.hidden_test("03_affine", DB_TEST, saved(tmp_path, warns))
    printed = capfd.readouterr()
    assert printed.out.strip() == "Passed." and printed.err == ""


def test_hidden_cell_fails_the_stub_with_the_engines_message(tmp_path, capfd):
    stub = (ROOT / "assignments" / "03_affine" / "layers.py").read_text()
    with pytest.raises(AssertionError, match="NotImplementedError"):
        cell.hidden_test("03_affine", DB_TEST, saved(tmp_path, stub))
    assert capfd.readouterr().err == ""


def test_tampering_with_numpy_in_the_student_code_does_not_pass(tmp_path):
    with pytest.raises(AssertionError):
        cell.hidden_test("03_affine", DB_TEST, saved(tmp_path, CHEAT))


BUGGY_FORWARD = (ROOT / "solutions" / "03_affine" / "layers.py").read_text().replace(
    "out = np.dot(x, self.W) + self.b", "out = np.dot(x, self.W) + 2 * self.b")
FORWARD_TEST = "test_affine_forward_matches_reference"


@pytest.mark.parametrize("tamper", ["numpy", "AUTOGRADER_COURSE", "PYTHONPATH"])
def test_tampering_in_the_kernel_does_not_reach_the_grader(tamper, tmp_path, monkeypatch):
    """What student cells can do to the kernel before an autograded cell runs."""
    import numpy as np

    assert BUGGY_FORWARD != (ROOT / "solutions" / "03_affine" / "layers.py").read_text()
    if tamper == "numpy":
        monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
        monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **k: None)
    elif tamper == "AUTOGRADER_COURSE":  # a course whose reference solution has the student's bug
        fake = tmp_path / "fake"
        for folder in ("assignments", "solutions"):
            shutil.copytree(ROOT / folder / "03_affine", fake / folder / "03_affine")
        (fake / "solutions" / "03_affine" / "layers.py").write_text(BUGGY_FORWARD)
        monkeypatch.setenv("AUTOGRADER_COURSE", str(fake))
    else:  # an `autograder` package that always gives full marks, first on the path
        planted = tmp_path / "planted" / "autograder"
        planted.mkdir(parents=True)
        (planted / "__init__.py").write_text("")
        names = [f"{t.unit}: {t.name}" for t in course.load("03_affine").tests]
        (planted / "__main__.py").write_text(
            f"import json, sys\nout = sys.argv[sys.argv.index('--out') + 1]\nnames = {names!r}\n"
            "json.dump({'tests': [{'name': n, 'status': 'passed', 'output': 'Passed.'} for n in names]},"
            " open(out, 'w'))\n")
        monkeypatch.setenv("PYTHONPATH", str(planted.parent))
    folder = tmp_path / "nb"
    folder.mkdir()
    with pytest.raises(AssertionError, match="Affine.forward"):
        cell.hidden_test("03_affine", FORWARD_TEST, saved(folder, BUGGY_FORWARD))


def test_hidden_cell_without_the_saved_file_says_how_to_fix_it(tmp_path):
    with pytest.raises(AssertionError, match="must start with the line '# layers.py'"):
        cell.hidden_test("03_affine", DB_TEST, tmp_path)


def test_hidden_cell_for_an_unknown_test_tells_the_student_to_ask(tmp_path):
    with pytest.raises(cell.GradingUnavailable, match="tell your instructor"):
        cell.hidden_test("03_affine", "test_nothing_like_this", saved(tmp_path, BUGGY_DB))
    with pytest.raises(cell.GradingUnavailable, match="tell your instructor"):
        cell.hidden_test("99_nope", DB_TEST, tmp_path)


def test_one_engine_run_grades_every_cell_of_a_notebook_and_a_changed_file_again(tmp_path, monkeypatch):
    runs = []
    grade_all = cell._grade_all
    monkeypatch.setattr(cell, "_grade_all", lambda a, files: runs.append(files) or grade_all(a, files))
    folder = saved(tmp_path, BUGGY_DB)
    tests = [t.name for t in course.load("03_affine").tests]
    outcomes = {}
    for name in tests:
        try:
            cell.hidden_test("03_affine", name, folder)
            outcomes[name] = "passed"
        except AssertionError:
            outcomes[name] = "failed"
    assert len(runs) == 1
    assert outcomes[DB_TEST] == "failed" and outcomes[FORWARD_TEST] == "passed"
    saved(tmp_path, (ROOT / "solutions" / "03_affine" / "layers.py").read_text())
    cell.hidden_test("03_affine", DB_TEST, folder)
    assert len(runs) == 2


@pytest.mark.parametrize("code, passed", [("solution", True), ("buggy", False)])
def test_a_hidden_cell_beside_the_student_kit_imports_the_kits_cell_and_grades_with_the_engine(
        tmp_path, code, passed):
    """A notebook's folder holds the kit, which comes first on sys.path: the hidden cell imports the
    kit's cell.py, in a Python that cannot import the installed engine, and still grades for real."""
    for name, data in student_kit.engine_files().items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    saved(tmp_path, (ROOT / "solutions" / "03_affine" / "layers.py").read_text() if code == "solution" else BUGGY_DB)
    kernel = ("import sys\n"
              "from autograder.cell import hidden_test\n"
              "import autograder.cell\n"
              "print(autograder.cell.__file__)\n"
              "try:\n"
              f"    hidden_test('03_affine', {DB_TEST!r})\n"
              "except AssertionError as exc:\n"
              "    print('FAILED:', exc)\n")
    run = subprocess.run([sys.executable, "-S", "-c", kernel], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, env=third_party_only())
    assert run.returncode == 0 and run.stderr == "", run.stderr
    where, *said = run.stdout.splitlines()
    assert Path(where).resolve() == (tmp_path / "autograder" / "cell.py").resolve()
    if passed:
        assert said == ["Passed."]
    else:
        assert said[0].startswith("FAILED:") and "db" in run.stdout


def test_a_hidden_cell_where_the_engine_is_not_installed_says_whom_to_tell(tmp_path, monkeypatch):
    monkeypatch.setattr(cell, "_ASSIGNMENTS", {})
    monkeypatch.setattr(cell.sys, "executable", str(tmp_path / "no-python"))
    with pytest.raises(cell.GradingUnavailable, match="did not start.*tell your instructor"):
        cell.hidden_test("03_affine", DB_TEST, saved(tmp_path, BUGGY_DB))


# ------------------------------------------------------------- grade --test

def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True, timeout=300)


def test_grade_runs_only_the_named_hidden_tests(tmp_path):
    out = tmp_path / "results.json"
    run = cli("grade", "--assignment", "03_affine", str(saved(tmp_path, BUGGY_DB)), "--test", DB_TEST,
              "--test", FORWARD_TEST, "--out", str(out), "--quiet")
    assert run.returncode == 0, run.stderr
    tests = {t["name"]: t["status"] for t in json.loads(out.read_text())["tests"]}
    assert tests == {f"Affine: {FORWARD_TEST}": "passed", f"Affine: {DB_TEST}": "failed"}


def test_grade_with_an_unknown_test_or_a_batch_is_a_sentence(tmp_path):
    run = cli("grade", "--assignment", "03_affine", str(saved(tmp_path, BUGGY_DB)), "--test", "test_nope")
    assert run.returncode == 2 and "has no hidden test test_nope" in run.stderr and "Traceback" not in run.stderr
    run = cli("grade", "--assignment", "03_affine", str(tmp_path), "--jobs", "2", "--test", DB_TEST)
    assert run.returncode == 2 and "cannot be combined with a batch" in run.stderr


# ------------------------------------- the source notebook in a kernel, without nbgrader

def executed(aid: str, folder: Path, student_code: str | None = None) -> nbformat.NotebookNode:
    """The source notebook run by nbclient in `folder`, its solution cell replaced if asked."""
    from nbclient import NotebookClient

    nb = nbgrader.source_notebook(course.load(aid))
    if student_code is not None:
        for c in nb.cells:
            if meta(c).get("solution"):
                c.source = student_code
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def graded_outputs(nb) -> list[list]:
    return [c.outputs for c in nb.cells if meta(c).get("grade")]


@pytest.mark.parametrize("aid", ["03_affine", "07_many_to_one", "08_rnnlm"])
def test_every_autograded_cell_passes_on_the_solution_in_a_kernel(aid, tmp_path):
    nb = executed(aid, tmp_path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, [f"{o.ename}: {o.evalue}" for o in errors]
    outputs = graded_outputs(nb)
    assert len(outputs) == len(course.load(aid).tests)
    # print() writes "Passed." and its newline separately: a slow cell's kernel may send them as two outputs
    assert all("".join(o.text for o in out) == "Passed.\n" for out in outputs)


def test_a_solution_cell_that_does_not_compile_fails_every_autograded_cell_with_a_message(tmp_path):
    nb = executed("03_affine", tmp_path, "# layers.py\nclass Affine:\n    def forward(self, x)\n")
    outputs = graded_outputs(nb)
    assert outputs and all(len(out) == 1 and out[0].output_type == "error" for out in outputs)
    assert {out[0].ename for out in outputs} == {"AssertionError"}
    assert "SyntaxError" in outputs[0][0].evalue or "syntax" in outputs[0][0].evalue.lower()
    assert not [o for out in outputs for o in out if o.get("name") == "stderr"]
