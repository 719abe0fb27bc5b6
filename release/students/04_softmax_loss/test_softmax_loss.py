"""Public tests for 04_softmax_loss. Run them in this folder with
`python -m autograder check` (a table and an explanation of every failure) or `python -m pytest`.

They check the textbook's worked examples, both kinds of target, and a gradient
check; the autograder runs more tests of the same kind on other inputs.
"""

import numpy as np

from autograder import hints, messages
from autograder.assertions import assert_close, assert_gradient, assert_shape, numerical_gradient
from layers import SoftmaxWithLoss, cross_entropy_error, softmax


def say(key: str, **fields) -> str:
    """A label in the language of the check (the public tests' words live in the catalogue)."""
    return messages.text(f"public.{key}", **fields)


# The classic mistakes, recognised from what a function returned. A hint shows only when its check fails.

@hints.detector
def normalised_over_the_whole_batch(y):
    """softmax of a batch whose rows do not sum to 1, but whose columns or whole array do."""
    y = np.asarray(y, dtype=float)
    if not np.allclose(np.sum(y, axis=-1), 1) and (np.isclose(np.sum(y), 1) or np.allclose(np.sum(y, axis=0), 1)):
        return hints.hint("hint.softmax.row_sum")


@hints.detector
def loss_bug(loss, y, t, expected):
    """The loss summed over the batch, divided by N * C, or from label targets read the wrong way."""
    n = y.shape[0] if y.ndim == 2 else 1
    labels = t.argmax(axis=-1) if t.size == y.size else t
    if n > 1 and len(set(np.ravel(labels).tolist())) == 1 and hints.matches(loss, expected * n):
        return None  # every target is the same class: a sum over the batch and y[:, t] give the same number
    if n > 1 and hints.matches(loss, -np.sum(np.log(y[:, labels] + 1e-7)) / n):
        return hints.hint("hint.cross_entropy.label_indexing")
    if t.size != y.size and hints.matches(loss, -np.sum(t * np.log(y + 1e-7)) / n):
        return hints.hint("hint.loss.labels_as_one_hot")
    if n > 1 and hints.matches(loss, expected * n):
        return hints.hint("hint.cross_entropy.summed")
    if hints.matches(loss, expected * n / y.size):
        return hints.hint("hint.cross_entropy.mean_over_all")


@hints.detector
def dx_bug(dx, expected, n):
    """dx without the division by the batch size, or with its sign flipped."""
    if n > 1 and hints.matches(dx, np.asarray(expected) * n):
        return hints.hint("hint.softmax_loss.dx_scale", formula="y - t")
    if hints.matches(dx, -np.asarray(expected)):
        return hints.hint("hint.backward.sign_flipped", name="dx", formula="dx = (y - t) / N")


def test_softmax_small_examples():
    x = np.array([0.3, 2.9, 4.0])
    y = softmax(x)
    assert_close(y, [0.01821127, 0.24519181, 0.73659691], "softmax(x)", rtol=1e-6, reveal=True)
    x = np.array([1010.0, 1000.0, 990.0])
    y = softmax(x)  # np.exp(1010) alone overflows: nan or inf is wrong
    assert_close(x, [1010.0, 1000.0, 990.0], say("input_after_forward", method="softmax"), rtol=0, atol=0,
                 reveal=True)
    assert_close(y, [9.99954600e-01, 4.53978686e-05, 2.06106005e-09], "softmax(np.array([1010.0, 1000.0, 990.0]))",
                 rtol=1e-6, reveal=True, hint=hints.overflow(y))


def test_softmax_rows_sum_to_one():
    x = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0], [-2.0, 5.0, 1.0, 0.5]])
    y = softmax(x)
    bug = normalised_over_the_whole_batch(y)
    assert_shape(y, (3, 4), say("of_a_batch", code="softmax(x)"), hint=bug)
    assert_close(y[1], [0.25, 0.25, 0.25, 0.25], "softmax(x)[1]", reveal=True, hint=bug)
    assert_close(np.sum(y, axis=1), [1.0, 1.0, 1.0], say("row_sums", code="softmax(x)"), reveal=True, hint=bug)


def test_cross_entropy_error_small_examples():
    t = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])                       # the answer is class 2
    good = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    bad = np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])
    # -log(0.6) and -log(0.1); rtol accepts log(y) as well as the textbook's log(y + 1e-7)
    cases = [(good, t, 0.5108256, "cross_entropy_error(y, t)"),
             (bad, t, 2.3025851, "cross_entropy_error(y, t)")]
    y = np.stack([good, bad])
    mean = (0.5108256 + 2.3025851) / 2                                # a mean over the batch
    cases += [(y, np.stack([t, t]), mean, say("with_one_hot_t", code="cross_entropy_error(y, t)", shape=(2, 10))),
              (y, np.array([2, 2]), mean, say("with_labels_t", code="cross_entropy_error(y, t)", shape=(2,)))]
    for probs, target, expected, what in cases:
        loss = cross_entropy_error(probs, target)
        assert_close(loss, expected, what, rtol=1e-6, reveal=True, hint=loss_bug(loss, probs, target, expected))


def test_softmax_with_loss_labels_and_one_hot_agree():
    x = np.array([[1.0, 2.0, 3.0], [1.0, 0.0, -1.0]])
    labels = np.array([2, 0])
    one_hot = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    by_labels, by_one_hot = SoftmaxWithLoss(), SoftmaxWithLoss()
    loss = by_labels.forward(x, labels)
    assert_close(loss, 0.40760596, say("with_labels_t", code="SoftmaxWithLoss.forward(x, t)", shape=(2,)),
                 rtol=1e-6, reveal=True,
                 hint=loss_bug(loss, softmax(x), labels, 0.40760596))
    assert_close(by_one_hot.forward(x, one_hot), loss,
                 say("with_one_hot_t", code="SoftmaxWithLoss.forward(x, t)", shape=(2, 3)), rtol=1e-6, reveal=True)
    dx = by_labels.backward()
    assert_shape(dx, (2, 3), "SoftmaxWithLoss.backward()")
    expected = (softmax(x) - one_hot) / 2
    assert_close(dx, expected, say("divided_by_batch", code="SoftmaxWithLoss.backward()", n=2),
                 atol=1e-7, reveal=True, hint=dx_bug(dx, expected, 2))
    assert_close(by_one_hot.backward(), dx, say("with_one_hot_t", code="SoftmaxWithLoss.backward()", shape=(2, 3)),
                 atol=1e-7, reveal=True)
    assert_close(by_one_hot.backward(), dx, "SoftmaxWithLoss.backward(): " + say("called_a_second_time"),
                 atol=1e-7, reveal=True)
    by_ints = SoftmaxWithLoss()  # one-hot targets of an integer dtype, as the textbook writes them
    assert_close(by_ints.forward(x, one_hot.astype(int)), loss,
                 say("with_one_hot_t", code="SoftmaxWithLoss.forward(x, t.astype(int))", shape=(2, 3)), rtol=1e-6,
                 reveal=True)
    assert_close(by_ints.backward(), dx, say("with_one_hot_t", code="SoftmaxWithLoss.backward()", shape=(2, 3)),
                 atol=1e-7, reveal=True)
    # the same layer again: a second backward, a new batch size with new targets, scores up to 1000
    assert_close(by_labels.backward(), dx, "SoftmaxWithLoss.backward(): " + say("called_a_second_time"),
                 atol=1e-7, reveal=True)
    for scores, targets in ((np.array([[0.5, -1.0, 2.0], [3.0, 1.0, 0.0], [0.0, 0.0, 0.0]]), np.array([1, 0, 2])),
                            (np.array([[1000.0, 990.0, 1010.0], [0.0, 2.0, 1.0]]), np.array([2, 1]))):
        fresh = SoftmaxWithLoss()
        fresh.forward(scores, targets)
        # -log softmax at the targets, with the log of the row sums taken stably (np.logaddexp)
        expected = -np.mean(scores[np.arange(len(scores)), targets] - np.logaddexp.reduce(scores, axis=1))
        got = by_labels.forward(scores, targets)
        label = say("reused_on_new_inputs", n=len(scores))
        assert_close(got, expected, f"SoftmaxWithLoss.forward(x, t): {label}", rtol=1e-6, reveal=True,
                     hint=large_scores_bug(got, scores, targets))
        assert_close(by_labels.backward(), fresh.backward(), f"SoftmaxWithLoss.backward(): {label}", atol=1e-7,
                     reveal=True)


def large_scores_bug(loss, scores, targets):
    """nan or inf on large scores: no max subtracted at all, or one max for the whole batch (each row alone is fine)."""
    if np.all(np.isfinite(np.asarray(loss, dtype=float))):
        return None
    try:
        alone = [SoftmaxWithLoss().forward(scores[i:i + 1], targets[i:i + 1]) for i in range(len(scores))]
        if np.all(np.isfinite(np.asarray(alone, dtype=float))):
            return hints.hint("hint.softmax.row_max")
    except Exception:  # whatever the student's layer does here: no pattern recognised
        pass
    return hints.overflow(loss)


def test_softmax_with_loss_gradient_matches_central_differences():
    rng = np.random.default_rng(5)
    x, labels = rng.normal(size=(3, 4)), np.array([1, 3, 0])
    layer = SoftmaxWithLoss()
    layer.forward(x, labels)
    dx = layer.backward()
    num = numerical_gradient(lambda v: SoftmaxWithLoss().forward(v, labels), x, None, "SoftmaxWithLoss.forward")
    assert_gradient(dx, num, "SoftmaxWithLoss.backward()", reveal=True,
                    hint=[dx_bug(dx, num, 3), hints.overflow(dx)])
