"""Public tests for 03_affine. Run them in this folder with `python -m pytest`.

They check a small hand-made case, the shapes, and a gradient check; the
autograder runs more tests of the same kind on other inputs.
"""

import numpy as np
from numpy.testing import assert_allclose

from layers import Affine


def numerical_gradient(f, x, dout, h=1e-3):
    """Central differences of sum(f(x) * dout) with respect to x."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + h
        plus = np.sum(f(x) * dout)
        x[i] = saved - h
        minus = np.sum(f(x) * dout)
        x[i] = saved
        grad[i] = (plus - minus) / (2 * h)
    return grad


def test_affine_small_example():
    x = np.array([[1.0, 2.0], [3.0, 4.0], [0.0, -1.0]])         # N = 3, D = 2
    W = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])           # D = 2, M = 3
    b = np.array([0.5, -1.0, 2.0])
    layer = Affine(W, b)
    out = layer.forward(x)
    assert_allclose(out, [[5.5, 1.0, 1.0], [11.5, 3.0, -1.0], [-1.5, -2.0, 2.0]])
    dout = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    dx = layer.backward(dout)
    assert_allclose(dx, [[1.0, 2.0], [0.0, 1.0], [-2.0, 0.0]])
    assert_allclose(layer.dW, [[1.0, 3.0, 0.0], [2.0, 4.0, -2.0]])
    assert_allclose(layer.db, [1.0, 1.0, 2.0])


def test_affine_shapes():
    rng = np.random.default_rng(3)
    n, d, m = 4, 3, 5
    layer = Affine(rng.normal(size=(d, m)), rng.normal(size=m))
    out = layer.forward(rng.normal(size=(n, d)))
    assert out.shape == (n, m)
    dx = layer.backward(rng.normal(size=(n, m)))
    assert dx.shape == (n, d)
    assert layer.dW.shape == (d, m)
    assert layer.db.shape == (m,)  # summed over the batch: not a scalar, not (1, M)


def test_affine_gradients_match_central_differences():
    rng = np.random.default_rng(7)
    n, d, m = 2, 4, 3
    x, W, b = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m)
    dout = rng.normal(size=(n, m))
    layer = Affine(W, b)
    layer.forward(x)
    dx = layer.backward(dout)
    # loose enough for a float32 layer, far tighter than a wrong formula
    assert_allclose(dx, numerical_gradient(lambda v: Affine(W, b).forward(v), x, dout), rtol=1e-2, atol=1e-3)
    assert_allclose(layer.dW, numerical_gradient(lambda v: Affine(v, b).forward(x), W, dout), rtol=1e-2, atol=1e-3)
    assert_allclose(layer.db, numerical_gradient(lambda v: Affine(W, v).forward(x), b, dout), rtol=1e-2, atol=1e-3)
