"""The hidden tests' gradient checks: along a few random directions first, entry by entry on failure.

    check_gradients({"dW": (analytic, Numerical(f, W, dout, what, step=...)), ...}, what, *,
                    hint=None, reference=None, through="forward")

The per-entry check (assertions.numerical_gradient, then assert_gradients)
costs two evaluations of the student's forward per entry of every input, four
with Richardson extrapolation. Here each input is first checked along
DIRECTIONS random directions, at two (or four) evaluations per direction. When
every input passes there, the test passes; when any is in doubt, those inputs
get the per-entry numerical gradient and assert_gradients decides, with the
table a student reads today. The quick check may only ever send a submission
to the per-entry check: it passes nothing the per-entry check would fail
(with the probabilities below), and whatever it cannot vouch for (an analytic
gradient that is not a finite array of the input's shape, a forward that
raises or returns something else, a gradient near zero, an input with fewer
entries than directions) goes to the per-entry check directly.

What is compared, why it catches what the per-entry check catches (the
probabilities), why correct code passes and where the two checks may differ:
docs/gradient-checks.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .assertions import (GRADIENT_FLOOR, GRADIENT_FLOOR_SCALE, GRADIENT_TOLERANCE, LIVE, STEP, TINY, CheckFailed,
                         _evaluate_all, assert_gradients, gradient_floor, hints_of, numerical_gradient,
                         scalar_of)

DIRECTIONS = 4  # random directions per input (module docstring)
THRESHOLD = GRADIENT_TOLERANCE / 10  # the largest error allowed along a direction, in relative-error units
# An analytic gradient whose scale is below SMALLEST has no floor of its own (GRADIENT_FLOOR
# decides there): the per-entry check judges it.
SMALLEST = GRADIENT_FLOOR / GRADIENT_FLOOR_SCALE
# The analytic gradient's scale against the reference's where the quick check may vouch that the
# forward is not degenerate (assertions.degenerate): see _scaled_like.
LIVE_SHARE, AT_MOST = 1 / 20, 100.0
ALONG = True  # False: every input goes to the per-entry check (what every hidden test did before)


@dataclass(frozen=True)
class Numerical:
    """What a numerical gradient differentiates: sum(f(x) * dout), or the scalar f(x) when dout is None.

    x: any shape; dout: f(x)'s shape. The per-entry numerical gradient takes
    central differences at `step` (assertions.STEP when None), combined with
    those at 2 * step as (4 D(h) - D(2h)) / 3 when `extrapolated` (Richardson:
    the h ** 2 truncation error cancels). Along a direction, where every entry
    moves at once: one central difference at `along_step` (default: step) when
    f is `linear` in x (exact at any step but for rounding), else Richardson's
    combination at along_step and 2 * along_step.
    """

    f: Callable[[np.ndarray], object]
    x: np.ndarray
    dout: np.ndarray | None = None
    what: str = "forward"
    step: float | None = None
    extrapolated: bool = False
    linear: bool = False
    along_step: float | None = None

    @property
    def h(self) -> float:
        return STEP if self.step is None else float(self.step)

    def per_entry(self) -> np.ndarray:
        """The numerical gradient, entry by entry (x's shape): what the per-entry check compares."""
        __tracebackhide__ = True  # pytest: the test's line and the message, not this frame
        fine = numerical_gradient(self.f, self.x, self.dout, self.what, step=self.h)
        if not self.extrapolated:
            return fine
        return (4 * fine - numerical_gradient(self.f, self.x, self.dout, self.what, step=2 * self.h)) / 3

    def along(self, units: np.ndarray, a: np.ndarray) -> np.ndarray:
        """<a, u> - (derivative along u) for each u of units (k, *x.shape): shape (k,).

        Every entry moves by at most the step, as in the per-entry check. The points
        are rounded to float32 values: a forward that computes in float32 then meets
        exactly the points differenced here, and the displacement that the
        derivative is compared along is the rounded one (float32 rounding of x + d
        and x - d otherwise differs entry by entry: an error of every entry of x at
        once, where the per-entry check has one entry's).
        """
        x = np.array(self.x, dtype=np.float64)
        weights = None if self.dout is None else np.asarray(self.dout, dtype=np.float64)
        h = self.h if self.along_step is None else float(self.along_step)
        steps = (h,) if self.linear else (h, 2 * h)
        points = [(x + sign * h * unit).astype(np.float32).astype(np.float64)
                  for unit in units for h in steps for sign in (1.0, -1.0)]
        values = [scalar_of(out, weights, self.what) for out in _evaluate_all(self.f, points)]
        errors = np.empty((len(units), len(steps)))
        for k in range(len(units)):
            for j, h in enumerate(steps):
                i = 2 * (k * len(steps) + j)
                moved = (points[i] - points[i + 1]) / 2  # about h * units[k]
                errors[k, j] = (float(np.sum(a * moved)) - (values[i] - values[i + 1]) / 2) / h
        return errors[:, 0] if self.linear else (4 * errors[:, 0] - errors[:, 1]) / 3


def check_gradients(checks: Mapping[str, tuple[object, Numerical]], what: str, *, hint=None,
                    reference: Mapping[str, object] | None = None, through: str = "forward",
                    rng: np.random.Generator | None = None) -> None:
    """assert_gradients({name: (analytic, numerical.per_entry())}, ...), checked along directions first.

    checks: {name: (the student's analytic gradient, the Numerical of the same
    quantity)}; hint, reference, through: as assert_gradients takes them.
    rng: where the directions come from (default: the running hidden test's
    draw.rng, labelled with the input's name and shape). Inputs that pass along
    every direction are shown as passed; the others get their per-entry
    numerical gradient, and assert_gradients decides and words the failure.
    """
    __tracebackhide__ = True  # pytest: the test's line and the message, not this frame
    hints_of(hint)  # keys are checked on every call, so a typo fails on a correct submission too
    reference = dict(reference or {})
    pairs, doubtful = {}, False
    for name, (analytic, numerical) in checks.items():
        if ALONG and _passes(name, analytic, numerical, reference.get(name), rng):
            pairs[name] = (analytic, np.asarray(analytic, dtype=np.float64))
        else:
            pairs[name] = (analytic, numerical.per_entry())
            doubtful = True
    if doubtful:
        assert_gradients(pairs, what, hint=hint, reference=reference, through=through)


def _passes(name: str, analytic, numerical: Numerical, reference, rng) -> bool:
    """Whether the analytic gradient agrees with the numerical one along every direction (module docstring)."""
    x = np.asarray(numerical.x)
    if not isinstance(analytic, np.ndarray) or analytic.dtype.kind not in "biuf" or analytic.shape != x.shape:
        return False
    a = analytic.astype(np.float64)
    scale = float(np.max(np.abs(a), initial=0.0)) if np.all(np.isfinite(a)) else np.nan
    cheaper = (1 if numerical.linear else 2) * DIRECTIONS < (2 if numerical.extrapolated else 1) * x.size
    if not scale >= SMALLEST or not cheaper or not _scaled_like(a, scale, reference):
        return False
    errors = direction_errors(a, numerical, _directions(name, x.shape, rng))
    return errors is not None and bool(np.all(errors <= THRESHOLD))


def _scaled_like(a: np.ndarray, scale: float, reference) -> bool:
    """Whether a passing gradient vouches that the forward is not degenerate (assertions.degenerate).

    Degenerate means the numerical gradient is within DEGENERATE of the reference's
    scale R at every live entry (|r_i| >= LIVE * R). Where a matches the numerical
    gradient entry by entry, an a of at least R / 20 at a live entry and of at most
    100 R everywhere rules that out: n_i there is a_i to within tol * max(|n_i|, F_n),
    and a large F_n would need max|n|, hence max|a|, above 100 R.
    """
    if reference is None:
        return True
    r = np.asarray(reference, dtype=np.float64)
    magnitude = np.abs(np.where(np.isfinite(r), r, 0.0))
    if r.shape != a.shape:
        return False
    big = float(magnitude.max(initial=0.0))
    if big <= TINY:
        return True
    live = magnitude >= LIVE * big
    return scale <= AT_MOST * big and bool(np.any(np.abs(a[live]) >= LIVE_SHARE * big))


def _directions(name: str, shape: tuple, rng: np.random.Generator | None) -> np.ndarray:
    """DIRECTIONS arrays of `shape`, entries uniform in [-1, 1], from the submission's seed."""
    if rng is None:
        from .hidden import draw

        rng = draw.rng("directions", name, tuple(shape))
    return rng.uniform(-1.0, 1.0, size=(DIRECTIONS, *shape))


def direction_errors(a: np.ndarray, numerical: Numerical, z: np.ndarray) -> np.ndarray | None:
    """S = |sum_i z_i (a_i - n_i) / w_i| for each direction z (k, *shape), or None when the forward failed.

    a: the analytic gradient (finite, float64); w_i = max(|a_i|, F_a) (module docstring).
    None when evaluating the forward raised or gave a value that is not finite: the
    per-entry check then meets the same problem and words it.
    """
    from .proxy import StudentError

    floor = gradient_floor(a)  # a is finite: the floor assert_gradients takes of the numerical gradient
    v = z / np.maximum(np.abs(a), floor)  # per-entry relative errors weighted by z
    largest = np.max(np.abs(v.reshape(len(v), -1)), axis=1)
    units = v / largest.reshape(-1, *([1] * a.ndim))  # every entry moves by the step at most
    try:
        errors = numerical.along(units, a)
    except (CheckFailed, StudentError):
        return None
    if not np.all(np.isfinite(errors)):
        return None
    return np.abs(errors) * largest
