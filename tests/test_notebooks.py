"""The student notebooks run: solved, every cell runs clean; as released, the tests fail on the stub,
each with check's explanation, and Run All reaches the end. What the public tests in a notebook test
is what is graded: the cell that starts with '# layers.py', alone, saved as layers.py."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import course
from autograder.assign import notebook
from autograder.assign.stubs import BEGIN
from autograder.course import CourseError

IDS = course.assignment_ids()
ROOT = course.find_root()


def run(nb: nbformat.NotebookNode, folder: Path, allow_errors: bool = False) -> nbformat.NotebookNode:
    """Execute `nb` in `folder` (its working directory) with a fresh Python kernel."""
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=allow_errors,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def said(nb, cell: str) -> str:
    """Everything a cell printed to stdout."""
    (found,) = [c for c in nb.cells if c.id == cell]
    return "".join(o.text for o in found.outputs if o.get("name") == "stdout")


def outputs(nb, kind: str) -> dict[str, list]:
    """cell id -> its outputs of a kind: 'error', or 'stderr' (warnings land there)."""
    found = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        hits = [o for o in cell.outputs
                if o.output_type == kind or (kind == "stderr" and o.get("name") == "stderr")]
        if hits:
            found[cell.id] = hits
    return found


@pytest.mark.parametrize("aid", IDS)
def test_every_solved_notebook_runs_clean(aid, tmp_path):
    a = course.load(aid)
    nb = run(notebook.student_notebook(a, solved=True), tmp_path)
    errors = {cell: [f"{o.ename}: {o.evalue}" for o in found] for cell, found in outputs(nb, "error").items()}
    assert not errors, errors
    warnings = {cell: [o.text for o in found] for cell, found in outputs(nb, "stderr").items()}
    assert not warnings, f"the solved notebook writes to stderr (warnings?): {warnings}"
    test_cells = [c for c in nb.cells if c.cell_type == "code" and c.id.startswith("test")]
    assert test_cells and all(c.execution_count for c in test_cells)
    for name in a.student_files:  # the setup cell's hook saved the student cell as the student file
        saved = (tmp_path / name).read_text(encoding="utf-8")
        assert saved == notebook.student_source(a, name, solved=True) + "\n"
        assert BEGIN not in saved
    tests = [t.name for f in notebook.public_test_files(a) for t in f.tests]
    assert all(said(nb, t) == f"passed: {t}\n" for t in tests), {t: said(nb, t) for t in tests}


# A kernel per notebook: every solved notebook runs every day, the released (stub) ones of three assignments
# (a layer, a loss, a model of its own file), the others in the slow set.
@pytest.mark.parametrize("aid", [pytest.param(aid, marks=[] if aid in ("01_computational_graph", "04_softmax_loss",
                                                                       "08_rnnlm") else [pytest.mark.slow])
                                 for aid in IDS])
def test_released_notebook_explains_every_public_test_failure_on_the_stub_and_runs_to_the_end(aid, tmp_path):
    a = course.load(aid)
    nb = run(notebook.student_notebook(a), tmp_path)  # no cell raises: Run All reaches the end
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")
    tests = [t.name for f in notebook.public_test_files(a) for t in f.tests]
    for test in tests:
        assert said(nb, test).startswith(f"FAILED {test}"), said(nb, test)
    assert any("is not written yet: it still raises NotImplementedError" in said(nb, t) for t in tests)


def student_folder(aid: str, tmp_path: Path) -> Path:
    """A student folder as the release's zip holds it: stub, kit and notebook."""
    from autograder.assign import release

    tree = release.students_tree([course.load(aid)])
    for name, data in tree.items():
        if name.startswith(f"students/{aid}/"):
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return tmp_path / "students" / aid


def test_the_notebook_in_the_student_folder_uses_the_kit_and_replaces_the_stub(tmp_path):
    """Opened where students get it: its tests import the kit beside it, its cell becomes layers.py,
    and `python -m autograder check` in the folder then passes on the notebook's code."""
    a = course.load("03_affine")
    folder = student_folder(a.id, tmp_path)
    nb = nbformat.read(folder / f"{a.id}.ipynb", as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    cells[[c.id for c in cells].index("layers-py")] = notebook.student_cell(a, "layers.py", solved=True)
    cells.append(notebook.code("import autograder.assertions\nprint(autograder.assertions.__file__)", "where"))
    nb = run(notebook.new_notebook(cells), folder)
    assert not outputs(nb, "error")
    assert Path(nb.cells[-1].outputs[0].text.strip()).resolve() == (folder / "autograder" / "assertions.py").resolve()
    assert (folder / "layers.py").read_text() == notebook.student_source(a, "layers.py", solved=True) + "\n"
    check = subprocess.run([sys.executable, "-m", "autograder", "check", "--plain"], cwd=folder,
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_notebook_never_replaces_a_stub_the_student_edited(tmp_path):
    a = course.load("03_affine")
    folder = student_folder(a.id, tmp_path)
    edited = (folder / "layers.py").read_text() + "\n# half done\n"
    (folder / "layers.py").write_text(edited)
    nb = run(notebook.new_notebook([notebook.setup_cell(a), notebook.student_cell(a, "layers.py", solved=True)]),
             folder)
    assert (folder / "layers.py").read_text() == edited
    assert "left as it is" in nb.cells[1].outputs[0].text


def test_saved_file_grades_full_marks_through_the_cli(tmp_path):
    a = course.load("03_affine")
    run(notebook.student_notebook(a, solved=True), tmp_path)
    out = tmp_path / "results.json"
    grade = subprocess.run([sys.executable, "-m", "autograder", "grade", "--assignment", a.id,
                            str(tmp_path / "layers.py"), "--out", str(out), "--quiet"],
                           capture_output=True, text=True, timeout=300)
    assert grade.returncode == 0, grade.stderr
    assert json.loads(out.read_text())["score"] == a.max_score


def test_rerunning_an_edited_cell_updates_what_the_tests_import(tmp_path):
    a = course.load("03_affine")
    stub, solved = (notebook.student_cell(a, "layers.py", solved=s) for s in (False, True))
    solved.id = "layers-py-again"
    cells = [notebook.setup_cell(a), stub, solved] + [c for c in notebook.public_test_cells(a) if c.cell_type == "code"]
    nb = run(notebook.new_notebook(cells), tmp_path)
    assert not outputs(nb, "error")
    assert (tmp_path / "layers.py").read_text() == solved.source + "\n"


def test_a_file_the_notebook_did_not_write_is_never_overwritten(tmp_path):
    a = course.load("03_affine")
    mine = "# my own work, written in an editor\n"
    (tmp_path / "layers.py").write_text(mine)
    nb = run(notebook.student_notebook(a, solved=True), tmp_path)
    assert (tmp_path / "layers.py").read_text() == mine
    said = [o.text for o in nb.cells[[c.id for c in nb.cells].index("layers-py")].outputs if o.get("name") == "stdout"]
    assert said and "left as it is" in said[0]
    assert not outputs(nb, "error")  # the tests still run against the cell's code


def test_running_the_setup_cell_twice_saves_once(tmp_path):
    a = course.load("03_affine")
    setup = notebook.setup_cell(a)
    again = notebook.code(setup.source, "setup-again")
    cells = [setup, again, notebook.student_cell(a, "layers.py", solved=True),
             notebook.code("import IPython\nshell = IPython.get_ipython()\n"
                           "print(sum(getattr(f, '__name__', '') == '_autograder_notebook_hook' "
                           "for f in shell.events.callbacks['post_run_cell']),\n"
                           "      sum(getattr(f, '__name__', '') == '_student_cell_transform' "
                           "for f in shell.input_transformers_cleanup))", "count")]
    nb = run(notebook.new_notebook(cells), tmp_path)
    assert nb.cells[-1].outputs[0].text.strip() == "1 1"


# ------------------------------------- what the notebook tests is what is graded

AFFINE = course.load("03_affine")
SOLVED = notebook.student_source(AFFINE, "layers.py", solved=True)
TESTS = [t.name for f in notebook.public_test_files(AFFINE) for t in f.tests]


def affine_notebook(student_code: str, *before: str) -> nbformat.NotebookNode:
    """Setup, the cells `before` (a student's own), the student cell holding `student_code`, the public tests."""
    cell = notebook.student_cell(AFFINE, "layers.py")
    cell.source = student_code
    own = [notebook.code(source, f"own-{n}") for n, source in enumerate(before)]
    return notebook.new_notebook([notebook.setup_cell(AFFINE), *own, cell, *notebook.public_test_cells(AFFINE)])


def grade_file(path: Path) -> float:
    out = path.parent / "results.json"
    subprocess.run([sys.executable, "-m", "autograder", "grade", "--assignment", AFFINE.id, str(path),
                    "--out", str(out), "--quiet"], check=True, capture_output=True, timeout=300)
    return json.loads(out.read_text())["score"]


def test_a_helper_in_another_cell_fails_the_public_tests_as_it_fails_grading(tmp_path):
    helper = "import numpy as np\n\n\ndef column_sums(a):\n    return np.sum(a, axis=0)"
    code = SOLVED.replace("self.db = np.sum(dout, axis=0)", "self.db = column_sums(dout)")
    assert code != SOLVED
    nb = run(affine_notebook(code, helper), tmp_path)
    assert not outputs(nb, "error")  # Run All reaches the end
    assert "This cell uses column_sums, defined in another cell" in said(nb, "layers-py")
    failed = [t for t in TESTS if said(nb, t).startswith("FAILED")]
    assert failed and all("column_sums is defined in another cell of this notebook" in said(nb, t) for t in failed)
    # the grader sees what the tests saw: the saved cell alone, without the helper
    assert (tmp_path / "layers.py").read_text() == code + "\n"
    assert grade_file(tmp_path / "layers.py") < AFFINE.max_score


def test_a_helper_inside_the_student_cell_passes_and_grades_full(tmp_path):
    code = SOLVED.replace("self.db = np.sum(dout, axis=0)", "self.db = column_sums(dout)") + \
        "\n\n\ndef column_sums(a):\n    return np.sum(a, axis=0)"
    nb = run(affine_notebook(code), tmp_path)
    assert said(nb, "layers-py") == ""
    assert all(said(nb, t) == f"passed: {t}\n" for t in TESTS)
    assert grade_file(tmp_path / "layers.py") == AFFINE.max_score


def test_a_class_defined_in_another_cell_is_named_and_not_tested(tmp_path):
    """The tests never take Affine from outside the student cell, even when another cell defines it."""
    other = "import numpy as np\n" + SOLVED.split("\n", 1)[1].split("import numpy as np", 1)[1]
    nb = run(affine_notebook("# layers.py\nimport numpy as np\n", other), tmp_path)
    assert "This cell does not define Affine, which another cell of this notebook defines" in said(nb, "layers-py")
    assert all(said(nb, t).startswith(f"FAILED {t}") and "Affine is defined in another cell" in said(nb, t)
               for t in TESTS)


def test_a_cell_whose_first_line_was_edited_is_refused_in_the_notebook(tmp_path):
    code = "# my Affine layer, finished\n" + SOLVED.split("\n", 1)[1]
    nb = run(affine_notebook(code), tmp_path)
    assert not outputs(nb, "error")
    assert "but its first line is not `# layers.py`: it is not saved as layers.py" in said(nb, "layers-py")
    assert all("The cell that starts with `# layers.py` has not run yet" in said(nb, t) for t in TESTS)
    assert not (tmp_path / "layers.py").exists()


def test_an_editor_change_after_a_save_is_never_overwritten_even_by_a_new_kernel(tmp_path):
    run(affine_notebook(SOLVED), tmp_path)
    saved = tmp_path / "layers.py"
    assert saved.read_text() == SOLVED + "\n"
    edited = saved.read_text().replace("self.db = np.sum(dout, axis=0)", "self.db = dout.sum(axis=0)")
    saved.write_text(edited)  # the student goes on in an editor
    nb = run(affine_notebook(SOLVED), tmp_path)  # and later runs the notebook again
    assert saved.read_text() == edited
    assert "layers.py beside this notebook was changed outside it and is left as it is" in said(nb, "layers-py")


def test_what_the_notebook_saved_is_replaced_by_the_next_run_even_in_a_new_kernel(tmp_path):
    stub = notebook.student_source(AFFINE, "layers.py")
    run(affine_notebook(stub), tmp_path)
    nb = run(affine_notebook(SOLVED), tmp_path)
    assert (tmp_path / "layers.py").read_text() == SOLVED + "\n"
    assert said(nb, "layers-py") == ""


def test_a_student_cell_that_raises_is_named_by_every_test(tmp_path):
    nb = run(affine_notebook(SOLVED + "\n\nraise ValueError('half done')"), tmp_path, allow_errors=True)
    assert list(outputs(nb, "error")) == ["layers-py"]  # the student's own error, in the student's cell
    assert all("stopped with ValueError: half done" in said(nb, t) for t in TESTS)


def test_public_test_cells_explain_a_failure_as_check_does_hint_included(tmp_path):
    folder = student_folder(AFFINE.id, tmp_path)
    code = SOLVED.replace("self.db = np.sum(dout, axis=0)", "self.db = np.sum(dout)")
    nb = run(affine_notebook(code), folder)
    check = subprocess.run([sys.executable, "-m", "autograder", "check", "--plain"], cwd=folder,
                           capture_output=True, text=True, timeout=300)
    for test in TESTS:
        shown = said(nb, test)
        if not shown.startswith("FAILED"):
            assert shown == f"passed: {test}\n" and f"FAILED {test}" not in check.stdout
            continue
        assert f"FAILED {test}" in check.stdout
        explained = [line for line in shown.splitlines()[1:] if "of this cell" not in line]
        assert explained and all(line in check.stdout.splitlines() for line in explained), (shown, check.stdout)
    assert "sum dout over the batch axis only, np.sum(dout, axis=0)" in said(nb, "test_affine_small_example")


def test_run_public_test_quietly_raises_the_explanation_and_prints_nothing_on_pass(capsys):
    from autograder.check.in_notebook import run_public_test
    from autograder.assertions import assert_close

    def test_sum():
        assert_close([1.0, 2.0], [1.0, 3.0], "sum(x)", reveal=True)

    def test_ok(x):
        if x <= 0:
            raise AssertionError("x must be positive")

    with pytest.raises(AssertionError, match=r"(?s)FAILED test_sum.*sum\(x\)"):
        run_public_test(test_sum, quiet=True)
    run_public_test(test_ok, [dict(x=1), dict(x=2)], quiet=True)
    assert capsys.readouterr().out == ""
    run_public_test(test_ok, [dict(x=1), dict(x=-1), dict(x=-2)])
    shown = capsys.readouterr().out
    assert shown.startswith("FAILED test_ok [x=-1; x=-2]\n") and shown.count("FAILED") == 1


# ------------------------------------------------------------- the builder

def test_same_sources_give_the_same_bytes():
    a = course.load("02_activations")
    assert notebook.to_bytes(notebook.student_notebook(a)) == notebook.to_bytes(notebook.student_notebook(a))


def test_cells_have_fixed_valid_ids():
    nb = notebook.student_notebook(course.load("06_time_rnn"))
    ids = [c.id for c in nb.cells]
    assert len(ids) == len(set(ids)) and all(0 < len(i) <= 64 for i in ids)
    assert notebook.cell_id("test_x.py preamble!") == "test_x-py-preamble"
    with pytest.raises(ValueError):
        notebook.cell_id("...")
    with pytest.raises(ValueError, match="duplicate"):
        notebook.new_notebook([notebook.code("1", "a"), notebook.code("2", "a")])


def test_readme_becomes_one_cell_per_section_without_the_pytest_section():
    a = course.load("03_affine")
    cells = notebook.readme_cells(a)
    text = (a.folder / "README.md").read_text(encoding="utf-8")
    assert cells[0].source.startswith("# 03 Affine layer")
    assert all(c.cell_type == "markdown" for c in cells)
    assert "## Testing locally" in text and not any("## Testing locally" in c.source for c in cells)
    assert sum(1 for c in cells if c.source.startswith("## ")) == text.count("\n## ") - 1


def course_copy(tmp_path: Path, aid: str) -> course.Assignment:
    for folder in ("assignments", "solutions"):
        shutil.copytree(ROOT / folder / aid, tmp_path / folder / aid)
    return dataclasses.replace(course.load(aid), root=tmp_path)


def test_headings_inside_code_fences_do_not_split_the_readme(tmp_path):
    a = course_copy(tmp_path, "03_affine")
    (a.folder / "README.md").write_text("# Title\n\ntext\n\n```sh\n# a comment, not a heading\nls\n```\n\n## Next\n\nmore\n")
    assert [title for title, _ in notebook.readme_sections(a)] == ["Title", "Next"]


def test_parametrized_tests_become_loops():
    (test_file,) = notebook.public_test_files(course.load("02_activations"))
    source = {t.name: t.source for t in test_file.tests}["test_gradients_match_central_differences"]
    assert source.endswith("run_public_test(test_gradients_match_central_differences, [\n"
                           "    dict(layer_class=layer_class, shape=shape)\n"
                           "    for layer_class in [Relu, Sigmoid, Tanh]\n"
                           "    for shape in [(5,), (3, 4)]])")
    compile(source, "cell", "exec")
    plain = {t.name: t.plain for t in test_file.tests}["test_gradients_match_central_differences"]
    assert plain.endswith("for layer_class in [Relu, Sigmoid, Tanh]:\n"
                          "    for shape in [(5,), (3, 4)]:\n"
                          "        test_gradients_match_central_differences(layer_class, shape)")


@pytest.mark.parametrize("test_code, problem", [
    ("def test_x(tmp_path):\n    pass\n", "no fixtures"),
    ("class TestX:\n    def test_y(self):\n        pass\n", "test classes"),
    ("Affine = None\n\ndef test_x():\n    pass\n", "share one namespace"),
    ("def helper():\n    pass\n", "no test functions"),
])
def test_public_tests_a_notebook_cannot_run_are_refused_with_a_sentence(tmp_path, test_code, problem):
    a = course_copy(tmp_path, "03_affine")
    for old in a.folder.glob("test_*.py"):
        old.unlink()
    (a.folder / "test_broken.py").write_text("from layers import Affine\n\n" + test_code)
    with pytest.raises(CourseError, match=problem):
        notebook.public_test_files(a)


def test_the_solved_cell_can_keep_its_solution_markers():
    a = course.load("03_affine")
    marked = notebook.student_source(a, "layers.py", solved=True, markers=True)
    plain = notebook.student_source(a, "layers.py", solved=True)
    assert BEGIN in marked and BEGIN not in plain and notebook.strip_markers(marked).rstrip("\n") == plain
    with pytest.raises(CourseError, match="not one of its student files"):
        notebook.student_source(a, "other.py")
