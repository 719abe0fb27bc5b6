"""Hints tied to common bugs: detectors that recognise a bug from the inputs and the student's outputs.

    detector(inputs..., student outputs...) -> Hint | None

A detector compares what the student returned with what the well-known wrong
formula would return on the same inputs ("dx matches dout @ W instead of
dout @ W.T"). It returns a Hint, a catalogue key under "hint." plus fields,
when the pattern matches, and None otherwise; it never raises, whatever the
student returned. Tests pass what the detectors return to the assertions of
assertions.py, which show the hint only when the check fails and record its key in
the failure (and grade() in TestResult.hints).

A hint names the pattern and its fix; its fields are shapes and names, never
a hidden input or an expected value. tests/test_mutants.py proves each key
fires on the mutant it was written for and never on a solution or a correct
variant.

This module holds the Hint type and the detectors of bugs that any layer can
have (a gradient without dout, divided by N, accumulated across calls, ...).
The detectors of one assignment's bugs compute its right answers, so they live
with the grader, in autograder/bugs/<assignment>.py, never in what
students get. This module needs numpy and messages.py only: it ships to
students with assertions.py.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from . import messages

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
        except NameError:  # a mistake in the detector itself: let the project's tests see it
            raise
        except Exception:  # garbage from the student: no pattern recognised
            return None

    return safe


def numbers(value) -> np.ndarray | None:
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
    a, c = numbers(actual), numbers(candidate)
    if a is None or c is None or a.shape != c.shape or a.size == 0:
        return False
    return bool(np.all(np.isfinite(a)) and np.allclose(a, c, rtol=rtol, atol=atol))


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


def same(actual, candidate) -> bool:
    """Like matches(), but nan and inf must sit in the same places (a formula that overflows)."""
    a, c = numbers(actual), numbers(candidate)
    if a is None or c is None or a.shape != c.shape or a.size == 0:
        return False
    finite = np.isfinite(c)
    if not np.array_equal(np.isfinite(a), finite) or not np.array_equal(np.isnan(a), np.isnan(c)):
        return False
    return bool(np.allclose(a[finite], c[finite], rtol=1e-3, atol=1e-6))


@detector
def overflow(value) -> Hint | None:
    """A loss or gradient with nan or inf on finite scores: exp overflowed without the max shift."""
    got = numbers(value)
    if got is not None and not np.all(np.isfinite(got)):
        return hint("hint.softmax.no_max_shift")
    return None
