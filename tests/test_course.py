"""The course itself is sound: every solution scores full, every stub 0, public tests work."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import course, reference
from autograder.grade import grade
from autograder.submission import load

from . import graded

IDS = course.assignment_ids()
DESIGN_IDS = ["01_computational_graph", "02_activations", "03_affine", "04_softmax_loss",
              "05_rnn_cell", "06_time_rnn", "07_many_to_one", "08_rnnlm"]


def test_the_course_has_the_eight_assignments_of_the_design():
    assert IDS == DESIGN_IDS


@pytest.mark.parametrize("aid", IDS)
def test_manifest_and_hidden_tests_agree(aid):
    assignment = course.load(aid)
    tests = reference.hidden_tests(assignment)
    assert list(tests) == [t.name for t in assignment.tests]
    assert assignment.max_score > 0
    for unit in assignment.units:
        reference.calls(assignment, unit.uses_reference)  # every named reference exists


@pytest.mark.parametrize("aid", graded.solution_params())
def test_every_solution_scores_full(aid, fork_server):
    assignment = course.load(aid)
    result = graded.solution(aid, fork_server).result
    failed = {t.name: t.output for t in result.tests if not t.passed}
    assert not failed, failed
    assert result.score == assignment.max_score


@pytest.mark.parametrize("aid", IDS)
def test_every_stub_scores_zero(aid, fork_server):
    assignment = course.load(aid)
    result = grade(assignment, load(assignment.folder, assignment.student_files), fork_server)
    assert result.score == 0, {t.name: t.output for t in result.tests if t.passed}
    assert all("not implemented" in t.output or "NotImplementedError" in t.output for t in result.tests), \
        [t.output for t in result.tests]


def public_tests(assignment) -> list[Path]:
    return sorted(assignment.folder.glob("test_*.py"))


def run_public_tests(assignment, student_folder: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    work = tmp_path / assignment.id
    work.mkdir()
    for test in public_tests(assignment):
        shutil.copy(test, work)
    for name in assignment.student_files:
        shutil.copy(student_folder / name, work)
    for name in assignment.public_files:  # what the student gets beside the stub (08's corpus.txt)
        shutil.copy(assignment.folder / name, work)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(work)],
                          cwd=work, capture_output=True, text=True, timeout=300)


def sample(*everyday: str) -> list:
    """Every assignment, those not named `everyday` in the slow set: for the proofs that start a fresh
    interpreter (pytest, the CLI) on what this process proves for every assignment every day
    (test_every_solution_scores_full, test_every_stub_scores_zero here; `check`, in test_check.py, runs the
    public tests on every solution and stub)."""
    return [pytest.param(aid, marks=[] if aid in everyday else [pytest.mark.slow]) for aid in IDS]


@pytest.mark.parametrize("aid", sample("02_activations", "07_many_to_one"))
def test_public_tests_pass_on_the_solution(aid, tmp_path):
    assignment = course.load(aid)
    assert public_tests(assignment), f"{aid} has no public tests"
    run = run_public_tests(assignment, assignment.solution_folder, tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]


@pytest.mark.parametrize("aid", sample("01_computational_graph", "05_rnn_cell"))
def test_public_tests_fail_on_the_stub(aid, tmp_path):
    assignment = course.load(aid)
    run = run_public_tests(assignment, assignment.folder, tmp_path)
    assert run.returncode == 1, run.stdout[-3000:]
    assert " passed" not in run.stdout.splitlines()[-1], run.stdout.splitlines()[-1]


@pytest.mark.parametrize("aid", IDS)
def test_readme_explains_every_unit(aid):
    assignment = course.load(aid)
    text = (assignment.folder / "README.md").read_text(encoding="utf-8")
    for unit in assignment.units:
        assert unit.name in text, f"{aid}/README.md never mentions {unit.name}"
    assert "pytest" in text


@pytest.mark.parametrize("aid", sample("04_softmax_loss", "08_rnnlm"))
def test_cli_grades_solution_full_and_stub_zero(aid, tmp_path):
    assignment = course.load(aid)
    scores = {}
    for kind, folder in (("solution", assignment.solution_folder), ("stub", assignment.folder)):
        out = tmp_path / f"{kind}.json"
        run = subprocess.run([sys.executable, "-m", "autograder", "grade", "--assignment", aid,
                              str(folder / assignment.student_files[0]), "--out", str(out), "--quiet"],
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        data = json.loads(out.read_text())
        assert {"score", "tests"} <= set(data)
        for test in data["tests"]:
            assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
        scores[kind] = data["score"]
    assert scores == {"solution": assignment.max_score, "stub": 0}
