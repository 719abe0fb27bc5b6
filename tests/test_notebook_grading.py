"""Hidden-test cells of notebook exports grade the notebook file's code in a fresh grader, not the kernel."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from autograder import course, notebook_grading
from autograder.cli import main
from autograder.notebook_grading import cell_metadata, check, find_notebook, submission_from_notebook

AFFINE = course.load("03_affine")
SOLUTION = (AFFINE.solution_folder / "layers.py").read_text(encoding="utf-8")
STUB = (AFFINE.folder / "layers.py").read_text(encoding="utf-8")
# Forward right, backward wrong, and every comparison helper in the running process made to agree.
CHEAT = SOLUTION.replace("dx = np.dot(dout, self.W.T)", "dx = np.dot(dout, self.W.T) * 2") + (
    "\nnp.allclose = lambda *a, **k: True\n"
    "np.testing.assert_allclose = lambda *a, **k: None\n"
    "np.abs = lambda x, *a, **k: np.zeros(np.shape(x))\n")


def notebook(path: Path, *sources: str, marked: bool = True) -> Path:
    """A notebook whose code cells are `sources`, marked as parts of layers.py."""
    meta = cell_metadata("layers.py") if marked else {}
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# 03 Affine layer"}]
    cells += [{"cell_type": "code", "metadata": meta, "execution_count": None, "outputs": [],
               "source": s.splitlines(keepends=True)} for s in sources]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


@pytest.fixture(autouse=True)
def fresh_cache():
    notebook_grading._graded.clear()
    yield
    notebook_grading._graded.clear()


def test_marked_cells_are_joined_into_the_student_file_in_order(tmp_path):
    head, body = SOLUTION.split("class Affine", 1)
    path = notebook(tmp_path / "a.ipynb", head, "class Affine" + body)
    with open(path) as handle:
        data = json.load(handle)
    data["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                          "source": "print('scratch work is not part of layers.py')"})
    path.write_text(json.dumps(data))
    submission = submission_from_notebook(path, AFFINE.student_files)
    assert not submission.problems
    text = submission.files["layers.py"].decode()
    assert "scratch work" not in text
    assert text.index("import numpy") < text.index("class Affine")
    compile(text, "layers.py", "exec")


def test_check_passes_on_the_solution_and_fails_with_the_engine_message_on_the_stub(tmp_path):
    check("03_affine", "test_affine_db_sums_over_batch", notebook(tmp_path / "solution.ipynb", SOLUTION))
    with pytest.raises(AssertionError, match="Affine.forward is not implemented yet"):
        check("03_affine", "test_affine_forward_matches_reference", notebook(tmp_path / "stub.ipynb", STUB))


def test_tampering_in_the_calling_process_does_not_pass_hidden_tests(tmp_path, monkeypatch):
    # What a student's cell can do to the kernel before the hidden-test cells run. Graded in
    # this process, the np.abs patch alone would give this code full marks (every error 0).
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **k: None)
    monkeypatch.setattr(np, "abs", lambda x, *a, **k: np.zeros(np.shape(x)))
    path = notebook(tmp_path / "cheat.ipynb", CHEAT)
    check("03_affine", "test_affine_forward_matches_reference", path)  # what is right stays right
    with pytest.raises(AssertionError, match="test_affine_backward_dx_matches_reference"):
        check("03_affine", "test_affine_backward_dx_matches_reference", path)


def test_the_notebook_is_graded_once_per_content(tmp_path, monkeypatch):
    calls = []
    real = notebook_grading._run_grader
    monkeypatch.setattr(notebook_grading, "_run_grader", lambda *a: calls.append(a) or real(*a))
    path = notebook(tmp_path / "solution.ipynb", SOLUTION)
    for test in AFFINE.tests[:3]:
        check("03_affine", test.name, path)
    assert len(calls) == 1
    notebook(path, STUB)  # the student edits the notebook: graded again
    with pytest.raises(AssertionError):
        check("03_affine", AFFINE.tests[0].name, path)
    assert len(calls) == 2


def test_a_notebook_without_marked_cells_fails_with_a_sentence(tmp_path):
    path = notebook(tmp_path / "pasted.ipynb", SOLUTION, marked=False)
    submission = submission_from_notebook(path, AFFINE.student_files)
    assert submission.problems == ("the notebook has no code cells of layers.py: start from the notebook "
                                   "as it was handed out and write your code in its cells.",)
    with pytest.raises(AssertionError, match="no code cells of layers.py"):
        check("03_affine", "test_affine_db_sums_over_batch", path)


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"cells": 3}', b"[]", b"\xff\xfe"])
def test_a_broken_notebook_is_a_problem_not_a_crash(tmp_path, content):
    path = tmp_path / "broken.ipynb"
    path.write_bytes(content)
    submission = submission_from_notebook(path, AFFINE.student_files)
    assert not submission.files
    assert submission.problems[0].startswith("broken.ipynb is not a readable notebook")
    assert submission.problems[0].endswith("save it again in Jupyter and submit that file.")


def test_a_huge_notebook_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "huge.ipynb"
    path.write_bytes(b" " * (notebook_grading.MAX_NOTEBOOK_BYTES + 1))
    assert "is larger than 16 MiB" in submission_from_notebook(path, AFFINE.student_files).problems[0]


def test_the_notebook_to_grade_is_the_only_one_in_the_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(notebook_grading.NOTEBOOK_ENV, raising=False)
    with pytest.raises(course.CourseError, match="holds no notebook; set AUTOGRADER_NOTEBOOK"):
        find_notebook(tmp_path)
    notebook(tmp_path / "one.ipynb", SOLUTION)
    assert find_notebook(tmp_path) == tmp_path / "one.ipynb"
    notebook(tmp_path / "two.ipynb", SOLUTION)
    with pytest.raises(course.CourseError, match=r"holds 2 notebooks \(one.ipynb, two.ipynb\)"):
        find_notebook(tmp_path)
    monkeypatch.setenv(notebook_grading.NOTEBOOK_ENV, str(tmp_path / "two.ipynb"))
    assert find_notebook(tmp_path) == tmp_path / "two.ipynb"


def test_check_refuses_a_test_the_manifest_does_not_list(tmp_path):
    with pytest.raises(course.CourseError, match="03_affine has no hidden test 'test_made_up'"):
        check("03_affine", "test_made_up", notebook(tmp_path / "s.ipynb", SOLUTION))


def test_the_grade_command_grades_a_notebook_and_a_folder_of_notebooks(tmp_path):
    (tmp_path / "class").mkdir()
    notebook(tmp_path / "class" / "ada.ipynb", SOLUTION)
    notebook(tmp_path / "class" / "bo.ipynb", STUB)
    out = tmp_path / "ada.json"
    assert main(["grade", "--assignment", "03_affine", str(tmp_path / "class" / "ada.ipynb"),
                 "--out", str(out), "--quiet"]) == 0
    result = json.loads(out.read_text())
    assert result["score"] == AFFINE.max_score
    csv = tmp_path / "grades.csv"
    assert main(["grade", "--assignment", "03_affine", str(tmp_path / "class"), "--csv", str(csv),
                 "--gradebook", str(tmp_path / "grades.db"), "--jobs", "1", "--quiet"]) == 0
    rows = csv.read_text().splitlines()
    assert any(row.startswith("ada,") for row in rows) and any(row.startswith("bo,") for row in rows)
