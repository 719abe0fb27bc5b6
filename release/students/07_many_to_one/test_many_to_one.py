"""Public tests for 07_many_to_one. Run them in this folder with
`python -m autograder check` (a table and an explanation of every failure) or `python -m pytest`.

They check the dataset, a small loss example, the published worked example, a
gradient check and training on the three sentences; the autograder runs more
tests of the same kind on other inputs.
"""

import numpy as np

from autograder import hints
from autograder.checks import (assert_close, assert_gradients, assert_shape, at_precision, fail, judged_precision,
                               numerical_gradient)
from classifier import ManyToOneRNN, bce_loss, make_dataset, one_hot

NAMES = ("Wxh", "Whh", "Bh", "Wy", "By")


def hint_if(condition, key: str, **fields):
    """The hint for `key` when the classic mistake it names is recognised, else None."""
    try:
        return hints.hint(key, **fields) if condition() else None
    except Exception:  # whatever the student returned: no pattern recognised
        return None


def test_one_hot_small_example():
    X = one_hot([("soon", "as"), ("as", "as")])
    expected = np.array([[[0, 1], [1, 0]],
                         [[1, 0], [1, 0]]])
    assert_shape(X, (2, 2, 2), "one_hot(sentences)")
    assert_close(X, expected, "one_hot(sentences)", rtol=0, atol=0, reveal=True,
                 hint=hint_if(lambda: hints.matches(X, 1 - expected), "hint.dataset.swapped_codes"))


def test_make_dataset():
    sentences, X, t = make_dataset()
    expected = [("as", "as", "soon"), ("as", "soon", "as"), ("soon", "as", "as")]
    got = [tuple(s) for s in sentences]
    if got != expected:
        fail("check.public.sentences", actual=got, expected=expected,
             hint=[hint_if(lambda: sorted(got) == expected, "hint.dataset.unsorted"),
                   hint_if(lambda: len(got) == 6, "hint.dataset.duplicates")])
    assert_shape(X, (3, 3, 2), "make_dataset(): X")
    assert_close(X[1], [[1, 0], [0, 1], [1, 0]], "make_dataset(): X[1]", rtol=0, atol=0, reveal=True)
    assert_close(t, [[0], [1], [0]], "make_dataset(): t", rtol=0, atol=0, reveal=True,
                 hint=hint_if(lambda: np.shape(t) == (3,), "hint.dataset.label_shape", actual=(3,), expected=(3, 1)))


def test_bce_loss_small_example():
    y_hat = np.array([[0.9], [0.2]])
    y = np.array([[1.0], [0.0]])
    expected = -(np.log(0.9) + np.log(0.8)) / 2
    loss = bce_loss(y_hat, y)
    assert_close(loss, expected, "bce_loss(y_hat, y)", rtol=1e-6, reveal=True,
                 hint=[hint_if(lambda: hints.matches(loss, 2 * expected), "hint.bce.summed"),
                       hint_if(lambda: hints.matches(loss, -expected), "hint.bce.sign")])


def test_published_example():
    model = ManyToOneRNN()
    xs = np.array([[[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]])  # ("as", "as", "soon")
    y_hat = model.forward(xs)
    assert_shape(y_hat, (1, 1), "ManyToOneRNN.forward(xs)")
    assert_close(y_hat, [[0.57238818]], "ManyToOneRNN.forward(xs)", rtol=1e-5, reveal=True)
    assert_close(model.loss(xs, np.array([[0.0]])), 0.8495394526507959, "ManyToOneRNN.loss(xs, t)",
                 rtol=1e-5, reveal=True)


def _model_with(params):
    """A new model holding `params` (both as the attributes and as the params list)."""
    model = ManyToOneRNN()
    for name, value in zip(NAMES, params):
        setattr(model, name, value)
    model.params = list(params)
    return model


def test_backward_matches_central_differences():
    _, X, t = make_dataset()
    model = ManyToOneRNN()
    model.loss(X, t)
    model.backward()
    params = [p.copy() for p in model.params]
    # A model that keeps its hidden states in float32 (the textbook's dtype='f') is only
    # float32-accurate: judged by the published example, its gradients get the float32 tolerance.
    published = ManyToOneRNN().loss(np.array([[[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]]), np.array([[0.0]]))
    kind = judged_precision(published, 0.8495394526507959, "ManyToOneRNN.loss(xs, t)")
    cast = np.float32 if kind == "float32" else np.float64

    def loss_with(i):
        return lambda v: cast(np.asarray(_model_with(params[:i] + [v] + params[i + 1:]).loss(X, t), dtype=float))

    gradients = {f"d{name}": (at_precision(model.grads[i], kind),
                              numerical_gradient(loss_with(i), params[i], None, "ManyToOneRNN.loss"))
                 for i, name in enumerate(NAMES)}
    n = X.shape[0]
    too_large = hint_if(lambda: all(hints.matches(a, n * np.asarray(num)) for a, num in gradients.values()),
                        "hint.many_to_one.mean_gradient")
    assert_gradients(gradients, "ManyToOneRNN.backward", reveal=True, hint=too_large, through="ManyToOneRNN.loss")


def test_fit_learns_the_three_sentences():
    _, X, t = make_dataset()
    model = ManyToOneRNN()
    losses = model.fit(X, t, 0.2, 300)
    if not isinstance(losses, list) or len(losses) != 300:
        count = len(losses) if hasattr(losses, "__len__") else 0
        fail("check.public.fit_losses", count=count, epochs=300,
             hint=hints.hint("hint.fit.losses_list", kind=type(losses).__name__))
    if not losses[-1] < 0.1 * losses[0]:
        fail("check.public.fit_learns", first=f"{losses[0]:.4g}", last=f"{losses[-1]:.4g}")
    labels = model.predict(X)
    assert_close(labels, t, "ManyToOneRNN.predict(X) after fit", rtol=0, atol=0, reveal=True,
                 hint=hint_if(lambda: np.any((np.asarray(labels) > 0) & (np.asarray(labels) < 1)),
                              "hint.predict.probabilities"))
