"""Bug patterns of 06_time_rnn: each detector returns a Hint when the student's output matches a known bug."""

from __future__ import annotations

import numpy as np

from ..hints import Hint, detector, hint, matches


def _floats(*arrays):
    return [np.asarray(a, dtype=np.float64) for a in arrays]


# -- Embedding and TimeEmbedding ---------------------------------------------------

def _embedding_grad(shape, idx, dout) -> np.ndarray:
    dW = np.zeros(shape)
    np.add.at(dW, np.asarray(idx), np.asarray(dout, dtype=np.float64))
    return dW


@detector
def embedding_dW(dW, shape, idx, dout) -> Hint | None:
    """dW[idx] = dout (or dW[idx] += dout): a repeated id keeps one row of dout instead of their sum."""
    if matches(dW, _embedding_grad(shape, idx, dout)):
        return None
    once = np.zeros(shape)
    once[np.asarray(idx)] = np.asarray(dout, dtype=np.float64)
    if matches(dW, once):
        return hint("hint.embedding.repeated_ids")
    return None


@detector
def time_embedding_dW(dW, shape, xs, dout) -> Hint | None:
    """dW of the last (or first) time step only, instead of the sum over the T steps."""
    xs = np.asarray(xs)
    steps = [_embedding_grad(shape, xs[:, t], np.asarray(dout)[:, t]) for t in range(xs.shape[1])]
    if len(steps) < 2 or matches(dW, sum(steps)):
        return None
    if matches(dW, steps[-1]) or matches(dW, steps[0]):
        return hint("hint.time.one_step", name="dW")
    return None


@detector
def time_embedding_out(out, W, xs) -> Hint | None:
    """out[:, t] = W[xs[t]]: the ids of sequence t instead of those of time step t."""
    W, xs = np.asarray(W, dtype=np.float64), np.asarray(xs)
    if xs.shape[0] != xs.shape[1] or matches(out, W[xs]):
        return None
    if matches(out, np.stack([W[xs[t]] for t in range(xs.shape[1])], axis=1)):
        return hint("hint.time.embedding_axis")
    return None


# -- TimeRNN -----------------------------------------------------------------------

def _run(params, xs, h0=None) -> list[np.ndarray]:
    """[h_0, h_1, ..., h_T] of a tanh RNN over xs (N, T, D)."""
    Wx, Wh, b, xs = _floats(*params, xs)
    n, steps, _ = xs.shape
    states = [np.zeros((n, Wh.shape[0])) if h0 is None else np.asarray(h0, dtype=np.float64)]
    for t in range(steps):
        states.append(np.tanh(states[-1] @ Wh + xs[:, t] @ Wx + b))
    return states


def _hs(states) -> np.ndarray:
    return np.stack(states[1:], axis=1)


def _bptt(params, xs, dhs, h0=None, carry=True, reverse=True, sum_steps=True):
    """(dxs, [dWx, dWh, db], dh) of BPTT, or of one of its common mistakes."""
    Wx, Wh, b, xs, dhs = _floats(*params, xs, dhs)
    states = _run(params, xs, h0)
    steps = range(xs.shape[1] - 1, -1, -1) if reverse else range(xs.shape[1])
    dxs, dh, grads = np.zeros(xs.shape), 0.0, None
    for t in steps:
        dt = (dhs[:, t] + (dh if carry else 0.0)) * (1 - states[t + 1] ** 2)
        dxs[:, t] = dt @ Wx.T
        step = [xs[:, t].T @ dt, states[t].T @ dt, dt.sum(axis=0)]
        grads = step if grads is None or not sum_steps else [g + s for g, s in zip(grads, step)]
        dh = dt @ Wh.T
    return dxs, grads, dh


def _mistakes(params, xs, dhs, h0=None):
    """(key, fields, (dxs, grads, dh)) for each BPTT mistake."""
    yield "hint.time.bptt_no_carry", {}, _bptt(params, xs, dhs, h0, carry=False)
    yield "hint.time.backward_order", {}, _bptt(params, xs, dhs, h0, reverse=False)
    yield "hint.time.one_step", {"name": "dWx, dWh, db"}, _bptt(params, xs, dhs, h0, sum_steps=False)


@detector
def bptt(what: str, value, params, xs, dhs, h0=None) -> Hint | None:
    """One result of TimeRNN.backward ("dxs", "dWx", "dWh", "db" or "dh") against BPTT's common mistakes."""
    pick = {"dxs": lambda r: r[0], "dWx": lambda r: r[1][0], "dWh": lambda r: r[1][1], "db": lambda r: r[1][2],
            "dh": lambda r: r[2]}[what]
    if np.asarray(xs).shape[1] < 2 or matches(value, pick(_bptt(params, xs, dhs, h0))):
        return None
    for key, fields, result in _mistakes(params, xs, dhs, h0):
        if matches(value, pick(result)):
            return hint(key, **fields)
    return None


@detector
def hs_shifted(hs, params, xs, h0=None) -> Hint | None:
    """hs[:, t] holds the state before step t (h_(t-1)) instead of the one after it."""
    states = _run(params, xs, h0)
    if not matches(hs, _hs(states)) and matches(hs, np.stack(states[:-1], axis=1)):
        return hint("hint.time.hs_shift")
    return None


@detector
def second_forward(hs, params, first, second, stateful: bool, after_reset: bool = False) -> Hint | None:
    """The second forward of a layer started from zeros (stateful) or from the last state (not stateful)."""
    fresh = _hs(_run(params, second))
    carried = _hs(_run(params, second, _run(params, first)[-1]))
    if stateful and not after_reset and matches(hs, fresh) and not matches(hs, carried):
        return hint("hint.time.stateful_ignored")
    if (not stateful or after_reset) and matches(hs, carried) and not matches(hs, fresh):
        return hint("hint.time.reset_state" if after_reset else "hint.time.not_stateful_keeps_h")
    return None


# -- TimeAffine --------------------------------------------------------------------

@detector
def time_affine_out(out, x, W, b) -> Hint | None:
    """out left as the (N*T, M) matrix instead of being reshaped back to (N, T, M)."""
    x, W, b = _floats(x, W, b)
    n, steps, d = x.shape
    flat = x.reshape(n * steps, d) @ W + b
    if np.shape(out) == flat.shape and np.shape(out) != (n, steps, W.shape[1]) and matches(out, flat):
        return hint("hint.time_affine.reshape", actual=np.shape(out), expected=(n, steps, W.shape[1]))
    return None
