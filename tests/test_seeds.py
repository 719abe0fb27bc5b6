"""Hidden inputs are drawn per submission (autograder/hidden/draw.py): no seed may change a verdict.

Under every course secret tried, every solution and every correct variant keeps
full marks and every mutant and null model keeps losing points. The everyday run
grades each assignment's solution under one of the three secrets and its null
models under another, in turn, so that every secret is tried every day; the slow
run (CI's `make test-integration`) grades them under the other secrets, and
sweeps every correct variant and every mutant under every secret.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import course
from autograder.assign import mutants
from autograder.grade import grade
from autograder.submission import Submission

from . import null_models
from .test_mutants import apply, cases

SECRETS = ("first course secret", "a second one", "0123456789abcdef" * 4)


@pytest.fixture
def secret(request, monkeypatch):
    """The course secret of the test's parameter `secret`, set for the grade."""
    monkeypatch.setenv("AUTOGRADER_SECRET", request.param)
    return request.param


def in_turn(offset: int) -> list:
    """(assignment, secret) for every pair: the i-th assignment's (i + offset)-th secret every day, the rest slow."""
    return [pytest.param(aid, secret, id=f"{aid}-{n}",
                         marks=[] if (i + offset) % len(SECRETS) == n else [pytest.mark.slow])
            for i, aid in enumerate(course.assignment_ids()) for n, secret in enumerate(SECRETS)]


@pytest.mark.parametrize("aid, secret", in_turn(0), indirect=["secret"])
def test_solution_scores_full_under_every_secret(aid, secret, fork_server):
    assignment = course.load(aid)
    result = grade(assignment, mutants.submission(assignment, {"name": "solution", "edits": []}), fork_server)
    assert result.score == assignment.max_score, {t.name: t.output for t in result.tests if not t.passed}


@pytest.mark.slow
@pytest.mark.parametrize("secret", SECRETS, indirect=True)
@pytest.mark.parametrize("aid, entry", list(cases("variant")))
def test_variant_keeps_full_marks_under_every_secret(aid, entry, secret, fork_server):
    assignment, submission = apply(aid, entry)
    result = grade(assignment, submission, fork_server)
    assert result.score == assignment.max_score, {t.name: t.output for t in result.tests if not t.passed}


@pytest.mark.parametrize("aid, secret", in_turn(1), indirect=["secret"])
def test_null_models_score_zero_under_every_secret(aid, secret, fork_server):
    assignment = course.load(aid)
    for model in null_models.all_for(assignment):
        assert grade(assignment, model, fork_server).score == 0, model.name


@pytest.mark.slow
@pytest.mark.parametrize("secret", SECRETS, indirect=True)
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


# Draws on which a correct file lost points, found by grading every correct file of the suite and the
# corpus under 30 course secrets: (assignment, variant, secret, the test that failed it).
FOUND_BY_SWEEPS = [
    ("07_many_to_one", "sigmoid through np.logaddexp (stable both ways); predict through np.rint", "sweep secret 8",
     "test_backward_matches_numerical_gradient_of_your_loss"),
    ("07_many_to_one", "sigmoid through np.logaddexp (stable both ways); predict through np.rint", "sweep secret 9",
     "test_backward_matches_numerical_gradient_of_your_loss"),
    ("07_many_to_one", "gradients accumulated straight into grads after zeroing them, and Bh's via keepdims",
     "sweep secret 9", "test_backward_matches_numerical_gradient_of_your_loss"),
    ("07_many_to_one", "sigmoid through tanh; one_hot through np.eye", "sweep secret 15",
     "test_backward_matches_numerical_gradient_of_your_loss"),
]


@pytest.mark.parametrize("aid, variant, secret, test", FOUND_BY_SWEEPS, ids=lambda v: str(v)[:40])
def test_a_correct_file_keeps_its_points_on_the_draws_sweeps_found(aid, variant, secret, test, monkeypatch,
                                                                    fork_server):
    monkeypatch.setenv("AUTOGRADER_SECRET", secret)
    (entry,) = [p.values[1] for p in cases("variant") if p.values[0] == aid and p.values[1]["name"] == variant]
    assignment, submission = apply(aid, entry)
    result = grade(assignment, submission, fork_server, only=(test,))
    assert [t.passed for t in result.tests] == [True], {t.name: t.output for t in result.tests if not t.passed}


# Draws under which a corpus bug file kept full marks, found by grading the whole blind corpus (tests/corpus)
# under many course secrets: (assignment, file, secret, the hidden test that now catches it under every secret).
SURVIVORS_FOUND_BY_SWEEPS = [
    ("08_rnnlm", "bug_values_perplexity_mean_of_exp.py", "sweep-5de9ff68f263", "test_perplexity_matches_reference"),
    ("08_rnnlm", "bug_values_perplexity_mean_of_exp.py", "sweep-d2b5ab94ac81", "test_perplexity_matches_reference"),
    ("08_rnnlm", "bug_values_perplexity_mean_of_exp.py", "sweep-d760fb50d4a8", "test_perplexity_matches_reference"),
    ("08_rnnlm", "bug_values_perplexity_mean_of_exp.py", "sweep-d26e9d326198", "test_perplexity_matches_reference"),
    ("08_rnnlm", "bug_state_perplexity_no_reset.py", "sweep-d760fb50d4a8", "test_perplexity_starts_from_a_fresh_state"),
    ("07_many_to_one", "bug_values_fit_forgets_by.py", "sweep-7b8d90bc672b", "test_fit_updates_params_and_attributes_in_place"),
]


@pytest.mark.parametrize("aid, name, secret, test", SURVIVORS_FOUND_BY_SWEEPS, ids=lambda v: str(v)[:40])
def test_a_corpus_bug_loses_points_on_the_draws_sweeps_found(aid, name, secret, test, monkeypatch, fork_server):
    monkeypatch.setenv("AUTOGRADER_SECRET", secret)
    assignment = course.load(aid)
    (student_file,) = assignment.student_files
    path = Path(__file__).parent / "corpus" / aid / name
    result = grade(assignment, Submission(path.stem, {student_file: path.read_bytes()}), fork_server, only=(test,))
    assert [t.passed for t in result.tests] == [False], f"{name} passed {test} under {secret!r}"
