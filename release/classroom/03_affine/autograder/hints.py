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
def affine_dx_transpose(dx, dout, W) -> Hint | None:
    """dx computed as dout @ W (square W only has the right shape) instead of dout @ W.T."""
    dout, W = np.asarray(dout, dtype=np.float64), np.asarray(W, dtype=np.float64)
    if W.shape[0] == W.shape[1] and matches(dx, dout @ W) and not matches(dx, dout @ W.T):
        return hint("hint.affine.dx_missing_transpose")
    return None
