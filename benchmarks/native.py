"""The peers as instructors use them: their own hidden tests, written in their own formats.

The peers' comparison in peers.py runs this course's engine inside their notebooks. An
instructor who adopts nbgrader or otter-grader without this course writes the hidden tests
in the notebook instead, as each tool's documentation shows. This module writes that course
for the Affine layer (03_affine), with the checks an instructor would write first:

    public test   forward's output has shape (N, M)                               1 point
    hidden test   dx, dW and db match central differences of sum(forward(x) * dout)  4 points

so each tool runs 2 graded cells holding 4 assertions per submission (CHECKS), where our
03_affine runs its 11 hidden tests. The trees:

  nbgrader   nbgrader_config.py (only the course id: every other setting, the 30 s cell
             timeout included, is nbgrader's default) and source/<id>/<id>.ipynb: the
             student cell (a solution region between ### BEGIN SOLUTION / ### END SOLUTION),
             a locked public test cell, and a locked test cell whose assertions sit between
             ### BEGIN HIDDEN TESTS / ### END HIDDEN TESTS.
  otter      <id>/<id>.ipynb, an Otter Assign master: # ASSIGNMENT CONFIG, one question
             (points [1, 4]) with the student cell as its solution and two test cells, the
             second marked # HIDDEN. `otter assign` turns it into the autograder zip.

The student cell starts with `# <student file>` as in this course's exports, so peers.with_code
puts a submission's code in it the same way. Test cells print nothing: otter compares a test's
printed output (a doctest), so a statement whose value would print is assigned to `_`.

hang_mix() is the peers' own ten-submission mix for Affine: 5 correct, 2 with a wrong
backward, 1 syntax error, 1 endless loop in forward, 1 cheat (a wrong backward that replaces
np.allclose so that every comparison passes).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from autograder import course
from autograder.assign import mutants, notebook
from autograder.assign.nbgrader import metadata

ASSIGNMENT = "03_affine"
WRONG_BACKWARD = ("dW averaged over the batch", "db averaged over the batch")  # tests/mutants/03_affine.toml
CHECKS = {"cells": 2, "asserts": 4, "points": 5}  # per submission, in both peers' native tests

PUBLIC_TEST = """\
import numpy as np
rng = np.random.default_rng(0)
layer = Affine(rng.standard_normal((4, 3)), rng.standard_normal(3))
assert layer.forward(rng.standard_normal((5, 4))).shape == (5, 3)"""

# The central-difference table of one parameter: two forwards per entry, as in a textbook.
HIDDEN_TEST = """\
import numpy as np
def numerical_gradient(loss, a, h=1e-5):
    grad = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        kept = a[i]
        a[i] = kept + h
        plus = loss()
        a[i] = kept - h
        minus = loss()
        a[i] = kept
        grad[i] = (plus - minus) / (2 * h)
    return grad
rng = np.random.default_rng(1)
x, W, b = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
dout = rng.standard_normal((5, 3))
layer = Affine(W, b)
_ = layer.forward(x)
dx = layer.backward(dout)
dW, db = layer.dW, layer.db
loss = lambda: np.sum(layer.forward(x) * dout)
assert np.allclose(dx, numerical_gradient(loss, x))
assert np.allclose(dW, numerical_gradient(loss, W))
assert np.allclose(db, numerical_gradient(loss, b))"""


def _solution(assignment_id: str = ASSIGNMENT) -> tuple[str, str]:
    assignment = course.load(assignment_id)
    filename = assignment.student_files[0]
    return filename, (assignment.solution_folder / filename).read_text(encoding="utf-8")


def hang_mix(assignment_id: str = ASSIGNMENT) -> dict[str, str]:
    """The peers' ten submissions for Affine: name -> the student file's source."""
    _, solution = _solution(assignment_id)
    found = mutants.entries(assignment_id)
    variants = [mutants.edited(solution, e) for e in found.get("variant", [])]
    correct = [solution, *variants][:5]
    correct += [solution] * (5 - len(correct))
    # Wrong values of the right shape, so that patching np.allclose is what decides the cheat's marks
    backward = [e for e in found["mutant"] if e["name"] in WRONG_BACKWARD] or found["mutant"][:2]
    mix = {f"correct_{k + 1}": code for k, code in enumerate(correct)}
    mix.update({f"wrong_backward_{k + 1}": mutants.edited(solution, e) for k, e in enumerate(backward)})
    mix["syntax_error"] = solution.replace("):", ")", 1)
    # The loop is forward's first statement: every test that calls forward waits on it.
    mix["endless_loop_in_forward"] = solution.replace("self.x = x\n", "while True:\n            pass\n"
                                                                      "        self.x = x\n", 1)
    mix["cheat"] = mutants.edited(solution, backward[0]) + "\nnp.allclose = lambda *a, **k: True\n"
    assert "while True" in mix["endless_loop_in_forward"], "forward's first statement moved: update hang_mix"
    return mix


def _student_cell(filename: str, solution: str, begin: str, end: str) -> str:
    """The solution file as the student cell: '# <file>' first, its solution regions in the tool's markers."""
    body = solution.replace("### BEGIN SOLUTION", begin).replace("### END SOLUTION", end)
    return f"# {filename}\n{body.rstrip()}\n"


def nbgrader_tree(assignment_id: str = ASSIGNMENT, course_id: str = "bench") -> dict[str, bytes]:
    """{relative path: bytes}: an nbgrader course whose hidden tests are written in the notebook."""
    filename, solution = _solution(assignment_id)
    student = notebook.code(_student_cell(filename, solution, "### BEGIN SOLUTION", "### END SOLUTION"), "student")
    student.metadata.update(metadata("student", solution=True))
    public = notebook.code(PUBLIC_TEST, "test_forward_shape")
    public.metadata.update(metadata("test_forward_shape", grade=True, locked=True, points=1))
    hidden = notebook.code("### BEGIN HIDDEN TESTS\n" + HIDDEN_TEST + "\n### END HIDDEN TESTS", "test_gradients")
    hidden.metadata.update(metadata("test_gradients", grade=True, locked=True, points=4))
    intro = notebook.markdown("# Affine layer\n\nWrite `Affine` in the cell below; the test cells grade it.",
                              "intro")
    nb = notebook.new_notebook([intro, student, public, hidden])
    nbformat.validate(nb)
    config = f"c = get_config()\nc.CourseDirectory.course_id = {course_id!r}\n"
    return {"nbgrader_config.py": config.encode(),
            f"source/{assignment_id}/{assignment_id}.ipynb": notebook.to_bytes(nb)}


def otter_tree(assignment_id: str = ASSIGNMENT) -> dict[str, bytes]:
    """{relative path: bytes}: <id>/<id>.ipynb, an Otter Assign master with its own test cells."""
    filename, solution = _solution(assignment_id)
    config = "\n".join(["# ASSIGNMENT CONFIG", f"name: {assignment_id}", "init_cell: false",
                        "check_all_cell: false", "export_cell: false", "tests:", "  files: true",
                        "generate:", "  pdf: false"])

    def raw(source: str, name: str) -> nbformat.NotebookNode:
        cell = nbformat.v4.new_raw_cell(source)
        cell.id = notebook.cell_id(name)
        return cell

    cells = [raw(config, "config"),
             notebook.markdown("# Affine layer\n\nWrite `Affine` in the cell below.", "intro"),
             raw(f"# BEGIN QUESTION\nname: affine\npoints: {json.dumps([1, 4])}", "question"),
             raw("# BEGIN SOLUTION", "solution"),
             notebook.code(_student_cell(filename, solution, "# BEGIN SOLUTION", "# END SOLUTION"), "student"),
             raw("# END SOLUTION", "solution-end"),
             raw("# BEGIN TESTS", "tests"),
             notebook.code(PUBLIC_TEST, "test-forward-shape"),
             notebook.code("# HIDDEN\n" + HIDDEN_TEST, "test-gradients"),
             raw("# END TESTS", "tests-end"),
             raw("# END QUESTION", "question-end")]
    nb = notebook.new_notebook(cells)
    nbformat.validate(nb)
    return {f"{assignment_id}/{assignment_id}.ipynb": notebook.to_bytes(nb)}


def write_tree(tree: dict[str, bytes], out: Path) -> None:
    for relative, data in tree.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
