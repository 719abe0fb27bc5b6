"""Public tests for 06_time_rnn. Run them in this folder with
`python -m autograder check` (a table and an explanation of every failure) or `python -m pytest`.

TimeRNN builds on your RNN: paste RNN.forward and RNN.backward from
05_rnn_cell into layers.py first. These tests check small worked examples,
the stateful behaviour and gradient checks; the autograder runs more tests of
the same kind on other inputs.
"""

import numpy as np

from autograder import hints, messages
from autograder.assertions import assert_close, assert_gradients, assert_shape, fail, numerical_gradient
from layers import Embedding, TimeAffine, TimeEmbedding, TimeRNN

# loose enough for float32 arrays (the textbook's dtype='f'), far tighter than any wrong formula
TOL = {"rtol": 1e-4, "atol": 1e-6}


def rnn_inputs(seed, N=2, T=3, D=3, H=4):
    rng = np.random.default_rng(seed)
    params = (rng.normal(scale=0.5, size=(D, H)), rng.normal(scale=0.5, size=(H, H)), rng.normal(scale=0.3, size=H))
    return params, rng.normal(size=(N, T, D)), rng.normal(size=(N, T, H))


def say(key: str, **fields) -> str:
    """A label in the language of the check (the public tests' words live in the catalogue)."""
    return messages.text(f"public.{key}", **fields)


def same_arrays(layer, kept: list, what: str):
    """Fail when backward replaced the arrays of layer.grads instead of writing into them."""
    if len(layer.grads) != len(kept) or any(g is not k for g, k in zip(layer.grads, kept)):
        fail("check.public.grads_in_place", what=what, hint=hints.rebound())


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
    assert_close(layer.grads[0], [[0, 0], [0, 0], [1, 2]],
                 "Embedding.backward: " + say("after_second_backward", name="grads[0]"),
                 reveal=True, hint=hints.accumulates(layer.grads[0], [[0, 0], [0, 0], [1, 2]], "grads[0] (dW)",
                                                     previous=[[0, 0], [5, 5], [0, 0]]))
    same_arrays(layer, [before], "Embedding.backward")


def test_time_embedding_small_example():
    W = np.arange(6.0).reshape(3, 2)
    xs = np.array([[0, 2, 1], [2, 2, 0]])  # (N, T) = (2, 3)
    layer = TimeEmbedding(W)
    out = layer.forward(xs)
    assert_shape(out, (2, 3, 2), "TimeEmbedding.forward(xs)")
    assert_close(out, [[[0, 1], [4, 5], [2, 3]], [[4, 5], [4, 5], [0, 1]]], "TimeEmbedding.forward(xs)",
                 reveal=True)
    kept = list(layer.grads)
    layer.backward(np.ones((2, 3, 2)))
    last = np.zeros((3, 2))
    np.add.at(last, xs[:, -1], 1.0)  # what the last time step alone gives
    one_step = hints.hint("hint.time.one_step", name="dW") if hints.matches(layer.grads[0], last) else None
    assert_close(layer.grads[0], [[2, 2], [1, 1], [3, 3]],
                 "TimeEmbedding.backward: grads[0] (dW, " + say("summed_over_batch_and_time") + ")", reveal=True,
                 hint=one_step)
    same_arrays(layer, kept, "TimeEmbedding.backward")
    layer.forward(xs)
    layer.backward(np.ones((2, 3, 2)))
    assert_close(layer.grads[0], [[2, 2], [1, 1], [3, 3]],
                 "TimeEmbedding.backward: " + say("after_second_backward", name="grads[0]"), reveal=True,
                 hint=hints.accumulates(layer.grads[0], [[2, 2], [1, 1], [3, 3]], "grads[0] (dW)"))


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
                 "TimeRNN(stateful=True).forward: " + say("two_halves_joined"), reveal=True, hint=ignored, **TOL)
    layer.reset_state()
    assert_close(layer.forward(xs[:, 2:, :]), fresh, "TimeRNN.forward: " + say("after_reset_state"), reveal=True,
                 hint="hint.time.reset_state", **TOL)
    # after reset_state() the next batch may have another size: a new state of zeros, not the old one
    _, other, _ = rnn_inputs(7, N=3, T=2)
    layer.reset_state()
    try:
        again = layer.forward(other)
    except ValueError as error:  # an old state of shape (2, H) against a batch of 3
        fail("public.reset_state_batch", error=str(error).splitlines()[0][:80], hint="hint.time.reset_state")
    assert_close(again, TimeRNN(*params).forward(other), "TimeRNN.forward: " + say("after_reset_state_new_batch"),
                 reveal=True, hint="hint.time.reset_state", **TOL)


def test_time_rnn_not_stateful_starts_from_zeros_every_time():
    params, xs, _ = rnn_inputs(2)
    layer = TimeRNN(*params)
    first = layer.forward(xs)
    assert_close(layer.forward(xs), first, "TimeRNN(stateful=False).forward: " + say("called_a_second_time"),
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
    kept = list(layer.grads)
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
    gradients = gradients_of(checks, dhs, "TimeRNN.forward")
    assert_gradients(gradients, "TimeRNN.backward", reveal=True,
                     hint=bptt_hints(params, xs, h0, dhs, layer.grads[0], gradients["dWx"][1]))
    same_arrays(layer, kept, "TimeRNN.backward")
    once = [np.array(g, dtype=float) for g in layer.grads]
    layer.set_state(h0)
    layer.forward(xs)
    layer.backward(dhs.copy())
    for i, name in enumerate(("dWx", "dWh", "db")):
        assert_close(layer.grads[i], once[i], "TimeRNN.backward: " + say("after_second_backward", name=f"grads[{i}]"),
                     reveal=True, hint=hints.accumulates(layer.grads[i], once[i], f"grads[{i}] ({name})"), **TOL)


def bptt_hints(params, xs, h0, dhs, dWx, numerical_dWx) -> list:
    """The hints of BPTT's classic mistakes, told apart by what backward gives for special dhs.

    With dhs only at the first step, the later inputs get no gradient (the
    future cannot change the past): a backward that runs forwards in time gives
    them one. With dhs only at the last step, the earlier inputs get theirs
    through the carried dh alone: without the carry they get none. A dWx equal
    to the gradient through the first step's use of Wx alone (central
    differences) kept one step instead of the sum over the steps.
    """
    Wx, Wh, b = params

    def piece(W, part, h):  # TimeRNN over the steps `part` from state h, with W as Wx
        layer = TimeRNN(W, Wh, b, stateful=True)
        layer.set_state(h)
        return layer.forward(xs[:, part, :])

    def backward_with(only_at):
        dout = np.zeros_like(dhs)
        dout[:, only_at, :] = dhs[:, only_at, :]
        layer = TimeRNN(Wx, Wh, b, stateful=True)
        layer.set_state(h0)
        layer.forward(xs)
        return np.asarray(layer.backward(dout), dtype=float)

    def first_step_only(v):  # the forward with v as Wx in the first step and Wx in the others
        head = piece(v, slice(0, 1), h0)
        return np.concatenate([head, piece(Wx, slice(1, None), head[:, -1, :])], axis=1)

    try:
        first, last = backward_with(0), backward_with(-1)
        scale = max(float(np.abs(last).max()), 1e-12)
        if np.abs(first[:, 1:]).max() > 1e-3 * scale:
            return [hints.hint("hint.time.backward_order")]
        if np.abs(last[:, :-1]).max() <= 1e-6 * scale:
            return [hints.hint("hint.time.bptt_no_carry")]
        one = numerical_gradient(first_step_only, Wx, dhs, "TimeRNN.forward")
        if hints.matches(dWx, one, rtol=1e-2, atol=1e-4) and not hints.matches(dWx, numerical_dWx, rtol=1e-2, atol=1e-4):
            return [hints.hint("hint.time.one_step", name="dWx, dWh, db")]
    except Exception:  # whatever the student's layer does here: no pattern recognised
        pass
    return []


# -- TimeAffine

def test_time_affine_small_example():
    W = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])  # (D, M) = (2, 3)
    b = np.array([0.5, 0.0, -0.5])
    x = np.array([[[1.0, 1.0], [0.0, 2.0]]])           # (N, T, D) = (1, 2, 2)
    layer = TimeAffine(W, b)
    out = layer.forward(x)
    expected = np.array([[[3.5, 1.0, -1.5], [4.5, 2.0, -0.5]]])
    flat = np.shape(out) == (2, 3)  # (N*T, M): the result of the matrix product, not reshaped back
    assert_close(out, expected, "TimeAffine.forward(x)", reveal=True,
                 hint=[hints.hint("hint.time_affine.reshape", actual=(2, 3), expected=(1, 2, 3)) if flat else None,
                       hints.no_bias(out, expected - b, expected)])
    kept = list(layer.grads)
    dx = layer.backward(np.ones((1, 2, 3)))
    assert_close(dx, [[[0.0, 3.0], [0.0, 3.0]]], "TimeAffine.backward(dout): dx", reveal=True)
    assert_close(layer.grads[0], [[1, 1, 1], [3, 3, 3]], "TimeAffine.backward: grads[0] (dW)", reveal=True)
    db = layer.grads[1]
    axis = hints.hint("hint.affine.db_batch_axis", actual=np.shape(db), expected=(3,)) if np.shape(db) != (3,) else None
    assert_close(db, [2, 2, 2], "TimeAffine.backward: grads[1] (db, " + say("summed_over_batch_and_time") + ")",
                 reveal=True, hint=[axis, hints.divided_by_batch(db, [2, 2, 2], 2, "grads[1] (db)")])
    same_arrays(layer, kept, "TimeAffine.backward")


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
