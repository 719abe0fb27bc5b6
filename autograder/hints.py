"""Hints tied to common bugs: detectors that recognise a bug from the inputs and the student's outputs.

    detector(inputs..., student outputs...) -> Hint | None

A detector compares what the student returned with what the well-known wrong
formula would return on the same inputs ("dx matches dout @ W instead of
dout @ W.T"). It returns a Hint, a catalogue key under "hint." plus fields,
when the pattern matches, and None otherwise; it never raises, whatever the
student returned. Tests pass what the detectors return to the assertions of
checks.py, which show the hint only when the check fails and record its key in
the failure (and grade() in TestResult.hints).

A hint names the pattern and its fix; its fields are shapes and names, never
a hidden input or an expected value. tests/test_mutants.py proves each key
fires on the mutant it was written for and never on a solution or a correct
variant.

This module needs numpy and messages.py only: it ships to students with checks.py.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from . import messages

__all__ = ["Hint", "hint"]


@dataclass(frozen=True)
class Hint:
    """A catalogue key and the fields of its sentence."""

    key: str
    fields: tuple[tuple[str, object], ...] = ()

    @property
    def recorded(self) -> bool:
        """Whether this names a recognised bug ("hint." keys), as opposed to general advice."""
        return self.key.startswith("hint.")

    def text(self, lang: str | None = None) -> str:
        if not self.key:  # a sentence written in a test, not from the catalogue
            return str(dict(self.fields)["text"])
        return messages.text(self.key, lang, **dict(self.fields))


def hint(key: str, **fields) -> Hint:
    """A Hint for a catalogue key; an unknown key fails at once (a typo in a test, not a student's bug)."""
    if not messages.has(key):
        raise KeyError(f"no message {key!r} in autograder/catalogue/")
    return Hint(key, tuple(sorted(fields.items())))


def detector(function):
    """A detector never raises: whatever the student returned, no match is None."""

    @functools.wraps(function)
    def safe(*args, **kwargs) -> Hint | None:
        try:
            with np.errstate(all="ignore"):
                return function(*args, **kwargs)
        except Exception:  # garbage from the student: no pattern recognised
            return None

    return safe


def _array(value) -> np.ndarray | None:
    """value as a float64 array, or None when it is not numbers."""
    if value is None:
        return None
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        return None
    return array.astype(np.float64)


def matches(actual, candidate, rtol: float = 1e-3, atol: float = 1e-6) -> bool:
    """Whether the student's value equals what a wrong formula gives (same shape, close values).

    The tolerance is loose enough for float32 code and far tighter than the
    difference between the right and the wrong formula on random inputs.
    """
    a, c = _array(actual), _array(candidate)
    if a is None or c is None or a.shape != c.shape or a.size == 0:
        return False
    return bool(np.all(np.isfinite(a)) and np.allclose(a, c, rtol=rtol, atol=atol))


# -- 03_affine -------------------------------------------------------------------

@detector
def affine_db_shape(db, b) -> Hint | None:
    """db summed over every axis, or kept as a row, instead of over the batch axis only."""
    shape, want = np.shape(db), np.shape(b)
    if db is not None and shape != want:
        return hint("hint.affine.db_batch_axis", actual=shape, expected=want)
    return None


@detector
def affine_dx(dx, dout, W) -> Hint | None:
    """dx as dout @ W (a square W alone gives the right shape), or as W @ dout.T of shape (D, N)."""
    dout, W = np.asarray(dout, dtype=np.float64), np.asarray(W, dtype=np.float64)
    right = dout @ W.T
    if matches(dx, right):
        return None
    if W.shape[0] == W.shape[1] and matches(dx, dout @ W):
        return hint("hint.affine.dx_missing_transpose")
    if matches(dx, right.T):
        return hint("hint.affine.dx_transposed", actual=np.shape(dx), expected=right.shape)
    return None


@detector
def affine_dW(dW, x, dout) -> Hint | None:
    """dW as dout.T @ x: the transpose of the right one, of shape (M, D)."""
    right = np.asarray(x, dtype=np.float64).T @ np.asarray(dout, dtype=np.float64)
    if matches(dW, right.T) and not matches(dW, right):
        return hint("hint.affine.dW_transposed", actual=np.shape(dW), expected=right.shape)
    return None


# -- shared by several units -----------------------------------------------------

@detector
def ignores_dout(grad, local, dout) -> Hint | None:
    """backward returned the local gradient alone, without multiplying by dout."""
    if matches(grad, local) and not matches(grad, np.multiply(local, dout)):
        return hint("hint.backward.ignores_dout")
    return None


@detector
def returns_one_value(result, names: str = "dx, dy") -> Hint | None:
    """backward returned a single array or number where a pair of gradients was due."""
    if isinstance(result, (np.ndarray, int, float, np.generic)):
        return hint("hint.backward.return_pair", names=names)
    return None


@detector
def stale_input(actual, stale, right) -> Hint | None:
    """The result of a reused layer matches what the inputs of an earlier forward call give."""
    if matches(actual, stale) and not matches(actual, right):
        return hint("hint.layer.stale_input")
    return None


@detector
def divided_by_batch(actual, right, n: int, name: str) -> Hint | None:
    """A gradient that is the right one divided by the batch size N (a mean where a sum is due)."""
    right = np.asarray(right, dtype=np.float64)
    if n > 1 and matches(actual, right / n) and not matches(actual, right):
        return hint("hint.backward.divided_by_batch", name=name)
    return None


@detector
def accumulates(actual, once, name: str, previous=None) -> Hint | None:
    """A gradient after a second backward call that adds the first call's (`previous`, else the same) to it."""
    once = np.asarray(once, dtype=np.float64)
    previous = once if previous is None else np.asarray(previous, dtype=np.float64)
    if matches(actual, once + previous) and not matches(actual, once):
        return hint("hint.layer.accumulates", name=name)
    return None


@detector
def swapped_pair(first, second, right_first, right_second, names: str) -> Hint | None:
    """backward returned its two gradients in the wrong order."""
    if matches(first, right_second) and matches(second, right_first) and not matches(first, right_first):
        return hint("hint.backward.swapped_pair", names=names)
    return None


def rebound() -> Hint:
    """grads replaced by new arrays (the test compares identities; no values to judge)."""
    return hint("hint.grads.rebound")


@detector
def no_bias(out, without_bias, right) -> Hint | None:
    """forward's output equals what it gives with b = 0: the bias was never added."""
    if matches(out, without_bias) and not matches(out, right):
        return hint("hint.forward.no_bias")
    return None


# -- 01_computational_graph ------------------------------------------------------

@detector
def mul_not_swapped(x, y, dout, dx, dy) -> Hint | None:
    """dx = dout * x and dy = dout * y (or (dy, dx) returned): each input got its own value."""
    if matches(dx, np.multiply(dout, x)) and matches(dy, np.multiply(dout, y)) \
            and not matches(dx, np.multiply(dout, y)):
        return hint("hint.mul.not_swapped")
    return None


@detector
def mul_elementwise(actual, x) -> Hint | None:
    """A single number where an array of the inputs' shape was due: np.dot or np.sum instead of *."""
    if actual is not None and np.size(actual) == 1 and np.size(x) > 1:
        return hint("hint.mul.elementwise", actual=np.shape(actual), expected=np.shape(x))
    return None


@detector
def add_scales_dout(dx, dout) -> Hint | None:
    """AddLayer.backward multiplied dout by a constant other than 1."""
    dout = np.asarray(dout, dtype=np.float64)
    scale = float(np.sum(np.multiply(dx, dout)) / np.sum(dout * dout))
    if abs(scale - 1) > 1e-2 and matches(dx, scale * dout):
        return hint("hint.add.scales_dout", scale=f"{scale:g}")
    return None


# -- 02_activations --------------------------------------------------------------

@detector
def relu_dx(dx, x, dout) -> Hint | None:
    """Relu.backward without the mask, with the mask inverted, or passing the gradient at x == 0."""
    x, dout = np.asarray(x, dtype=np.float64), np.asarray(dout, dtype=np.float64)
    if matches(dx, np.where(x <= 0, 0.0, dout)):
        return None
    if matches(dx, dout):
        return hint("hint.relu.no_mask")
    if matches(dx, np.where(x > 0, 0.0, dout)):
        return hint("hint.relu.mask_inverted")
    if (x == 0).any() and matches(dx, np.where(x < 0, 0.0, dout)):
        return hint("hint.relu.mask_at_zero")
    return None


@detector
def relu_mask(mask, x) -> Hint | None:
    """Relu.mask True where x > 0 (inverted), or x < 0 (the zeros let through)."""
    mask, x = np.asarray(mask), np.asarray(x)
    if mask.shape != x.shape or np.array_equal(mask, x <= 0):
        return None
    if np.array_equal(mask, x > 0):
        return hint("hint.relu.mask_inverted")
    if (x == 0).any() and np.array_equal(mask, x < 0):
        return hint("hint.relu.mask_at_zero")
    return None


@detector
def sigmoid_forward(out, x) -> Hint | None:
    """1 / (1 + exp(x)) (the sign of the exponent), or nan from exp(x) / (1 + exp(x))."""
    x = np.asarray(x, dtype=np.float64)
    got = _array(out)
    if got is not None and got.shape == x.shape and np.isnan(got).any() and np.isfinite(x).all():
        return hint("hint.sigmoid.overflow_nan")
    with np.errstate(over="ignore"):
        if matches(out, 1 / (1 + np.exp(x))) and not matches(out, 1 / (1 + np.exp(-x))):
            return hint("hint.sigmoid.exponent_sign")
    return None


@detector
def sigmoid_dx(dx, out, dout) -> Hint | None:
    """dx as dout * y or dout * (1 - y) (half the derivative), or without dout."""
    out, dout = np.asarray(out, dtype=np.float64), np.asarray(dout, dtype=np.float64)
    if matches(dx, dout * out * (1 - out)):
        return None
    for formula, value in (("dout * out", dout * out), ("dout * (1 - out)", dout * (1 - out))):
        if matches(dx, value):
            return hint("hint.sigmoid.derivative", formula=formula)
    return ignores_dout(dx, out * (1 - out), dout)


@detector
def tanh_dx(dx, x, out, dout) -> Hint | None:
    """dx with 1 - out, 1 - tanh(out)**2 or 1 - x**2 in place of 1 - out**2, or without dout."""
    x, out, dout = (np.asarray(a, dtype=np.float64) for a in (x, out, dout))
    if matches(dx, dout * (1 - out ** 2)):
        return None
    for formula, value in (("dout * (1 - out)", dout * (1 - out)),
                           ("dout * (1 - np.tanh(out) ** 2)", dout * (1 - np.tanh(out) ** 2)),
                           ("dout * (1 - x ** 2)", dout * (1 - x ** 2))):
        if matches(dx, value):
            return hint("hint.tanh.derivative", formula=formula)
    return ignores_dout(dx, 1 - out ** 2, dout)


# -- 04_softmax_loss -------------------------------------------------------------

def same(actual, candidate) -> bool:
    """Like matches(), but nan and inf must sit in the same places (a formula that overflows)."""
    a, c = _array(actual), _array(candidate)
    if a is None or c is None or a.shape != c.shape or a.size == 0:
        return False
    finite = np.isfinite(c)
    if not np.array_equal(np.isfinite(a), finite) or not np.array_equal(np.isnan(a), np.isnan(c)):
        return False
    return bool(np.allclose(a[finite], c[finite], rtol=1e-3, atol=1e-6))


def _softmax_candidates(x: np.ndarray):
    """What the common wrong softmaxes give on x (numpy's warnings silenced by @detector)."""
    last = dict(axis=-1, keepdims=True)
    e = np.exp(x - np.max(x, **last))
    yield "hint.softmax.no_max_shift", np.exp(x) / np.sum(np.exp(x), **last)
    if x.ndim == 2:
        for shifted in (x - np.max(x), x - np.max(x, axis=0)):
            yield "hint.softmax.row_max", np.exp(shifted) / np.sum(np.exp(shifted), **last)
        yield "hint.softmax.row_sum", e / np.sum(e, axis=0, keepdims=True)
        yield "hint.softmax.row_sum", e / np.sum(e)
        if x.shape[0] == x.shape[1]:
            yield "hint.softmax.row_sum", e / np.sum(e, axis=-1)


@detector
def softmax(y, x) -> Hint | None:
    """softmax without the max shift, with one max for all rows or columns, or normalised over columns."""
    x = np.asarray(x, dtype=np.float64)
    right = np.exp(x - np.max(x, axis=-1, keepdims=True))
    if same(y, right / np.sum(right, axis=-1, keepdims=True)):
        return None
    for key, candidate in _softmax_candidates(x):
        if same(y, candidate):
            return hint(key)
    return None


@detector
def overflow(value) -> Hint | None:
    """A loss or gradient with nan or inf on finite scores: exp overflowed without the max shift."""
    got = _array(value)
    if got is not None and not np.all(np.isfinite(got)):
        return hint("hint.softmax.no_max_shift")
    return None


@detector
def cross_entropy(loss, y, t) -> Hint | None:
    """The loss summed over the batch, divided by N * C, from labels used as one-hot, or with y[:, t]."""
    y, t = np.asarray(y, dtype=np.float64), np.asarray(t)
    if y.ndim == 1:
        y, t = y.reshape(1, -1), t.reshape(1, -1)
    n = y.shape[0]
    labels = t.argmax(axis=1) if t.size == y.size else t.astype(int)
    picked = -np.sum(np.log(y[np.arange(n), labels] + 1e-7))
    if matches(loss, picked / n):
        return None
    if n > 1 and matches(loss, picked):
        return hint("hint.cross_entropy.summed")
    if matches(loss, picked / y.size):
        return hint("hint.cross_entropy.mean_over_all")
    if n > 1 and matches(loss, -np.sum(np.log(y[:, labels] + 1e-7)) / n):
        return hint("hint.cross_entropy.label_indexing")
    if t.size != y.size and matches(loss, -np.sum(labels * np.log(y + 1e-7)) / n):
        return hint("hint.loss.labels_as_one_hot")
    return None


@detector
def softmax_with_loss_dx(dx, x, t) -> Hint | None:
    """dx = (y - t) without / N, divided by N * C, with the sign flipped, or with labels as one-hot."""
    x, t = np.asarray(x, dtype=np.float64), np.asarray(t)
    y = np.exp(x - np.max(x, axis=-1, keepdims=True))
    y /= np.sum(y, axis=-1, keepdims=True)
    n = y.shape[0]
    one_hot = t if t.size == y.size else np.eye(y.shape[1])[t.astype(int)]
    right = (y - one_hot) / n
    if matches(dx, right):
        return None
    if n > 1 and matches(dx, right * n):
        return hint("hint.softmax_loss.dx_scale", formula="y - t")
    if matches(dx, right / y.shape[1]):
        return hint("hint.softmax_loss.dx_scale", formula="(y - t) / (N * C)")
    if matches(dx, -right):
        return hint("hint.backward.sign_flipped", name="dx", formula="dx = (y - t) / N")
    if t.size != y.size and matches(dx, (y - t) / n):
        return hint("hint.loss.labels_as_one_hot")
    return None


# -- 05_rnn_cell -----------------------------------------------------------------

def _rnn_gradients(dt, Wx, Wh, x, h_prev) -> dict:
    return {"dx": dt @ Wx.T, "dh_prev": dt @ Wh.T, "dWx": x.T @ dt, "dWh": h_prev.T @ dt, "db": dt.sum(axis=0)}


@detector
def rnn_gradient(name: str, value, params, x, h_prev, dh_next) -> Hint | None:
    """One gradient of RNN.backward (dx, dh_prev, dWx, dWh or db) against the common wrong formulas."""
    Wx, Wh, b, x, h_prev, dh_next = (np.asarray(a, dtype=np.float64) for a in (*params, x, h_prev, dh_next))
    h_next = np.tanh(h_prev @ Wh + x @ Wx + b)
    dt = dh_next * (1 - h_next ** 2)
    right = _rnn_gradients(dt, Wx, Wh, x, h_prev)[name]
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
        if matches(value, _rnn_gradients(wrong, Wx, Wh, x, h_prev)[name]):
            return hint("hint.rnn.tanh_derivative", name=name, formula=formula)
    return None


@detector
def rnn_forward(h_next, params, x, h_prev) -> Hint | None:
    """h_next with h_prev @ Wh.T, or without the bias."""
    Wx, Wh, b, x, h_prev = (np.asarray(a, dtype=np.float64) for a in (*params, x, h_prev))
    right = np.tanh(h_prev @ Wh + x @ Wx + b)
    if matches(h_next, np.tanh(h_prev @ Wh.T + x @ Wx + b)) and not matches(h_next, right):
        return hint("hint.rnn.forward_transpose")
    return no_bias(h_next, np.tanh(h_prev @ Wh + x @ Wx), right)
