"""The student notebooks run: solved, every cell runs clean; as released, the tests fail on the stub."""

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
        assert saved == notebook.student_source(a, name, solved=True)
        assert BEGIN not in saved


@pytest.mark.parametrize("aid", IDS)
def test_released_notebook_fails_every_public_test_on_the_stub(aid, tmp_path):
    a = course.load(aid)
    nb = run(notebook.student_notebook(a), tmp_path, allow_errors=True)
    errors = outputs(nb, "error")
    student_cells = {notebook.cell_id(f) for f in a.student_files}
    assert "setup" not in errors and not student_cells & set(errors), errors
    tests = [t.name for f in notebook.public_test_files(a) for t in f.tests]
    assert tests and set(tests) <= set(errors), f"public tests that pass on the stub: {set(tests) - set(errors)}"
    assert any(o.ename == "NotImplementedError" for found in errors.values() for o in found)


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
    cells.append(notebook.code("import autograder.checks\nprint(autograder.checks.__file__)", "where"))
    nb = run(notebook.new_notebook(cells), folder)
    assert not outputs(nb, "error")
    assert Path(nb.cells[-1].outputs[0].text.strip()).resolve() == (folder / "autograder" / "checks.py").resolve()
    assert (folder / "layers.py").read_text() == notebook.student_source(a, "layers.py", solved=True)
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
    assert (tmp_path / "layers.py").read_text() == solved.source


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
             notebook.code("import IPython\nprint(sum(getattr(f, '__name__', '') == 'save_student_file' "
                           "for f in IPython.get_ipython().events.callbacks['post_run_cell']))", "count")]
    nb = run(notebook.new_notebook(cells), tmp_path)
    assert nb.cells[-1].outputs[0].text.strip() == "1"


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
    assert source.endswith("for layer_class in [Relu, Sigmoid, Tanh]:\n"
                           "    for shape in [(5,), (3, 4)]:\n"
                           "        test_gradients_match_central_differences(layer_class, shape)")
    compile(source, "cell", "exec")


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
