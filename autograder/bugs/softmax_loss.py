"""Bug patterns of 04_softmax_loss: each detector returns a Hint when the student's output matches a known bug."""

from __future__ import annotations

import numpy as np

from ..hints import Hint, detector, hint, matches, same


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
