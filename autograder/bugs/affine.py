"""Bug patterns of 03_affine: each detector returns a Hint when the student's output matches a known bug."""

from __future__ import annotations

import numpy as np

from ..hints import Hint, detector, hint, matches


@detector
def db_shape(db, b) -> Hint | None:
    """db summed over every axis, or kept as a row, instead of over the batch axis only."""
    shape, want = np.shape(db), np.shape(b)
    if db is not None and shape != want:
        return hint("hint.affine.db_batch_axis", actual=shape, expected=want)
    return None


@detector
def dx(dx, dout, W) -> Hint | None:
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
def dW(dW, x, dout) -> Hint | None:
    """dW as dout.T @ x: the transpose of the right one, of shape (M, D)."""
    right = np.asarray(x, dtype=np.float64).T @ np.asarray(dout, dtype=np.float64)
    if matches(dW, right.T) and not matches(dW, right):
        return hint("hint.affine.dW_transposed", actual=np.shape(dW), expected=right.shape)
    return None
