"""Assertions for hidden and public tests: type, then shape, then dtype, then values.

    assert_close(actual, expected, what, *, rtol=None, atol=None, hint=None, reveal=False)
    assert_shape(actual, shape, what, *, hint=None)
    assert_gradients({"dW": (analytic, numerical), ...}, what, *, hint=None, reveal=False, reference=None)
    assert_gradient(analytic, numerical, what, *, hint=None, reveal=False, reference=None)
    numerical_gradient(f, x, dout=None, what="forward", *, step=None)
    fail(key, *, hint=None, **fields)

How it works and why: docs/assertions.md (Assertions).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Callable, NoReturn

import numpy as np

from . import messages
from .hints import Hint, hint as make_hint

RTOL = 1e-4  # of each expected entry
ATOL_SCALE = 1e-4  # of the expected array's largest magnitude
ATOL_FLOOR = 1e-7  # where every expected entry is (nearly) zero
# Analytic vs central-difference gradients, entry by entry: the relative error
# |a-n| / max(|n|, floor) (relative_error, the one definition every message uses, the
# numerical gradient being the expected value) must stay below GRADIENT_TOLERANCE, the
# floor being GRADIENT_FLOOR_SCALE of the numerical gradient's largest magnitude
# (GRADIENT_FLOOR at least). 2e-2 of it is the 1e-2 of the symmetric |a-n| / (|a|+|n|)
# that STYLE.md names, where an entry is nearly right (|a| ~ |n|): the same submissions
# pass, and the student reads one relative error in values and gradients alike.
GRADIENT_TOLERANCE = 2e-2
GRADIENT_FLOOR_SCALE = 1e-2
GRADIENT_FLOOR = 1e-7
STEP = 1e-2  # central differences' default step, for float32 and float64 forwards alike
SHOWN = 5  # mismatching entries listed when reveal=True


class CheckFailed(AssertionError):
    """A failed check: str() is the student's message; `hints` the "hint." keys that fired."""

    def __init__(self, message: str, hints: Iterable[str] = ()):
        super().__init__(message)
        self.hints = tuple(dict.fromkeys(hints))


def hints_of(given) -> list[Hint]:
    """The Hints of a `hint` argument: a key, a Hint, None, or a (nested) list of these."""
    if given is None:
        return []
    if isinstance(given, Hint):
        return [given]
    if isinstance(given, str):
        if messages.has(given) or " " not in given.strip():
            return [make_hint(given)]  # a key (an unknown one fails: a typo)
        return [Hint("", (("text", given),))]  # a sentence of an instructor's own test, as written
    return [h for item in given for h in hints_of(item)]


def _say(key: str, **fields) -> str:
    return messages.text(f"assert.{key}", **fields)


def _raise(message: str, hints: list[Hint]) -> NoReturn:
    __tracebackhide__ = True  # pytest: the test's line and the message, not this frame
    ordered = [h for h in hints if h.recorded] + [h for h in hints if not h.recorded]
    lines = [message] + [_say("hint", text=h.text()) for h in dict.fromkeys(ordered)]
    raise CheckFailed("\n".join(lines), [h.key for h in ordered if h.recorded])


def fail(key: str, *, hint=None, **fields) -> NoReturn:
    """Fail with the catalogue's sentence for `key` (filled with `fields`) and the hints.

    A string that is not a catalogue key is shown as written: a one-off message
    in an instructor's own test. The engine's hidden tests use keys only
    (tests/test_messages.py checks).
    """
    __tracebackhide__ = True  # pytest: the test's line and the message, not this frame
    _raise(messages.text(key, **fields) if messages.has(key) else key, hints_of(hint))


def kind_of(actual) -> str:
    """What the student's value is, for a sentence: a student class's own name for an instance the worker holds."""
    if actual is None:
        return "None"
    return getattr(actual, "remote_type", None) or type(actual).__name__


def not_an_array(actual, what: str, hint=None) -> NoReturn:
    """Fail: `what` should be a numpy array and is `actual` (a list, a number, None, an object) instead."""
    __tracebackhide__ = True  # pytest: the test's line and the message, not this frame
    _raise(_say("not_array", what=what, kind=kind_of(actual)), hints_of(hint))


def as_array(actual, what: str, hint=None) -> np.ndarray:
    """The student's value as a numeric ndarray, or a failure saying what came instead."""
    __tracebackhide__ = True  # pytest: the test's line and the message, not this frame
    if isinstance(actual, np.ndarray):
        array = actual
    elif isinstance(actual, (bool, int, float, np.generic)):
        array = np.asarray(actual)
    elif isinstance(actual, (list, tuple)):
        try:
            array = np.asarray(actual, dtype=float)
        except (TypeError, ValueError):
            _raise(_say("not_numbers", what=what, kind=type(actual).__name__), hints_of(hint))
    elif actual is None:
        _raise(_say("none", what=what), hints_of(hint))
    else:
        not_an_array(actual, what, hint)
    if array.dtype.kind not in "biuf":
        _raise(_say("dtype", what=what, dtype=array.dtype), hints_of(hint))
    return array


def precision(array: np.ndarray) -> str:
    """'float32' for half and single precision, else 'float64' (a description: no tolerance depends on it)."""
    return "float32" if array.dtype.kind == "f" and array.dtype.itemsize <= 4 else "float64"


def judged_precision(actual, expected, what: str, gap: float = 1e-9) -> str:
    """Deprecated, changes nothing: tolerances no longer depend on what the student returned.

    Kept so that tests written for dtype-dependent tolerances still run; it checks
    that `actual` is numbers, as it did, and always answers 'float64'.
    """
    as_array(actual, what)
    return "float64"


def at_precision(value, kind: str):
    """Deprecated, changes nothing: `value` as given (see judged_precision)."""
    return value


def default_tolerance(expected) -> tuple[float, float]:
    """(rtol, atol) for comparing with `expected`: from the reference's magnitude alone, never the student's."""
    want = np.asarray(expected, dtype=np.float64)
    finite = np.abs(want[np.isfinite(want)])
    scale = float(finite.max()) if finite.size else 0.0
    return RTOL, max(ATOL_SCALE * scale, ATOL_FLOOR)


def assert_shape(actual, shape: tuple, what: str, hint=None) -> np.ndarray:
    __tracebackhide__ = True  # pytest: the test's line and the message, not this frame
    hints = hints_of(hint)
    array = as_array(actual, what, hints)
    if array.shape != tuple(shape):
        _raise(_say("shape", what=what, actual=array.shape, expected=tuple(shape)), hints)
    return array


def assert_close(actual, expected, what: str, *, rtol: float | None = None, atol: float | None = None,
                 hint=None, reveal: bool = False) -> None:
    """Check type, shape, dtype and values of `actual` against `expected`.

    A scalar expectation accepts a Python number, a numpy scalar or any size-1
    array (a loss returned as shape (1,) is still the right loss). rtol and atol
    default to default_tolerance(expected), the same for every dtype the student
    may return.
    """
    __tracebackhide__ = True  # pytest: the test's line and the message, not this frame
    hints = hints_of(hint)
    expected = np.asarray(expected)
    array = as_array(actual, what, hints)
    if expected.ndim == 0 and array.size == 1:
        array = array.reshape(())
    if array.shape != expected.shape:
        _raise(_say("shape", what=what, actual=array.shape, expected=expected.shape), hints)
    if expected.dtype == bool:
        if array.dtype != bool:
            _raise(_say("not_bool", what=what, dtype=array.dtype), hints)
        wrong = array != expected
        if wrong.any():
            if not reveal:  # where a boolean is wrong, its expected value is known: say how many only
                _raise(_say("bool_wrong", what=what, count=int(wrong.sum()), size=array.size, shape=array.shape),
                       hints)
            message = _say("bool_wrong_revealed", what=what, count=int(wrong.sum()), size=array.size,
                           index=_index(np.argwhere(wrong)[0]))
            _raise(message + _revealed(array, expected, wrong), hints)
        return
    default_rtol, default_atol = default_tolerance(expected)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    got = array.astype(np.float64)
    want = expected.astype(np.float64)
    error = np.abs(got - want)
    off = ~(error <= atol + rtol * np.abs(want))
    off &= ~((got == want) & ~np.isfinite(want))  # matching infinities are equal
    bad = ~np.isfinite(got) & np.isfinite(want)
    if bad.any():
        first = np.argwhere(bad)[0]
        message = _say("not_finite", what=what, value=got[tuple(first)], index=_index(first))
        _raise(message + (_revealed(got, want, off) if reveal else ""), hints)
    if off.any():
        # The absolute error stays out of hidden feedback: where the student's value is 0, it is |expected|.
        if reveal:
            _raise(_revealed_values(what, got, want, off, rtol, atol) + _revealed(got, want, off), hints)
        _raise(_coarse_values(what, got, want, off, atol), hints)


def _revealed_values(what: str, got: np.ndarray, want: np.ndarray, off: np.ndarray, rtol: float, atol: float) -> str:
    """The public message of a values failure: the largest absolute and relative errors and where.

    The relative error is relative_error's, with atol as its floor. Where that
    floor is 0 and the expected entry too (rtol=0, atol=0: exact integers), no
    relative error exists: the message gives the absolute error alone.
    """
    error = np.abs(got - want)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = relative_error(got, want, atol)
    measurable = off & np.isfinite(relative)
    worst_abs = np.unravel_index(np.argmax(np.where(off, error, -1)), error.shape)
    common = dict(what=what, count=int(off.sum()), size=got.size, rtol=f"{rtol:g}", atol=f"{atol:g}",
                  abs_error=f"{error[worst_abs]:.3g}", abs_index=_index(worst_abs))
    if not measurable.any():
        return messages.text("explain.value_absolute" if got.size == 1 else "explain.values_absolute", **common)
    worst_rel = np.unravel_index(np.argmax(np.where(measurable, relative, -1)), error.shape)
    return _say("values_revealed" if got.size > 1 else "value_revealed", index=_index(worst_rel),
                rel_error=f"{relative[worst_rel]:.3g}", **common)


def _coarse_values(what: str, got: np.ndarray, want: np.ndarray, off: np.ndarray, floor: float) -> str:
    """The hidden message of a values failure: shape, count, and the error in words (error_words)."""
    words, worst = error_words(got, want, off, floor)
    error = _say(f"error.{words}")
    if got.size == 1:
        return _say("value", what=what, error=error)
    common = dict(what=what, count=int(off.sum()), size=got.size, shape=got.shape, error=error)
    if worst is None:
        return _say("values_each", **common)
    return _say("values", index=_index(worst), **common)


# Bands of actual / expected that have a name of their own (error_words).
TWICE = (1.8, 2.2)
HALF = (0.45, 0.55)


def error_words(actual: np.ndarray, expected: np.ndarray, off: np.ndarray, floor: float) -> tuple[str, tuple | None]:
    """The size of an error in words a hidden message may show: (key under assert.error, worst index or None).

    When every wrong entry shares a pattern, the pattern and None: "zero" (0
    where a value was expected), "sign" (the wrong sign), "twice" or "half"
    (actual / expected within TWICE or HALF). Otherwise the worst entry's
    relative error |a - e| / max(|e|, floor) in one of three bands, "over_10"
    (more than 10 %), "1_to_10" or "under_1", and that entry's index. Each
    answer holds a few bits at most: a student who returns ones learns the
    expected values to one significant digit at best.
    """
    # Patterns are read where the expected entry is clearly non-zero (above the floor):
    # entries near zero have no ratio to speak of, and the band below covers them.
    wrong = off & np.isfinite(actual) & np.isfinite(expected) & (np.abs(expected) > floor)
    a, e = actual[wrong], expected[wrong]
    if a.size:
        ratio = a / e
        if np.all(np.abs(a) <= floor):
            return "zero", None
        if np.all(ratio < 0):
            return "sign", None
        for name, (low, high) in (("twice", TWICE), ("half", HALF)):
            if np.all((ratio >= low) & (ratio <= high)):
                return name, None
    relative = np.where(off, np.abs(actual - expected) / np.maximum(np.abs(expected), floor), -1.0)
    relative = np.where(np.isnan(relative), np.inf, relative)
    worst = np.unravel_index(np.argmax(relative), relative.shape)
    size = relative[worst]
    band = "over_10" if size > 0.1 else "1_to_10" if size > 0.01 else "under_1"
    return band, worst


def _revealed(actual: np.ndarray, expected: np.ndarray, off: np.ndarray) -> str:
    """The first mismatching entries and both arrays (public tests only)."""
    rows = [(str(_index(i)), _number(actual[tuple(i)]), _number(expected[tuple(i)]))
            for i in np.argwhere(off)[:SHOWN]]
    header = (_say("column.index"), _say("column.actual"), _say("column.expected"))
    lines = ["", _say("first_mismatches", shown=len(rows), count=int(off.sum()))]
    lines += ["  " + line for line in table(header, rows)]
    with np.printoptions(precision=6, threshold=60, edgeitems=3, linewidth=100):
        for label, array in ((_say("column.actual"), actual), (_say("column.expected"), expected)):
            lines.append(f"{label}:")
            lines += ["  " + line for line in str(np.asarray(array)).splitlines()]
    return "\n".join(lines)


def _number(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    return f"{float(value):.6g}"


def _index(index) -> tuple | str:
    index = tuple(int(i) for i in index)
    return index if index else "()"


def width(text: str) -> int:
    """Columns a string takes in a terminal (Korean syllables take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """Plain-text table lines: a header, a rule, and the rows, columns padded to the widest cell."""
    widths = [max(width(cell) for cell in column) for column in zip(header, *rows)]

    def line(cells):
        return "  ".join(cell + " " * (w - width(cell)) for cell, w in zip(cells, widths)).rstrip()

    return [line(header), line(["-" * w for w in widths])] + [line(row) for row in rows]


def _evaluate_all(f: Callable, points: list) -> list:
    """[f(p) for p in points]; on the grader's side, student calls go to the worker in a few requests."""
    try:
        from .round_trips import evaluate_all
    except ImportError:  # a student's copy of the checks has no sandbox: plain calls
        return [f(point) for point in points]
    return evaluate_all(f, points)


def scalar_of(result, weights: np.ndarray | None, what: str) -> float:
    """sum(result * weights) in float64, or the single number result when weights is None.

    The quantity a numerical gradient differentiates; a result that is not an
    array of numbers, or not of the weights' shape, fails with its own message.
    """
    __tracebackhide__ = True  # pytest: the test's line and the message, not this frame
    value = as_array(result, what).astype(np.float64)
    if weights is None:
        if value.size != 1:
            _raise(_say("single_number", what=what, shape=value.shape), [])
        return float(value.reshape(()))
    if value.shape != weights.shape:
        _raise(_say("shape", what=what, actual=value.shape, expected=weights.shape), [])
    return float(np.sum(value * weights))


def numerical_gradient(f: Callable[[np.ndarray], object], x: np.ndarray, dout=None,
                       what: str = "forward", *, step: float | None = None) -> np.ndarray:
    """Central-difference gradient of sum(f(x) * dout) (or of the scalar f(x)) with respect to x.

    x is perturbed in float64, by `step` when given, else by STEP whatever f
    returns: the step never follows the student's output. 1e-3 keeps the
    truncation error of smooth units (tanh, sigmoid, softmax at unit scale) near
    1e-7 of the gradient, and float32 rounding of f (about 6e-8 of f's scale,
    divided by 2e-3) near 3e-5: both far inside GRADIENT_TOLERANCE. A linear f
    (an affine layer) has exact central differences at any step: a longer one
    there keeps rounding inside f from showing.
    """
    __tracebackhide__ = True  # pytest: the test's line and the message, not this frame
    x = np.array(x, dtype=np.float64)
    weights = None if dout is None else np.asarray(dout, dtype=np.float64)
    scalar_of(f(x), weights, what)  # the student's output checked once, with its own message, before the perturbed calls
    h = STEP if step is None else float(step)
    points = []
    for i in np.ndindex(x.shape):
        for delta in (h, -h):
            point = x.copy()
            point[i] += delta
            points.append(point)
    values = [scalar_of(out, weights, what) for out in _evaluate_all(f, points)]
    grad = np.zeros_like(x)
    for k, i in enumerate(np.ndindex(x.shape)):
        grad[i] = (values[2 * k] - values[2 * k + 1]) / (2 * h)
    return grad


def relative_error(actual: np.ndarray, expected: np.ndarray, floor: float) -> np.ndarray:
    """|actual - expected| / max(|expected|, floor), entry by entry: the relative error of every message.

    expected is the reference's value, or in a gradient check the numerical
    gradient; the floor (atol for values, gradient_floor() for gradients) keeps
    entries near zero from dividing by almost nothing.
    """
    return np.abs(actual - expected) / np.maximum(np.abs(expected), floor)


def assert_gradient(analytic, numerical, what: str, hint=None, *, reveal: bool = False, reference=None,
                    through: str = "forward") -> None:
    """Check the student's analytic gradient against a numerical one (central differences).

    reference: the reference's gradient of the same quantity (see assert_gradients), or None.
    """
    __tracebackhide__ = True  # pytest: the test's line and the message, not this frame
    assert_gradients({what: (analytic, numerical)}, what, hint=hint, reveal=reveal,
                     reference=None if reference is None else {what: reference}, through=through)


# A forward is degenerate in an input when the numerical gradient stays within
# DEGENERATE of the reference gradient's scale at every entry where the reference's
# is at least LIVE of that scale: the forward does not depend on that input at all.
DEGENERATE = 1e-4
LIVE = 1e-3
TINY = 1e-12  # a reference gradient of at most this scale is zero: nothing to depend on


def assert_gradients(gradients: Mapping[str, tuple], what: str, *, hint=None, reveal: bool = False,
                     reference: Mapping[str, object] | None = None, through: str = "forward") -> None:
    """Check analytic gradients against numerical ones: {"dW": (analytic, numerical), ...}.

    reference: {"dW": the reference's gradient of the same quantity, same shape as
    numerical}, for some or all of the parameters. A parameter whose numerical
    gradient (through the student's forward) is ~0 where the reference's is
    clearly non-zero fails, however well backward matches: that forward does not
    depend on it, and a check of such a forward proves nothing.

    through: what the numerical gradients differentiate, as the student knows it:
    "forward" (the default), or a method such as "ManyToOneRNN.loss".

    On failure the message is a table, one row per parameter: its shape, the
    size of the worst error in words (reveal=False) or the largest relative error
    |a-n| / max(|n|, floor) (relative_error), the allowed error and the analytic
    and numerical values there (reveal=True), where, and a status.
    """
    __tracebackhide__ = True  # pytest: the test's line and the message, not this frame
    hints = hints_of(hint)
    reference = dict(reference or {})
    unknown = sorted(set(reference) - set(gradients))
    if unknown:
        raise ValueError(f"reference names {', '.join(unknown)}, which the gradients to check do not have")
    rows, failed, ignored = [], False, []
    for name, (analytic, numerical) in gradients.items():
        row, ok = _gradient_row(name, analytic, numerical, hints, reveal)
        if name in reference and degenerate(numerical, reference[name], name):
            row, ok = row[:-1] + (_say("status.degenerate"),), False
            ignored.append(name)
        rows.append(row)
        failed |= not ok
    if not failed:
        return
    if reveal:
        header = [_say("column.parameter"), _say("column.shape"), _say("column.rel_error"),
                  _say("column.allowed"), _say("column.index"), _say("column.analytic"), _say("column.numerical")]
    else:
        header = [_say("column.parameter"), _say("column.shape"), _say("column.error"), _say("column.index")]
    header.append(_say("column.status"))
    lines = [_say("gradient", what=what, through=through)] + ["  " + line for line in table(tuple(header), rows)]
    if ignored:
        lines.append(_say("degenerate", names=", ".join(ignored)))
    if reveal:
        lines.append(_say("gradient_error", floor=f"{GRADIENT_FLOOR_SCALE:.0%}"))
    _raise("\n".join(lines), hints)


def degenerate(numerical, reference, name: str = "gradient") -> bool:
    """Whether a forward does not depend on an input: its numerical gradient ~0 wherever the reference's is not.

    numerical: central differences through the student's forward; reference: the
    reference's gradient of the same quantity, of the same shape.
    """
    numerical = np.asarray(numerical, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if reference.shape != numerical.shape:
        raise ValueError(f"reference[{name!r}] has shape {reference.shape}, the numerical gradient {numerical.shape}")
    magnitude = np.abs(np.where(np.isfinite(reference), reference, 0.0))
    scale = float(magnitude.max(initial=0.0))
    if scale <= TINY:
        return False
    live = magnitude >= LIVE * scale
    return bool(np.all(np.abs(numerical[live]) <= DEGENERATE * scale))


def gradient_floor(numerical: np.ndarray) -> float:
    """The relative error's floor: GRADIENT_FLOOR_SCALE of the numerical gradient's scale (GRADIENT_FLOOR at least).

    Entries far smaller than the gradient's largest are judged by their absolute
    error at that scale, where rounding of the forward (float32 above all) is
    larger than the entry itself.
    """
    finite = np.abs(numerical[np.isfinite(numerical)])
    return max(GRADIENT_FLOOR_SCALE * float(finite.max(initial=0.0)), GRADIENT_FLOOR)


def _gradient_row(name: str, analytic, numerical, hints: list[Hint], reveal: bool) -> tuple[tuple, bool]:
    """(cells of the table's row, whether the parameter passed); the columns of assert_gradients' header."""
    __tracebackhide__ = True  # pytest: the test's line and the message, not this frame
    numerical = np.asarray(numerical, dtype=np.float64)
    array = as_array(analytic, name, hints)
    tolerance = GRADIENT_TOLERANCE

    def row(error: str = "", index: str = "", values: tuple = ("", ""), *, status: str):
        if reveal:
            return (name, str(array.shape), error, f"{tolerance:g}", index, *values, status)
        return (name, str(array.shape), error, index, status)

    if array.shape != numerical.shape:
        return row(status=_say("status.shape", expected=numerical.shape)), False
    got = array.astype(np.float64)
    if not np.all(np.isfinite(got)):
        return row(status=_say("status.not_finite")), False
    if not np.all(np.isfinite(numerical)):  # nan compares false with any tolerance: it must not pass
        return row(status=_say("status.forward_not_finite")), False
    floor = gradient_floor(numerical)
    error = relative_error(got, numerical, floor)
    if not error.size:
        return row(status=_say("status.ok")), True
    off = error > tolerance
    status = _say("status.off", count=int(off.sum()), size=error.size) if off.any() else _say("status.ok")
    if reveal:  # the worst entry of every row, passing or not: the student has these inputs
        worst = np.unravel_index(np.argmax(error), error.shape)
        return row(f"{error[worst]:.3g}", str(_index(worst)), (_number(got[worst]), _number(numerical[worst])),
                   status=status), not off.any()
    if not off.any():
        return row(status=status), True
    words, worst = error_words(got, numerical, off, floor)
    return row(_say(f"band.{words}"), "" if worst is None else str(_index(worst)), status=status), False
