"""Public tests for 06_time_rnn. Run them in this folder with
`python -m autograder check` (a table and an explanation of every failure) or `python -m pytest`.

TimeRNN builds on your RNN: paste RNN.forward and RNN.backward from
05_rnn_cell into layers.py first. These tests check small worked examples,
the stateful behaviour and gradient checks; the autograder runs more tests of
the same kind on other inputs.
"""

import numpy as np

from autograder import hints
from autograder.checks import assert_close, assert_gradients, assert_shape, fail, numerical_gradient
from layers import Embedding, TimeAffine, TimeEmbedding, TimeRNN

# loose enough for float32 arrays (the textbook's dtype='f'), far tighter than any wrong formula
TOL = {"rtol": 1e-4, "atol": 1e-6}


def rnn_inputs(seed, N=2, T=3, D=3, H=4):
    rng = np.random.default_rng(seed)
    params = (rng.normal(scale=0.5, size=(D, H)), rng.normal(scale=0.5, size=(H, H)), rng.normal(scale=0.3, size=H))
    return params, rng.normal(size=(N, T, D)), rng.normal(size=(N, T, H))


def gradients_of(checks: dict, dout, what: str) -> dict:
    """{name: (analytic, numerical)} from {name: (analytic, f, point)}."""
    return {name: (analytic, numerical_gradient(f, point, dout, what))
            for name, (analytic, f, point) in checks.items()}


# -- Embedding and TimeEmbedding

def test_embedding_small_example():
    W = np.arange(8.0).reshape(4, 2)
    layer = Embedding(W)
    assert_close(layer.forward(np.array([0, 2, 0])), [[0, 1], [4, 5], [0, 1]], "Embedding.forward(idx)",
                 reveal=True)
    layer.backward(np.array([[1.0, 2.0], [3.0, 4.0], [10.0, 20.0]]))
    # id 0 appears twice: its row receives the sum of both rows of dout
    kept_one = hints.matches(layer.grads[0][0], [1, 2]) or hints.matches(layer.grads[0][0], [10, 20])
    assert_close(layer.grads[0], [[11, 22], [0, 0], [3, 4], [0, 0]], "Embedding.backward: grads[0] (dW)",
                 reveal=True, hint=hints.hint("hint.embedding.repeated_ids") if kept_one else None)


def test_embedding_backward_starts_from_zero_each_time():
    layer = Embedding(np.ones((3, 2)))
    before = layer.grads[0]
    layer.forward(np.array([1]))
    layer.backward(np.array([[5.0, 5.0]]))
    layer.forward(np.array([2]))
    layer.backward(np.array([[1.0, 2.0]]))
    assert_close(layer.grads[0], [[0, 0], [0, 0], [1, 2]], "Embedding.backward: grads[0] after a second backward",
                 reveal=True, hint=hints.accumulates(layer.grads[0], [[0, 0], [0, 0], [1, 2]], "grads[0] (dW)",
                                                     previous=[[0, 0], [5, 5], [0, 0]]))
    if layer.grads[0] is not before:
        fail("check.public.grads_in_place", what="Embedding.backward", hint=hints.rebound())


def test_time_embedding_small_example():
    W = np.arange(6.0).reshape(3, 2)
    xs = np.array([[0, 2, 1], [2, 2, 0]])  # (N, T) = (2, 3)
    layer = TimeEmbedding(W)
    out = layer.forward(xs)
    assert_shape(out, (2, 3, 2), "TimeEmbedding.forward(xs)")
    assert_close(out, [[[0, 1], [4, 5], [2, 3]], [[4, 5], [4, 5], [0, 1]]], "TimeEmbedding.forward(xs)",
                 reveal=True)
    layer.backward(np.ones((2, 3, 2)))
    assert_close(layer.grads[0], [[2, 2], [1, 1], [3, 3]],
                 "TimeEmbedding.backward: grads[0] (dW, summed over batch and time)", reveal=True)


# -- TimeRNN

def test_time_rnn_forward_chains_the_steps():
    (Wx, Wh, b), xs, _ = rnn_inputs(0)
    hs = TimeRNN(Wx, Wh, b).forward(xs)
    assert_shape(hs, (2, 3, 4), "TimeRNN.forward(xs)")
    h = np.zeros((2, 4))
    for t in range(3):
        before, h = h, np.tanh(h @ Wh + xs[:, t, :] @ Wx + b)
        shifted = hints.hint("hint.time.hs_shift") if hints.matches(hs[:, t, :], before) else None
        assert_close(hs[:, t, :], h, f"TimeRNN.forward(xs): hs[:, {t}, :]", reveal=True, hint=shifted, **TOL)


def test_time_rnn_stateful_continues_where_it_stopped():
    params, xs, _ = rnn_inputs(1, T=4)
    whole = TimeRNN(*params).forward(xs)
    layer = TimeRNN(*params, stateful=True)
    first = layer.forward(xs[:, :2, :])
    second = layer.forward(xs[:, 2:, :])
    fresh = TimeRNN(*params).forward(xs[:, 2:, :])
    ignored = hints.hint("hint.time.stateful_ignored") if hints.matches(second, fresh) else None
    assert_close(np.concatenate([first, second], axis=1), whole,
                 "TimeRNN(stateful=True).forward on two halves, joined", reveal=True, hint=ignored, **TOL)
    layer.reset_state()
    assert_close(layer.forward(xs[:, 2:, :]), fresh, "TimeRNN.forward after reset_state()", reveal=True,
                 hint="hint.time.reset_state", **TOL)


def test_time_rnn_not_stateful_starts_from_zeros_every_time():
    params, xs, _ = rnn_inputs(2)
    layer = TimeRNN(*params)
    first = layer.forward(xs)
    assert_close(layer.forward(xs), first, "TimeRNN(stateful=False).forward, called a second time",
                 reveal=True, hint="hint.time.not_stateful_keeps_h", **TOL)


def test_time_rnn_gradients_match_central_differences():
    params, xs, dhs = rnn_inputs(3)
    Wx, Wh, b = params
    h0 = np.random.default_rng(4).uniform(-0.5, 0.5, size=(2, 4))

    def run(Wx=Wx, Wh=Wh, b=b, xs=xs, h0=h0):
        layer = TimeRNN(Wx, Wh, b, stateful=True)
        layer.set_state(h0)
        return layer.forward(xs)

    layer = TimeRNN(Wx, Wh, b, stateful=True)
    layer.set_state(h0)
    layer.forward(xs)
    dxs = layer.backward(dhs.copy())
    assert_shape(dxs, xs.shape, "TimeRNN.backward(dhs)")
    assert_shape(layer.dh, h0.shape, "TimeRNN.backward: self.dh",
                 hint="hint.time.store_dh" if getattr(layer, "dh", None) is None else None)
    checks = {
        "dxs": (dxs, lambda v: run(xs=v), xs),
        "dh": (layer.dh, lambda v: run(h0=v), h0),
        "dWx": (layer.grads[0], lambda v: run(Wx=v), Wx),
        "dWh": (layer.grads[1], lambda v: run(Wh=v), Wh),
        "db": (layer.grads[2], lambda v: run(b=v), b),
    }
    assert_gradients(gradients_of(checks, dhs, "TimeRNN.forward"), "TimeRNN.backward", reveal=True)


# -- TimeAffine

def test_time_affine_small_example():
    W = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])  # (D, M) = (2, 3)
    b = np.array([0.5, 0.0, -0.5])
    x = np.array([[[1.0, 1.0], [0.0, 2.0]]])           # (N, T, D) = (1, 2, 2)
    layer = TimeAffine(W, b)
    out = layer.forward(x)
    flat = np.shape(out) == (2, 3)  # (N*T, M): the result of the matrix product, not reshaped back
    assert_close(out, [[[3.5, 1.0, -1.5], [4.5, 2.0, -0.5]]], "TimeAffine.forward(x)", reveal=True,
                 hint=hints.hint("hint.time_affine.reshape", actual=(2, 3), expected=(1, 2, 3)) if flat else None)
    dx = layer.backward(np.ones((1, 2, 3)))
    assert_close(dx, [[[0.0, 3.0], [0.0, 3.0]]], "TimeAffine.backward(dout): dx", reveal=True)
    assert_close(layer.grads[0], [[1, 1, 1], [3, 3, 3]], "TimeAffine.backward: grads[0] (dW)", reveal=True)
    assert_close(layer.grads[1], [2, 2, 2], "TimeAffine.backward: grads[1] (db, summed over batch and time)",
                 reveal=True)


def test_time_affine_gradients_match_central_differences():
    rng = np.random.default_rng(5)
    W, b = rng.normal(size=(3, 4)), rng.normal(size=4)
    x, dout = rng.normal(size=(2, 3, 3)), rng.normal(size=(2, 3, 4))
    layer = TimeAffine(W, b)
    layer.forward(x)
    dx = layer.backward(dout.copy())
    checks = {
        "dx": (dx, lambda v: TimeAffine(W, b).forward(v), x),
        "dW": (layer.grads[0], lambda v: TimeAffine(v, b).forward(x), W),
        "db": (layer.grads[1], lambda v: TimeAffine(W, v).forward(x), b),
    }
    assert_gradients(gradients_of(checks, dout, "TimeAffine.forward"), "TimeAffine.backward", reveal=True)
