"""Bug patterns of 05_rnn_cell: each detector returns a Hint when the student's output matches a known bug."""

from __future__ import annotations

import numpy as np

from ..hints import Hint, detector, hint, matches, no_bias


def _gradients(dt, Wx, Wh, x, h_prev) -> dict:
    return {"dx": dt @ Wx.T, "dh_prev": dt @ Wh.T, "dWx": x.T @ dt, "dWh": h_prev.T @ dt, "db": dt.sum(axis=0)}


@detector
def gradient(name: str, value, params, x, h_prev, dh_next) -> Hint | None:
    """One gradient of RNN.backward (dx, dh_prev, dWx, dWh or db) against the common wrong formulas."""
    Wx, Wh, b, x, h_prev, dh_next = (np.asarray(a, dtype=np.float64) for a in (*params, x, h_prev, dh_next))
    h_next = np.tanh(h_prev @ Wh + x @ Wx + b)
    dt = dh_next * (1 - h_next ** 2)
    right = _gradients(dt, Wx, Wh, x, h_prev)[name]
    if matches(value, right):
        return None
    if name == "db" and np.shape(value) != b.shape:
        return hint("hint.rnn.db_batch_axis", actual=np.shape(value), expected=b.shape)
    if name == "db" and matches(value, np.full(b.shape, dt.sum())):  # a scalar written into grads[2][...]
        return hint("hint.rnn.db_batch_axis", actual=(), expected=b.shape)
    if name == "dh_prev" and matches(value, dt @ Wh):
        return hint("hint.rnn.dh_prev_transpose")
    if name == "dWh" and matches(value, right.T):
        return hint("hint.backward.transposed", name="dWh", formula="dWh = np.dot(h_prev.T, dt)")
    for formula, wrong in (("dh_next * (1 - h_next)", dh_next * (1 - h_next)),
                           ("dh_next * (1 - h_prev ** 2)", dh_next * (1 - h_prev ** 2)),
                           ("dh_next", dh_next)):
        if matches(value, _gradients(wrong, Wx, Wh, x, h_prev)[name]):
            return hint("hint.rnn.tanh_derivative", name=name, formula=formula)
    return None


@detector
def forward(h_next, params, x, h_prev) -> Hint | None:
    """h_next with h_prev @ Wh.T, or without the bias."""
    Wx, Wh, b, x, h_prev = (np.asarray(a, dtype=np.float64) for a in (*params, x, h_prev))
    right = np.tanh(h_prev @ Wh + x @ Wx + b)
    if matches(h_next, np.tanh(h_prev @ Wh.T + x @ Wx + b)) and not matches(h_next, right):
        return hint("hint.rnn.forward_transpose")
    return no_bias(h_next, np.tanh(h_prev @ Wh + x @ Wx), right)
