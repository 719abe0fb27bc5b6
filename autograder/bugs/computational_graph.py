"""Bug patterns of 01_computational_graph: each detector returns a Hint when the student's output matches a known bug."""

from __future__ import annotations

import numpy as np

from ..hints import Hint, detector, hint, matches


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
