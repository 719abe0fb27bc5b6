"""Code that computes nothing scores 0 on every assignment (DESIGN.md: points measure correct computation).

The null models (tests/null_models.py) keep the API, the shapes and the attribute
names of the reference and replace every number: zeros, the input handed back,
ones, or the published figures for the published inputs. Their scores print at
the end of `make test`, beside the mutation kill rate.
"""

from __future__ import annotations

import pytest

from autograder import course
from autograder.grade import grade

from . import null_models
from .conftest import NULL_MODEL_LOG


def cases():
    for aid in course.assignment_ids():
        assignment = course.load(aid)
        for model in null_models.all_for(assignment):
            yield pytest.param(aid, model, id=f"{aid}: {model.name}")


@pytest.mark.parametrize("aid, model", list(cases()))
def test_null_model_scores_zero(aid, model, fork_server):
    assignment = course.load(aid)
    result = grade(assignment, model, fork_server)
    earned = {t.name: t.score for t in result.tests if t.score}
    NULL_MODEL_LOG.append((aid, model.name, result.score, assignment.max_score))
    assert not earned, f"{model.name} earned {result.score:g}/{assignment.max_score:g}: {earned}"


@pytest.mark.parametrize("aid", course.assignment_ids())
def test_null_models_keep_the_api_of_the_solution(aid, fork_server):
    """A null model fails on values, not on a missing name or an import error: it is a fair null."""
    assignment = course.load(aid)
    result = grade(assignment, null_models.generated(assignment, "zeros"), fork_server)
    outputs = " ".join(t.output for t in result.tests)
    assert "has no" not in outputs and "importing" not in outputs.lower(), outputs[:2000]


def test_every_assignment_with_published_figures_has_a_hard_coded_null_model():
    for aid in ("01_computational_graph", "07_many_to_one", "08_rnnlm"):
        assert null_models.published(course.load(aid)) is not None
