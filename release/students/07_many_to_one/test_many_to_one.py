"""Public tests for 07_many_to_one. Run them in this folder with `python -m pytest`.

They check the dataset, a small loss example, the published worked example, a
gradient check and training on the three sentences; the autograder runs more
tests of the same kind on other inputs.
"""

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal

from classifier import ManyToOneRNN, bce_loss, make_dataset, one_hot

NAMES = ("Wxh", "Whh", "Bh", "Wy", "By")


def test_one_hot_small_example():
    X = one_hot([("soon", "as"), ("as", "as")])
    assert X.shape == (2, 2, 2)
    assert_array_equal(X, [[[0, 1], [1, 0]],
                           [[1, 0], [1, 0]]])


def test_make_dataset():
    sentences, X, t = make_dataset()
    assert [tuple(s) for s in sentences] == [("as", "as", "soon"), ("as", "soon", "as"), ("soon", "as", "as")]
    assert X.shape == (3, 3, 2)
    assert_array_equal(X[1], [[1, 0], [0, 1], [1, 0]])
    assert_array_equal(t, [[0], [1], [0]])


def test_bce_loss_small_example():
    y_hat = np.array([[0.9], [0.2]])
    y = np.array([[1.0], [0.0]])
    expected = -(np.log(0.9) + np.log(0.8)) / 2
    assert_allclose(bce_loss(y_hat, y), expected, rtol=1e-6)


def test_published_example():
    model = ManyToOneRNN()
    xs = np.array([[[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]])  # ("as", "as", "soon")
    y_hat = model.forward(xs)
    assert y_hat.shape == (1, 1)
    assert_allclose(y_hat, [[0.57238818]], rtol=1e-5)
    assert_allclose(model.loss(xs, np.array([[0.0]])), 0.8495394526507959, rtol=1e-5)


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
    h = 1e-3
    for i, name in enumerate(NAMES):
        assert model.grads[i].shape == params[i].shape, name
        numerical = np.zeros_like(params[i])
        for index in np.ndindex(params[i].shape):
            for sign in (1, -1):
                changed = [p.copy() for p in params]
                changed[i][index] += sign * h
                numerical[index] += sign * _model_with(changed).loss(X, t) / (2 * h)
        # loose enough for a float32 model, far tighter than a wrong gradient
        assert_allclose(model.grads[i], numerical, rtol=1e-2, atol=1e-4, err_msg=f"d{name}")


def test_fit_learns_the_three_sentences():
    _, X, t = make_dataset()
    model = ManyToOneRNN()
    losses = model.fit(X, t, 0.2, 300)
    assert len(losses) == 300
    assert losses[-1] < 0.1 * losses[0]
    assert_array_equal(model.predict(X), t)
