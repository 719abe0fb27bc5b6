"""A gradient check through a forward that ignores its input earns nothing.

assert_gradients(..., reference={"dx": the reference's gradient}) fails a
parameter whose numerical gradient (central differences of the student's own
forward) is zero wherever the reference's is clearly not: a forward that
returns zeros, a constant or ignores W passes any consistency check with a
backward to match (zeros), so that check proves nothing. A forward with a bug
that still depends on its input keeps the credit its consistent backward earns.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder import messages
from autograder.assertions import CheckFailed, assert_gradient, assert_gradients, degenerate, numerical_gradient

RNG = np.random.default_rng(11)
X, W, B, DOUT = RNG.normal(size=(4, 3)), RNG.normal(size=(3, 2)), RNG.normal(size=2), RNG.normal(size=(4, 2))
REFERENCE = {"dx": DOUT @ W.T, "dW": X.T @ DOUT, "db": DOUT.sum(axis=0)}


def _check(forward, backward, **options):
    """Gradient check of an Affine-like (forward(x, W, b), backward(dout) -> dx, dW, db) against REFERENCE."""
    numerical = {
        "dx": numerical_gradient(lambda v: forward(v, W, B), X, DOUT),
        "dW": numerical_gradient(lambda v: forward(X, v, B), W, DOUT),
        "db": numerical_gradient(lambda v: forward(X, W, v), B, DOUT),
    }
    analytic = dict(zip(("dx", "dW", "db"), backward(DOUT)))
    assert_gradients({k: (analytic[k], numerical[k]) for k in numerical}, "Affine.backward", **options)


def _correct(x, W, b):
    return x @ W + b


def test_a_correct_forward_and_backward_pass():
    _check(_correct, lambda d: (d @ W.T, X.T @ d, d.sum(axis=0)), reference=REFERENCE)


def test_a_zero_forward_with_a_zero_backward_fails_every_parameter():
    with pytest.raises(CheckFailed) as info:
        _check(lambda x, W, b: np.zeros((4, 2)), lambda d: (np.zeros((4, 3)), np.zeros((3, 2)), np.zeros(2)),
               reference=REFERENCE)
    text = str(info.value)
    assert text.count("forward ignores it") == 3
    assert "Your forward does not depend on dx, dW, db" in text


def test_without_a_reference_the_same_check_passes():
    """What the check proved before: nothing, which is why hidden tests pass `reference`."""
    _check(lambda x, W, b: np.zeros((4, 2)), lambda d: (np.zeros((4, 3)), np.zeros((3, 2)), np.zeros(2)))


def test_a_constant_forward_fails():
    with pytest.raises(CheckFailed, match="forward ignores it"):
        _check(lambda x, W, b: np.full((4, 2), 0.7), lambda d: (np.zeros((4, 3)), np.zeros((3, 2)), np.zeros(2)),
               reference=REFERENCE)


def test_a_forward_that_ignores_one_parameter_fails_that_parameter_only():
    with pytest.raises(CheckFailed) as info:
        _check(lambda x, W, b: x @ W, lambda d: (d @ W.T, X.T @ d, np.zeros(2)), reference=REFERENCE)
    rows = {line.split()[0]: line for line in str(info.value).splitlines() if line.strip()[:2] in ("dx", "dW", "db")}
    assert "forward ignores it" in rows["db"]
    assert rows["dx"].rstrip().endswith("ok") and rows["dW"].rstrip().endswith("ok")
    assert "does not depend on db" in str(info.value)


def test_a_buggy_forward_that_depends_on_its_input_keeps_its_consistent_backward():
    """Forward with W transposed-twice bug (x @ W * 2): its backward (2 d W.T ...) is consistent, so it passes."""
    _check(lambda x, W, b: 2 * (x @ W) + b, lambda d: (2 * d @ W.T, 2 * X.T @ d, d.sum(axis=0)), reference=REFERENCE)


def test_the_sentence_speaks_korean():
    with messages.speaking("ko"), pytest.raises(CheckFailed) as info:
        assert_gradient(np.zeros(3), np.zeros(3), "dx", reference=np.ones(3))
    assert "forward는 dx 값에 의존하지 않습니다" in str(info.value)
    assert "forward가 이 입력을 쓰지 않음" in str(info.value)


def test_a_reference_gradient_of_zero_asks_for_nothing():
    assert_gradient(np.zeros(3), np.zeros(3), "dx", reference=np.zeros(3))


def test_a_reference_for_a_parameter_not_checked_is_a_mistake_of_the_test():
    with pytest.raises(ValueError, match="dz"):
        assert_gradients({"dx": (np.ones(2), np.ones(2))}, "f", reference={"dz": np.ones(2)})
    with pytest.raises(ValueError, match="shape"):
        assert_gradients({"dx": (np.ones(2), np.ones(2))}, "f", reference={"dx": np.ones(3)})


def test_a_float32_forward_is_not_degenerate():
    x = RNG.normal(size=(5, 4))
    num = numerical_gradient(lambda v: np.tanh(v.astype(np.float32)), x, np.ones((5, 4)))
    reference = 1 - np.tanh(x) ** 2
    assert not degenerate(num, reference)
    assert_gradient(reference.astype(np.float32), num, "dx", reference=reference)


gradients = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
                       elements=st.floats(-10, 10, allow_nan=False, width=64))


@settings(max_examples=200, deadline=None)
@given(gradients)
def test_a_numerical_gradient_equal_to_the_reference_is_never_degenerate(reference):
    assert not degenerate(reference, reference)
    assert not degenerate(reference.astype(np.float32), reference)


@settings(max_examples=200, deadline=None)
@given(gradients)
def test_a_zero_numerical_gradient_is_degenerate_exactly_when_the_reference_is_not_zero(reference):
    assert degenerate(np.zeros_like(reference), reference) == bool(np.abs(reference).max() > 1e-12)


def test_a_forward_that_gives_nan_fails_whatever_backward_returns():
    num = numerical_gradient(lambda v: np.full(3, np.nan), np.ones(3), np.ones(3))
    with pytest.raises(CheckFailed, match="your forward gave nan or inf"):
        assert_gradient(np.zeros(3), num, "dx")
    with pytest.raises(CheckFailed, match="your forward gave nan or inf"):
        assert_gradient(np.zeros(3), num, "dx", reference=np.ones(3))
