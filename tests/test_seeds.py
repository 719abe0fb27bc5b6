"""Hidden inputs are drawn per submission (autograder/hidden/draw.py): no seed may change a verdict.

Under every course secret tried, every solution and every correct variant keeps
full marks and every mutant and null model keeps losing points. The everyday run
tries three secrets on the solutions and null models; the slow run (CI's
`make test-integration`) also sweeps every correct variant and every mutant
under every secret.
"""

from __future__ import annotations

import pytest

from autograder import course
from autograder.assign import mutants
from autograder.grade import grade

from . import null_models
from .test_mutants import apply, cases

SECRETS = ("first course secret", "a second one", "0123456789abcdef" * 4)


@pytest.fixture(params=SECRETS)
def secret(request, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_SECRET", request.param)
    return request.param


@pytest.mark.parametrize("aid", course.assignment_ids())
def test_solution_scores_full_under_every_secret(aid, secret, fork_server):
    assignment = course.load(aid)
    result = grade(assignment, mutants.submission(assignment, {"name": "solution", "edits": []}), fork_server)
    assert result.score == assignment.max_score, {t.name: t.output for t in result.tests if not t.passed}


@pytest.mark.slow
@pytest.mark.parametrize("aid, entry", list(cases("variant")))
def test_variant_keeps_full_marks_under_every_secret(aid, entry, secret, fork_server):
    assignment, submission = apply(aid, entry)
    result = grade(assignment, submission, fork_server)
    assert result.score == assignment.max_score, {t.name: t.output for t in result.tests if not t.passed}


@pytest.mark.parametrize("aid", course.assignment_ids())
def test_null_models_score_zero_under_every_secret(aid, secret, fork_server):
    assignment = course.load(aid)
    for model in null_models.all_for(assignment):
        assert grade(assignment, model, fork_server).score == 0, model.name


@pytest.mark.slow
@pytest.mark.parametrize("aid, entry", list(cases("mutant")))
def test_mutant_loses_points_under_every_secret(aid, entry, secret, fork_server):
    assignment, submission = apply(aid, entry)
    assert grade(assignment, submission, fork_server).score < assignment.max_score, entry["name"]


def test_the_secret_changes_the_inputs_and_the_same_submission_gets_the_same_ones(monkeypatch):
    from autograder.hidden import draw
    with draw.drawing(b"one", "ab" * 32, "test_x"):
        first, again = draw.rng("case", 1).normal(size=4), draw.rng("case", 1).normal(size=4)
        other_label = draw.rng("case", 2).normal(size=4)
    with draw.drawing(b"two", "ab" * 32, "test_x"):
        other_secret = draw.rng("case", 1).normal(size=4)
    with draw.drawing(b"one", "cd" * 32, "test_x"):
        other_submission = draw.rng("case", 1).normal(size=4)
    assert (first == again).all()
    for other in (other_label, other_secret, other_submission):
        assert not (first == other).any()
