"""Assertions for hidden tests: type, then shape, then dtype, then values.

Every failure is an AssertionError whose message a student can act on and that
never shows a hidden input or an expected value: the method, the shapes, how
many entries are off and by how much, and a hint where one is given.

Tolerances follow the dtype the student returned. float64 code is held to
rtol 1e-5 / atol 1e-8, far looser than its rounding (about 1e-15) and far tighter
than any real bug. float32 code (the textbook's TimeRNN builds float32 arrays)
carries about 1e-7 relative rounding per operation, amplified by a few dozen
multiply-adds and tanh: rtol 1e-3 / atol 1e-5 passes it with a wide margin while
a wrong transpose, a missing sum or a wrong derivative is off by 1e-1 or more.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .student import evaluate_all

TOLERANCES = {  # dtype kind/size -> (rtol, atol)
    "float64": (1e-5, 1e-8),
    "float32": (1e-3, 1e-5),
}
# Relative error of analytic vs central-difference gradients: |a-n| / max(|a|+|n|, floor).
GRADIENT_TOLERANCE = {"float64": (1e-5, 1e-7), "float32": (2e-2, 1e-3)}  # (max error, floor)
STEP = {"float64": 1e-5, "float32": 1e-2}


def fail(message: str) -> None:
    raise AssertionError(message)


def _with_hint(message: str, hint: str | None) -> str:
    return f"{message} Hint: {hint}" if hint else message


def _describe(value) -> str:
    if value is None:
        return "None (did you forget to return a value?)"
    kind = getattr(value, "remote_type", None) or type(value).__name__
    return f"a {kind}"


def as_array(actual, what: str, hint: str | None = None) -> np.ndarray:
    """The student's value as a numeric ndarray, or a failure saying what came instead."""
    if isinstance(actual, np.ndarray):
        array = actual
    elif isinstance(actual, (bool, int, float, np.generic)):
        array = np.asarray(actual)
    elif isinstance(actual, (list, tuple)):
        try:
            array = np.asarray(actual, dtype=float)
        except (TypeError, ValueError):
            fail(_with_hint(f"{what} returned a {type(actual).__name__} that is not an array of numbers.", hint))
    else:
        fail(_with_hint(f"{what} should be a numpy array, but it is {_describe(actual)}.", hint))
    if array.dtype.kind not in "biuf":
        fail(_with_hint(f"{what} has dtype {array.dtype}; expected numbers.", hint))
    return array


def precision(array: np.ndarray) -> str:
    """'float32' for half and single precision, else 'float64'."""
    return "float32" if array.dtype.kind == "f" and array.dtype.itemsize <= 4 else "float64"


def judged_precision(actual, expected, what: str, gap: float = 1e-9) -> str:
    """'float32' when the student's output is float32, or float32-accurate only.

    Float32 code often leaves its values in float64 arrays (the constructor's
    zeros_like of float64 parameters): such an output sits more than `gap` away
    from the float64 reference, and its gradients get the float32 tolerance.
    """
    array = as_array(actual, what)
    if precision(array) == "float32":
        return "float32"
    expected = np.asarray(expected, dtype=np.float64)
    if array.shape == expected.shape and np.max(np.abs(array - expected), initial=0.0) > gap:
        return "float32"
    return "float64"


def at_precision(value, kind: str):
    """value cast to float32 when kind is 'float32', so assert_close applies the float32 tolerance."""
    if kind == "float32" and isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32)
    return value


def assert_shape(actual, shape: tuple, what: str, hint: str | None = None) -> np.ndarray:
    array = as_array(actual, what, hint)
    if array.shape != tuple(shape):
        fail(_with_hint(f"{what} has shape {array.shape}, expected {tuple(shape)}.", hint))
    return array


def assert_close(actual, expected, what: str, *, rtol: float | None = None,
                 atol: float | None = None, hint: str | None = None) -> None:
    """Check type, shape, dtype and values of `actual` against `expected`.

    A scalar expectation accepts a Python number, a numpy scalar or any size-1
    array (a loss returned as shape (1,) is still the right loss).
    """
    expected = np.asarray(expected)
    array = as_array(actual, what, hint)
    if expected.ndim == 0 and array.size == 1:
        array = array.reshape(())
    if array.shape != expected.shape:
        fail(_with_hint(f"{what} has shape {array.shape}, expected {expected.shape}.", hint))
    if expected.dtype == bool:
        if array.dtype != bool:
            fail(_with_hint(f"{what} has dtype {array.dtype}, expected a boolean array.", hint))
        wrong = np.argwhere(array != expected)
        if len(wrong):
            fail(_with_hint(f"{what}: {len(wrong)} of {array.size} entries are wrong "
                            f"(first at index {_index(wrong[0])}).", hint))
        return
    default_rtol, default_atol = TOLERANCES[precision(array)]
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    got = array.astype(np.float64)
    want = expected.astype(np.float64)
    bad_nan = np.argwhere(~np.isfinite(got) & np.isfinite(want))
    if len(bad_nan):
        i = tuple(bad_nan[0])
        fail(_with_hint(f"{what} contains {got[i]} at index {_index(bad_nan[0])} "
                        "where a finite value was expected.", hint))
    error = np.abs(got - want)
    off = ~(error <= atol + rtol * np.abs(want))
    off &= ~((got == want) & ~np.isfinite(want))  # matching infinities are equal
    if off.any():
        worst = np.unravel_index(np.argmax(np.where(off, error, -1)), error.shape)
        relative = error / np.maximum(np.abs(want), atol)
        fail(_with_hint(
            f"{what}: {int(off.sum())} of {array.size} entries differ from the expected values; "
            f"max abs error {error[worst]:.3g} (at index {_index(worst)}), "
            f"max rel error {np.max(np.where(off, relative, 0)):.3g} (rtol {rtol:g}, atol {atol:g}).",
            hint))


def _index(index) -> tuple | str:
    index = tuple(int(i) for i in index)
    return index if index else "()"


class NumericalGradient(np.ndarray):
    """A float64 gradient from central differences, remembering the precision of the function."""

    precision: str = "float64"


def numerical_gradient(f: Callable[[np.ndarray], object], x: np.ndarray, dout=None,
                       what: str = "forward") -> NumericalGradient:
    """Central-difference gradient of sum(f(x) * dout) (or of the scalar f(x)) with respect to x.

    x is perturbed in float64. When f returns float32 the step is 1e-2 instead of
    1e-5, since float32 rounding would swamp a small step.
    """
    x = np.array(x, dtype=np.float64)
    weights = None if dout is None else np.asarray(dout, dtype=np.float64)

    def scalar(point):
        return scalar_of(f(point))

    def scalar_of(result):
        out = as_array(result, what)
        value = out.astype(np.float64)
        if weights is None:
            if value.size != 1:
                fail(f"{what} should return a single number, but it has shape {value.shape}.")
            return float(value.reshape(())), out
        if value.shape != weights.shape:
            fail(f"{what} has shape {value.shape}, expected {weights.shape}.")
        return float(np.sum(value * weights)), out

    _, first = scalar(x)
    kind = precision(first)
    h = STEP[kind]
    points = []
    for i in np.ndindex(x.shape):
        for step in (h, -h):
            point = x.copy()
            point[i] += step
            points.append(point)
    # All evaluations go to the worker in a few requests, not two per entry.
    values = [scalar_of(out)[0] for out in evaluate_all(f, points)]
    grad = np.zeros_like(x)
    for k, i in enumerate(np.ndindex(x.shape)):
        grad[i] = (values[2 * k] - values[2 * k + 1]) / (2 * h)
    result = grad.view(NumericalGradient)
    result.precision = kind
    return result


def relative_error(analytic: np.ndarray, numerical: np.ndarray, floor: float) -> np.ndarray:
    """|a - n| / max(|a| + |n|, floor), entry by entry."""
    return np.abs(analytic - numerical) / np.maximum(np.abs(analytic) + np.abs(numerical), floor)


def assert_gradient(analytic, numerical, what: str, hint: str | None = None) -> None:
    """Check the student's analytic gradient against a numerical one (central differences)."""
    # A float32 forward makes the numerical gradient float32-accurate, whatever backward returns.
    kind = "float32" if getattr(numerical, "precision", "") == "float32" else "float64"
    numerical = np.asarray(numerical)
    array = as_array(analytic, what, hint)
    if array.shape != numerical.shape:
        fail(_with_hint(f"{what} has shape {array.shape}, expected {numerical.shape}.", hint))
    if precision(array) == "float32":
        kind = "float32"
    tolerance, floor = GRADIENT_TOLERANCE[kind]
    got = array.astype(np.float64)
    if not np.all(np.isfinite(got)):
        fail(_with_hint(f"{what} contains nan or inf.", hint))
    error = relative_error(got, np.asarray(numerical, dtype=np.float64), floor)
    worst = np.unravel_index(np.argmax(error), error.shape) if error.size else ()
    if error.size and error[worst] > tolerance:
        fail(_with_hint(
            f"{what} does not match the numerical gradient of your own code "
            f"(central differences): relative error {error[worst]:.3g} at index {_index(worst)} "
            f"(allowed {tolerance:g}); {int((error > tolerance).sum())} of {error.size} entries off.",
            hint))
