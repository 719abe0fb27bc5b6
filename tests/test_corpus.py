"""The blind corpus: student submissions written from what a student sees, graded by the hidden tests.

tests/corpus/<assignment>/ holds whole student files written from the assignment's
README, stub and public tests alone (never from the hidden tests or the mutants),
so that they measure the grader rather than echo it:

- correct_<style>.py: right in some style a student writes (the textbook's phrasing,
  explicit loops, einsum or @, float32 throughout, dict or tuple caches, ...);
  each must score full marks;
- bug_<class>_<short>.py: one realistic mistake, named by its property class
  (values, grad, reuse, cache, state, inplace, edges, kind, hardcode, nothing);
  each must lose points;
- bug_nothing_zeros.py: the right API computing nothing (zeros, constants), which
  by the grading contract scores 0.

The first line of every file says what it is (`# correct: <style>` or `# bug: <sentence>`).
Where the grader and the corpus disagree today, the case is a strict xfail with
the reason, so that it flips to a failure the day the grader catches up.
One grade per file: about a second each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import course
from autograder.grade import grade
from autograder.submission import Submission

CORPUS = Path(__file__).parent / "corpus"
ASSIGNMENTS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())

# Bug files that keep full marks today: (assignment, file) -> the property class and what no hidden test looks at.
SURVIVORS: dict[tuple[str, str], str] = {
    ("01_computational_graph", "bug_kind_atleast_1d.py"):
        "kind: numbers come back as arrays of shape (1,); no test checks the shape () of a scalar result",
    ("01_computational_graph", "bug_kind_list_return.py"):
        "kind: backward returns a list; the README asks for a tuple and no test checks the type of the pair",
    ("02_activations", "bug_cache_sigmoid_out_not_kept.py"):
        "cache: out is kept from the first forward only; no test calls forward twice before backward or reads out after a second forward",
    ("02_activations", "bug_edges_sigmoid_inplace_int.py"):
        "integer inputs: np.exp(out, out=out) on an integer copy of x raises; no test feeds integer x "
        "(the README names no dtype for x, so this one is arguable)",
    ("02_activations", "bug_inplace_relu_modifies_x.py"):
        "in place: Relu.forward zeroes x itself; the README forbids it and the public test catches it, no hidden test does",
    ("02_activations", "bug_reuse_sigmoid_buffer.py"):
        "reuse: a Sigmoid reused with an input of another shape broadcasts into its first shape; no test reuses a layer with a new shape",
    ("02_activations", "bug_values_tanh_hand_formula.py"):
        "edges: the hand-written tanh is nan for |x| > ~355; no test feeds Tanh inputs of large magnitude",
    ("03_affine", "bug_reuse_ones_first_batch.py"):
        "reuse: the bias goes through a column of ones sized for the first batch; no test reuses a layer with a new batch size",
    ("04_softmax_loss", "bug_inplace_labels_y_modified.py"):
        "in place: backward with labels subtracts 1 from self.y itself; no test reads y after backward or calls backward twice",
    ("04_softmax_loss", "bug_kind_int_onehot_targets.py"):
        "integer targets: y - t computed in an integer one-hot target's dtype gives -t / N; no test passes integer one-hot targets",
    ("04_softmax_loss", "bug_kind_loss_array.py"):
        "kind: cross_entropy_error returns shape (1,) instead of a scalar; no test checks the loss is a scalar",
    ("04_softmax_loss", "bug_reuse_first_targets.py"):
        "reuse: SoftmaxWithLoss keeps the targets of its first forward; no test runs backward after a second forward with new targets",
    ("05_rnn_cell", "bug_cache_first_forward_only.py"):
        "cache: the cache is filled by the first forward only; no test runs backward after a second forward",
    ("05_rnn_cell", "bug_state_cell_keeps_own_h.py"):
        "state: the cell replaces h_prev by its own last output from the second call on; no test calls forward twice",
    ("05_rnn_cell", "bug_grads_order_swapped.py"):
        "values: dWx and dWh swapped when D == H; every hidden input has D != H",
    ("05_rnn_cell", "bug_kind_backward_returns_list.py"):
        "kind: backward returns a list; the README asks for the pair (dx, dh_prev) and no test checks the type",
    ("05_rnn_cell", "bug_reuse_output_buffer.py"):
        "reuse: h_next is written into a buffer of the first call; no test calls forward twice (new batch size, or keeping the first output)",
    ("06_time_rnn", "bug_kind_embedding_returns_dw.py"):
        "kind: Embedding.backward returns dW; the README says it returns None and no test checks it",
    ("06_time_rnn", "bug_reuse_layers_built_once.py"):
        "reuse: TimeRNN builds its cells on the first forward only; no test reuses a TimeRNN with another T",
    ("07_many_to_one", "bug_edges_sigmoid_ratio.py"):
        "edges: exp(a) / (1 + exp(a)) is nan for a > ~709; with h in [-1, 1] only huge Wy or By reach it, and no test sets them",
    ("07_many_to_one", "bug_kind_bce_shape_one.py"):
        "kind: bce_loss returns shape (1,) instead of a single number; no test checks the loss is a scalar",
    ("07_many_to_one", "bug_kind_sentences_lists.py"):
        "kind: make_dataset gives the sentences as lists; the README asks for a list of tuples and no test checks the type",
    ("07_many_to_one", "bug_kind_predict_bool.py"):
        "kind: predict returns booleans; the README asks for an int array and no test checks the dtype",
}

# Correct files that lose points today: (assignment, file) -> the failing tests. None at the last run.
FALSE_FAILS: dict[tuple[str, str], str] = {}

# "Computes nothing" files that still earn points today: (assignment, file) -> the tests that pay them.
# Shape, in-place and list-order tests pay without correct values, and a constant forward with zero
# gradients agrees with central differences of itself.
NULL_POINTS: dict[tuple[str, str], str] = {
    ("01_computational_graph", "bug_nothing_zeros.py"):
        "5/18 from test_mul_gradients_have_the_shape_of_the_inputs, test_mul_reused_layer_uses_the_new_inputs, "
        "test_mul_gradients_match_numerical_gradients, test_add_gradients_match_numerical_gradients",
    ("02_activations", "bug_nothing_zeros.py"):
        "6/22 from the three *_output_and_gradient_keep_the_input_shape and the three *_gradient_matches_numerical_gradient",
    ("03_affine", "bug_nothing_zeros.py"):
        "3/16 from test_affine_gradients_have_the_shapes_of_x_W_and_b, test_affine_gradients_match_numerical_gradient",
    ("04_softmax_loss", "bug_nothing_zeros.py"):
        "4/25 from test_cross_entropy_error_is_the_mean_over_the_batch, "
        "test_softmax_with_loss_gradient_is_averaged_over_the_batch, test_softmax_with_loss_gradient_matches_numerical_gradient",
    ("05_rnn_cell", "bug_nothing_zeros.py"):
        "7/20 from test_rnn_params_and_grads_are_lists_in_the_order_wx_wh_b, test_rnn_outputs_and_gradients_have_the_right_shapes, "
        "test_rnn_grads_are_written_in_place, test_rnn_dx_and_dh_prev_match_numerical_gradient, "
        "test_rnn_parameter_gradients_match_numerical_gradient",
    ("06_time_rnn", "bug_nothing_zeros.py"):
        "14/50 from the shape, grads-in-place and numerical-gradient tests of all four layers",
    ("07_many_to_one", "bug_nothing_zeros.py"):
        "8/36 from test_one_hot_has_shape_n_t_2, test_bce_loss_is_finite_for_probabilities_of_exactly_0_or_1, "
        "test_forward_returns_one_row_of_probabilities_per_sequence, test_backward_matches_numerical_gradient_of_your_loss, "
        "test_grads_have_the_shapes_of_their_params, test_backward_writes_grads_in_place, test_fit_returns_one_loss_per_epoch",
}


def _files(prefix: str):
    for aid in ASSIGNMENTS:
        for path in sorted((CORPUS / aid).glob(f"{prefix}*.py")):
            yield aid, path


def _params(prefix: str, known: dict[tuple[str, str], str]):
    return [pytest.param(aid, path, id=f"{aid}/{path.stem}",
                         marks=[pytest.mark.xfail(strict=True, reason=known[aid, path.name])]
                         if (aid, path.name) in known else [])
            for aid, path in _files(prefix)]


_GRADED: dict[Path, object] = {}  # one grade per file, though bug_nothing files are asserted on twice


def _grade(fork_server, aid: str, path: Path):
    if path not in _GRADED:
        assignment = course.load(aid)
        (student_file,) = assignment.student_files
        submission = Submission(path.stem, {student_file: path.read_bytes()})
        _GRADED[path] = grade(assignment, submission, fork_server, lang="en")
    return _GRADED[path]


def _failures(result) -> str:
    return "\n".join(f"{t.name}: {t.output.splitlines()[0] if t.output else ''}" for t in result.tests if not t.passed)


@pytest.mark.parametrize("aid, path", _params("correct_", FALSE_FAILS))
def test_correct_submission_scores_full_marks(aid, path, fork_server):
    result = _grade(fork_server, aid, path)
    assert result.score == result.max_score, f"{result.score}/{result.max_score}\n{_failures(result)}"


@pytest.mark.parametrize("aid, path", _params("bug_", SURVIVORS))
def test_buggy_submission_loses_points(aid, path, fork_server):
    result = _grade(fork_server, aid, path)
    assert result.score < result.max_score, f"{path.name} kept {result.score}/{result.max_score}"


@pytest.mark.parametrize("aid, path", _params("bug_nothing", NULL_POINTS))
def test_submission_computing_nothing_scores_zero(aid, path, fork_server):
    result = _grade(fork_server, aid, path)
    paid = [t.name for t in result.tests if t.score > 0]
    assert result.score == 0, f"{result.score}/{result.max_score} from {paid}"


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_corpus_covers_the_assignment(aid):
    """At least 4 correct styles, 8 bugs and one null submission, each labelled on its first line."""
    folder = CORPUS / aid
    correct = sorted(folder.glob("correct_*.py"))
    bugs = sorted(folder.glob("bug_*.py"))
    assert len(correct) >= 4 and len(bugs) >= 8, (len(correct), len(bugs))
    assert (folder / "bug_nothing_zeros.py").exists()
    assert {p.name for p in folder.glob("*.py")} == {p.name for p in correct + bugs}
    for path in correct:
        assert path.read_text(encoding="utf-8-sig").startswith("# correct: "), path.name
    for path in bugs:
        assert path.read_text(encoding="utf-8-sig").startswith("# bug: "), path.name


def test_every_assignment_has_a_corpus():
    assert set(ASSIGNMENTS) >= {"01_computational_graph", "02_activations", "03_affine", "04_softmax_loss",
                                "05_rnn_cell", "06_time_rnn", "07_many_to_one"}
