"""Public tests for 03_affine. Run them in this folder with
`python -m autograder check` (a table and an explanation of every failure) or `python -m pytest`.

They check a small hand-made case, the shapes, and a gradient check; the
autograder runs more tests of the same kind on other inputs.
"""

import numpy as np

from autograder import hints
from autograder.checks import assert_close, assert_gradients, assert_shape, numerical_gradient
from layers import Affine


def test_affine_small_example():
    x = np.array([[1.0, 2.0], [3.0, 4.0], [0.0, -1.0]])         # N = 3, D = 2
    W = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])           # D = 2, M = 3
    b = np.array([0.5, -1.0, 2.0])
    layer = Affine(W, b)
    out = layer.forward(x)
    assert_close(out, [[5.5, 1.0, 1.0], [11.5, 3.0, -1.0], [-1.5, -2.0, 2.0]], "Affine.forward(x)", reveal=True,
                 hint=hints.no_bias(out, x @ W, x @ W + b))
    dout = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    dx = layer.backward(dout.copy())
    assert_close(dx, [[1.0, 2.0], [0.0, 1.0], [-2.0, 0.0]], "Affine.backward(dout): dx", reveal=True,
                 hint=hints.affine_dx(dx, dout, W))
    assert_close(layer.dW, [[1.0, 3.0, 0.0], [2.0, 4.0, -2.0]], "Affine.backward: self.dW", reveal=True,
                 hint=[hints.affine_dW(layer.dW, x, dout), hints.divided_by_batch(layer.dW, x.T @ dout, 3, "dW")])
    assert_close(layer.db, [1.0, 1.0, 2.0], "Affine.backward: self.db", reveal=True,
                 hint=[hints.affine_db_shape(layer.db, b), hints.divided_by_batch(layer.db, dout.sum(axis=0), 3, "db")])


def test_affine_shapes():
    rng = np.random.default_rng(3)
    n, d, m = 4, 3, 5
    W, b, x, dout = rng.normal(size=(d, m)), rng.normal(size=m), rng.normal(size=(n, d)), rng.normal(size=(n, m))
    layer = Affine(W, b)
    out = layer.forward(x)
    assert_shape(out, (n, m), "Affine.forward(x)")
    dx = layer.backward(dout.copy())
    assert_shape(dx, (n, d), "Affine.backward(dout): dx", hint=hints.affine_dx(dx, dout, W))
    assert_shape(layer.dW, (d, m), "Affine.backward: self.dW", hint=hints.affine_dW(layer.dW, x, dout))
    # summed over the batch: not a scalar, not (1, M)
    assert_shape(layer.db, (m,), "Affine.backward: self.db", hint=hints.affine_db_shape(layer.db, b))


def test_affine_gradients_match_central_differences():
    rng = np.random.default_rng(7)
    n, d, m = 2, 3, 3  # a square W: dout @ W, a missing transpose, runs and is recognised
    x, W, b = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m)
    dout = rng.normal(size=(n, m))
    layer = Affine(W, b)
    layer.forward(x)
    dx = layer.backward(dout.copy())  # a backward may reuse dout's memory
    # forward is linear in each of x, W and b: central differences are exact at any step, and a
    # step of 1 keeps float32 rounding inside forward from showing
    gradients = {
        "dx": (dx, numerical_gradient(lambda v: Affine(W, b).forward(v), x, dout, "Affine.forward", step=1.0)),
        "dW": (layer.dW, numerical_gradient(lambda v: Affine(v, b).forward(x), W, dout, "Affine.forward", step=1.0)),
        "db": (layer.db, numerical_gradient(lambda v: Affine(W, v).forward(x), b, dout, "Affine.forward", step=1.0)),
    }
    assert_gradients(gradients, "Affine.backward", reveal=True,
                     hint=[hints.affine_dx(dx, dout, W), hints.affine_dW(layer.dW, x, dout),
                           hints.affine_db_shape(layer.db, b),
                           hints.divided_by_batch(layer.dW, x.T @ dout, n, "dW"),
                           hints.divided_by_batch(layer.db, dout.sum(axis=0), n, "db")])
