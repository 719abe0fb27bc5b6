"""Bug patterns of 02_activations: each detector returns a Hint when the student's output matches a known bug."""

from __future__ import annotations

import numpy as np

from ..hints import Hint, detector, hint, ignores_dout, matches, numbers


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
    got = numbers(out)
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
