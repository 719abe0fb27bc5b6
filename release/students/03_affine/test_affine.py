"""Public tests for 03_affine. Run them in this folder with
`python -m autograder check` (a table and an explanation of every failure) or `python -m pytest`.

They check a small hand-made case, the shapes, and a gradient check; the
autograder runs more tests of the same kind on other inputs.
"""

import numpy as np

from autograder import hints, messages
from autograder.assertions import assert_close, assert_gradients, assert_shape, numerical_gradient
from layers import Affine


def say(key: str, **fields) -> str:
    """A label in the language of the check (the public tests' words live in the catalogue)."""
    return messages.text(f"public.{key}", **fields)


# The classic mistakes, recognised from what backward returned. A hint shows only when its check fails.

@hints.detector
def dx_bug(dx, dout, W):
    """dx as dout @ W (a square W alone gives the right shape), or with the shape (D, N) of a transpose."""
    if W.shape[0] == W.shape[1] and hints.matches(dx, dout @ W):
        return hints.hint("hint.affine.dx_missing_transpose")
    if np.shape(dx) == (W.shape[0], dout.shape[0]) != (dout.shape[0], W.shape[0]):
        return hints.hint("hint.affine.dx_transposed", actual=np.shape(dx), expected=(dout.shape[0], W.shape[0]))


@hints.detector
def dW_bug(dW, W):
    """dW with the shape (M, D) of a transpose."""
    if np.shape(dW) == W.T.shape != W.shape:
        return hints.hint("hint.affine.dW_transposed", actual=np.shape(dW), expected=W.shape)


@hints.detector
def db_bug(db, b):
    """db summed over every axis (a scalar), or kept as a row (1, M)."""
    if db is not None and np.shape(db) != b.shape:
        return hints.hint("hint.affine.db_batch_axis", actual=np.shape(db), expected=b.shape)


def test_affine_small_example():
    x = np.array([[1.0, 2.0], [3.0, 4.0], [0.0, -1.0]])         # N = 3, D = 2
    W = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])           # D = 2, M = 3
    b = np.array([0.5, -1.0, 2.0])
    layer = Affine(W, b)
    out = layer.forward(x)
    expected = [[5.5, 1.0, 1.0], [11.5, 3.0, -1.0], [-1.5, -2.0, 2.0]]
    assert_close(out, expected, "Affine.forward(x)", reveal=True, hint=hints.no_bias(out, x @ W, expected))
    dout = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    dx = layer.backward(dout.copy())
    assert_close(dx, [[1.0, 2.0], [0.0, 1.0], [-2.0, 0.0]], "Affine.backward(dout): dx", reveal=True,
                 hint=dx_bug(dx, dout, W))
    dW, db = [[1.0, 3.0, 0.0], [2.0, 4.0, -2.0]], [1.0, 1.0, 2.0]
    assert_close(layer.dW, dW, "Affine.backward: self.dW", reveal=True,
                 hint=[dW_bug(layer.dW, W), hints.divided_by_batch(layer.dW, dW, 3, "dW")])
    assert_close(layer.db, db, "Affine.backward: self.db", reveal=True,
                 hint=[db_bug(layer.db, b), hints.divided_by_batch(layer.db, db, 3, "db")])
    reused_like_a_fresh_layer(layer, W, b, x, out, dout)


def reused_like_a_fresh_layer(layer, W, b, x1, out1, dout1):
    """A layer used again (a second backward, new inputs, a batch of one) gives what a fresh layer gives."""
    first = [np.array(layer.dW, dtype=float), np.array(layer.db, dtype=float)]
    layer.backward(dout1.copy())
    for name, value, once in (("dW", layer.dW, first[0]), ("db", layer.db, first[1])):
        assert_close(value, once, f"Affine.backward: self.{name}, " + say("after_second_backward", name=name),
                     reveal=True, hint=hints.accumulates(value, once, name))
    for x2 in (x1[::-1] * 2.0, x1[:1] - 1.0):  # new inputs of the same batch size, then a batch of one
        dout2 = np.ones((len(x2), W.shape[1]))
        fresh = Affine(W, b)
        expected = fresh.forward(x2)
        out2 = layer.forward(x2)
        label = say("reused_on_new_inputs", n=len(x2))
        assert_shape(out2, (len(x2), W.shape[1]), f"Affine.forward(x): {label}")
        assert_close(out2, expected, f"Affine.forward(x): {label}", reveal=True,
                     hint=hints.stale_input(out2, out1, expected) if len(x2) == len(x1) else None)
        dx2, fresh_dx = layer.backward(dout2.copy()), fresh.backward(dout2.copy())
        assert_shape(dx2, x2.shape, f"Affine.backward(dout): dx, {label}")
        assert_close(dx2, fresh_dx, f"Affine.backward(dout): dx, {label}", reveal=True)
        stale = Affine(W, b)  # what the first inputs give with the new dout: a layer that kept them
        stale.forward(x1)
        if len(x2) == len(x1):
            stale.backward(dout2.copy())
        for name in ("dW", "db"):
            got, right = getattr(layer, name), getattr(fresh, name)
            kept = hints.stale_input(got, getattr(stale, name), right) if len(x2) == len(x1) else None
            assert_close(got, right, f"Affine.backward: self.{name}, {label}", reveal=True,
                         hint=[kept, hints.accumulates(got, right, name, previous=first[0] if name == "dW" else first[1])])


def test_affine_shapes():
    rng = np.random.default_rng(3)
    n, d, m = 4, 3, 5
    W, b, x, dout = rng.normal(size=(d, m)), rng.normal(size=m), rng.normal(size=(n, d)), rng.normal(size=(n, m))
    layer = Affine(W, b)
    out = layer.forward(x)
    assert_shape(out, (n, m), "Affine.forward(x)")
    dx = layer.backward(dout.copy())
    assert_shape(dx, (n, d), "Affine.backward(dout): dx", hint=dx_bug(dx, dout, W))
    assert_shape(layer.dW, (d, m), "Affine.backward: self.dW", hint=dW_bug(layer.dW, W))
    # summed over the batch: not a scalar, not (1, M)
    assert_shape(layer.db, (m,), "Affine.backward: self.db", hint=db_bug(layer.db, b))


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
    num_dx = numerical_gradient(lambda v: Affine(W, b).forward(v), x, dout, "Affine.forward", step=1.0)
    num_dW = numerical_gradient(lambda v: Affine(v, b).forward(x), W, dout, "Affine.forward", step=1.0)
    num_db = numerical_gradient(lambda v: Affine(W, v).forward(x), b, dout, "Affine.forward", step=1.0)
    assert_gradients({"dx": (dx, num_dx), "dW": (layer.dW, num_dW), "db": (layer.db, num_db)},
                     "Affine.backward", reveal=True,
                     hint=[dx_bug(dx, dout, W), dW_bug(layer.dW, W), db_bug(layer.db, b),
                           hints.divided_by_batch(layer.dW, num_dW, n, "dW"),
                           hints.divided_by_batch(layer.db, num_db, n, "db")])
