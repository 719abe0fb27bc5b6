"""Public tests for 04_softmax_loss. Run them in this folder with `python -m pytest`.

They check the textbook's worked examples, both kinds of target, and a gradient
check; the autograder runs more tests of the same kind on other inputs.
"""

import numpy as np
from numpy.testing import assert_allclose

from layers import SoftmaxWithLoss, cross_entropy_error, softmax


def test_softmax_small_examples():
    assert_allclose(softmax(np.array([0.3, 2.9, 4.0])), [0.01821127, 0.24519181, 0.73659691], rtol=1e-6)
    y = softmax(np.array([1010.0, 1000.0, 990.0]))  # np.exp(1010) alone overflows
    assert np.all(np.isfinite(y))
    assert_allclose(y, [9.99954600e-01, 4.53978686e-05, 2.06106005e-09], rtol=1e-6)


def test_softmax_rows_sum_to_one():
    x = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0], [-2.0, 5.0, 1.0, 0.5]])
    y = softmax(x)
    assert y.shape == (3, 4)
    assert_allclose(y[1], [0.25, 0.25, 0.25, 0.25])
    assert_allclose(np.sum(y, axis=1), [1.0, 1.0, 1.0])  # each row separately


def test_cross_entropy_error_small_examples():
    t = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])                       # the answer is class 2
    good = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    bad = np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])
    # -log(0.6) and -log(0.1); rtol accepts log(y) as well as the textbook's log(y + 1e-7)
    assert_allclose(cross_entropy_error(good, t), 0.5108256, rtol=1e-6)
    assert_allclose(cross_entropy_error(bad, t), 2.3025851, rtol=1e-6)
    y = np.stack([good, bad])
    mean = (0.5108256 + 2.3025851) / 2                                # a mean over the batch
    assert_allclose(cross_entropy_error(y, np.stack([t, t])), mean, rtol=1e-6)  # one-hot targets (2, 10)
    assert_allclose(cross_entropy_error(y, np.array([2, 2])), mean, rtol=1e-6)  # label targets (2,)


def test_softmax_with_loss_labels_and_one_hot_agree():
    x = np.array([[1.0, 2.0, 3.0], [1.0, 0.0, -1.0]])
    labels = np.array([2, 0])
    one_hot = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    by_labels, by_one_hot = SoftmaxWithLoss(), SoftmaxWithLoss()
    loss = by_labels.forward(x, labels)
    assert_allclose(loss, 0.40760596, rtol=1e-6)
    assert_allclose(by_one_hot.forward(x, one_hot), loss, rtol=1e-6)
    dx = by_labels.backward()
    assert dx.shape == (2, 3)
    assert_allclose(dx, (softmax(x) - one_hot) / 2, atol=1e-7)   # divided by the batch size N = 2
    assert_allclose(by_one_hot.backward(), dx, atol=1e-7)


def test_softmax_with_loss_gradient_matches_central_differences():
    rng = np.random.default_rng(5)
    x, labels = rng.normal(size=(3, 4)), np.array([1, 3, 0])
    layer = SoftmaxWithLoss()
    layer.forward(x, labels)
    dx = layer.backward()
    num = np.zeros_like(x)
    h = 1e-3
    for i in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[i] += h
        minus[i] -= h
        num[i] = (SoftmaxWithLoss().forward(plus, labels) - SoftmaxWithLoss().forward(minus, labels)) / (2 * h)
    # loose enough for a float32 layer, far tighter than a wrong formula
    assert_allclose(dx, num, rtol=1e-2, atol=1e-3)
