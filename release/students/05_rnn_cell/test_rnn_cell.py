"""Public tests for 05_rnn_cell. Run them in this folder with
`python -m autograder check` (a table and an explanation of every failure) or `python -m pytest`.

They check a small worked example, the shapes, that grads is written in place
and a gradient check; the autograder runs more tests of the same kind on other
inputs.
"""

import numpy as np

from autograder import hints, messages
from autograder.assertions import assert_close, assert_gradients, assert_shape, fail, numerical_gradient
from layers import RNN


def say(key: str, **fields) -> str:
    """A label in the language of the check (the public tests' words live in the catalogue)."""
    return messages.text(f"public.{key}", **fields)

# loose enough for a float32 implementation, far tighter than any wrong formula
TOL = {"rtol": 1e-4, "atol": 1e-6}


@hints.detector
def db_bug(db, H):
    """db summed over every axis, or kept as a row, instead of over the batch axis only: shape (H,)."""
    if db is not None and np.shape(db) != (H,):
        return hints.hint("hint.rnn.db_batch_axis", actual=np.shape(db), expected=(H,))


def small_example():
    Wx = np.array([[0.1, -0.2, 0.3], [0.4, 0.0, -0.5]])
    Wh = np.array([[0.5, -0.1, 0.0], [0.2, 0.3, -0.4], [0.0, 0.1, 0.6]])
    b = np.array([0.1, -0.1, 0.0])
    x = np.array([[1.0, 2.0], [-1.0, 0.5]])
    h_prev = np.array([[0.5, -0.5, 0.2], [0.0, 0.3, -0.7]])
    return (Wx, Wh, b), x, h_prev


def test_forward_small_example():
    params, x, h_prev = small_example()
    h_next = RNN(*params).forward(x, h_prev)
    assert_close(h_next, [[0.81775408, -0.44624361, -0.36270747],
                          [0.25429553, 0.1194273, -0.79687814]], "RNN.forward(x, h_prev)", reveal=True, **TOL)


def test_backward_small_example():
    params, x, h_prev = small_example()
    layer = RNN(*params)
    layer.forward(x, h_prev)
    dx, dh_prev = layer.backward(np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]]))
    assert_close(dx, [[-0.22740516, 0.56673295], [-0.23803259, 0.00457414]], "RNN.backward(dh_next): dx",
                 reveal=True, **TOL)
    assert_close(dh_prev, [[0.16563913, 0.41363297, -0.52106598],
                           [0.03668602, 0.53898156, 0.41613856]], "RNN.backward(dh_next): dh_prev",
                 reveal=True, **TOL)
    dWx, dWh, db = layer.grads
    assert_close(dWx, [[-0.13638862, -1.97147424, -1.23342852],
                       [0.89638998, 0.98573712, -1.55439397]], "RNN.backward: grads[0] (dWx)", reveal=True, **TOL)
    assert_close(dWh, [[0.16563913, 0.0, -0.43422165],
                       [-0.02533907, 0.59144227, 0.54371721],
                       [-0.26111117, -1.38003197, -0.42917831]], "RNN.backward: grads[1] (dWh)", reveal=True, **TOL)
    assert_close(db, [0.79894516, 1.97147424, -0.50345807], "RNN.backward: grads[2] (db, " + say("summed_over_batch") + ")",
                 reveal=True, hint=db_bug(db, 3), **TOL)
    once = [np.array(g, dtype=float) for g in layer.grads]
    layer.backward(np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]]))
    for i, name in enumerate(("dWx", "dWh", "db")):
        assert_close(layer.grads[i], once[i], "RNN.backward: " + say("after_second_backward", name=f"grads[{i}] ({name})"),
                     reveal=True, hint=hints.accumulates(layer.grads[i], once[i], f"grads[{i}] ({name})"), **TOL)


def test_shapes_when_h_differs_from_d():
    rng = np.random.default_rng(0)
    N, D, H = 3, 5, 2
    layer = RNN(rng.normal(size=(D, H)), rng.normal(size=(H, H)), rng.normal(size=H))
    h_next = layer.forward(rng.normal(size=(N, D)), rng.normal(size=(N, H)))
    assert_shape(h_next, (N, H), "RNN.forward(x, h_prev)")
    dx, dh_prev = layer.backward(rng.normal(size=(N, H)))
    assert_shape(dx, (N, D), "RNN.backward(dh_next): dx")
    assert_shape(dh_prev, (N, H), "RNN.backward(dh_next): dh_prev")
    for name, grad, shape in zip(("dWx", "dWh", "db"), layer.grads, [(D, H), (H, H), (H,)]):
        assert_shape(grad, shape, f"RNN.backward: grads ({name})", hint=db_bug(grad, H) if name == "db" else None)
    # the same cell on a batch of one: what a fresh cell gives, with the batch axis kept
    x1, h1, d1 = rng.normal(size=(1, D)), rng.normal(size=(1, H)), rng.normal(size=(1, H))
    fresh = RNN(*layer.params)
    label = say("reused_on_new_inputs", n=1)
    h_next = layer.forward(x1, h1)
    assert_shape(h_next, (1, H), f"RNN.forward(x, h_prev): {label}")
    assert_close(h_next, fresh.forward(x1, h1), f"RNN.forward(x, h_prev): {label}", reveal=True, **TOL)
    (dx, dh_prev), (fresh_dx, fresh_dh) = layer.backward(d1.copy()), fresh.backward(d1.copy())
    assert_shape(dx, (1, D), f"RNN.backward(dh_next): dx, {label}")
    assert_close(dx, fresh_dx, f"RNN.backward(dh_next): dx, {label}", reveal=True, **TOL)
    assert_close(dh_prev, fresh_dh, f"RNN.backward(dh_next): dh_prev, {label}", reveal=True, **TOL)


def test_grads_are_written_in_place():
    params, x, h_prev = small_example()
    layer = RNN(*params)
    before = list(layer.grads)
    layer.forward(x, h_prev)
    layer.backward(np.ones((2, 3)))
    if not all(new is old for new, old in zip(layer.grads, before)):
        fail("check.public.grads_in_place", what="RNN.backward", hint=hints.rebound())


def test_gradients_match_central_differences():
    rng = np.random.default_rng(1)
    N, D, H = 2, 3, 4
    Wx, Wh, b = rng.normal(scale=0.5, size=(D, H)), rng.normal(scale=0.5, size=(H, H)), rng.normal(size=H)
    x, h_prev, dh_next = rng.normal(size=(N, D)), rng.normal(scale=0.5, size=(N, H)), rng.normal(size=(N, H))
    layer = RNN(Wx, Wh, b)
    layer.forward(x, h_prev)
    dx, dh_prev = layer.backward(dh_next.copy())
    checks = {
        "dx": (dx, lambda v: RNN(Wx, Wh, b).forward(v, h_prev), x),
        "dh_prev": (dh_prev, lambda v: RNN(Wx, Wh, b).forward(x, v), h_prev),
        "dWx": (layer.grads[0], lambda v: RNN(v, Wh, b).forward(x, h_prev), Wx),
        "dWh": (layer.grads[1], lambda v: RNN(Wx, v, b).forward(x, h_prev), Wh),
        "db": (layer.grads[2], lambda v: RNN(Wx, Wh, v).forward(x, h_prev), b),
    }
    gradients = {name: (analytic, numerical_gradient(f, point, dh_next, "RNN.forward"))
                 for name, (analytic, f, point) in checks.items()}
    assert_gradients(gradients, "RNN.backward", reveal=True, hint=db_bug(layer.grads[2], H))
