"""The assertion helpers: messages in debugging order, tolerances by dtype."""

import numpy as np
import pytest

from autograder.checks import assert_close, assert_gradient, assert_shape, numerical_gradient


def message(fn, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_none_says_return_was_forgotten():
    assert "forget to return" in message(assert_close, None, np.zeros(2), "Affine.forward(x)")


def test_shape_comes_before_values():
    text = message(assert_close, np.zeros((2, 3)), np.ones((3, 2)), "dx")
    assert "shape (2, 3), expected (3, 2)" in text


def test_strings_are_not_numbers():
    assert "dtype" in message(assert_close, np.array(["a", "b"]), np.zeros(2), "out")


def test_values_message_counts_and_locates_without_showing_expected_values():
    expected = np.arange(6.0).reshape(2, 3)
    actual = expected.copy()
    actual[1, 2] += 0.5
    text = message(assert_close, actual, expected, "db", hint="sum over the batch axis")
    assert "1 of 6 entries" in text and "(1, 2)" in text and "Hint: sum over the batch axis" in text
    assert "5.0" not in text  # the expected value stays hidden


def test_nan_where_a_number_was_expected():
    assert "nan" in message(assert_close, np.array([np.nan, 1.0]), np.array([0.0, 1.0]), "y")


def test_float32_passes_with_its_rounding_and_a_real_bug_does_not():
    rng = np.random.default_rng(0)
    W, x = rng.normal(size=(10, 7)), rng.normal(size=(5, 10))
    exact = np.tanh(x @ W)
    single = np.tanh(x.astype(np.float32) @ W.astype(np.float32))
    assert_close(single, exact, "float32 forward")
    with pytest.raises(AssertionError):
        assert_close((1 - single) * single, exact, "a wrong float32 result")


def test_float64_is_held_to_a_tight_tolerance():
    exact = np.linspace(1, 2, 5)
    with pytest.raises(AssertionError):
        assert_close(exact * (1 + 1e-4), exact, "off by 1e-4")


def test_scalar_expectation_accepts_size_one_arrays():
    assert_close(np.array([0.5]), 0.5, "loss")
    assert_close(0.5, np.float64(0.5), "loss")


def test_bool_masks_compare_exactly():
    assert_close(np.array([True, False]), np.array([True, False]), "mask")
    assert "1 of 2" in message(assert_close, np.array([True, True]), np.array([True, False]), "mask")
    assert "boolean" in message(assert_close, np.array([1.0, 0.0]), np.array([True, False]), "mask")


def test_assert_shape():
    assert_shape(np.zeros((2, 3)), (2, 3), "out")
    assert "expected (3,)" in message(assert_shape, np.zeros(2), (3,), "out")


def test_numerical_gradient_of_a_matrix_product():
    rng = np.random.default_rng(1)
    x, W, dout = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=(3, 2))
    num = numerical_gradient(lambda W2: x @ W2, W, dout)
    assert_gradient(x.T @ dout, num, "dW")
    assert "relative error" in message(assert_gradient, x.T @ dout * 1.1, num, "dW")


def test_numerical_gradient_adapts_to_float32_functions():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 3))
    num = numerical_gradient(lambda v: np.tanh(v.astype(np.float32)), x, np.ones((4, 3)))
    assert num.precision == "float32"
    assert_gradient((1 - np.tanh(x) ** 2).astype(np.float32), num, "dx")


def test_numerical_gradient_reports_a_non_scalar_loss():
    assert "single number" in message(numerical_gradient, lambda v: v, np.ones(3))


def test_gradient_shape_mismatch():
    assert "shape" in message(assert_gradient, np.zeros(3), np.zeros((3, 1)), "db")


def test_float32_forward_with_float64_backward_gets_the_float32_tolerance():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 3))
    num = numerical_gradient(lambda v: 1 / (1 + np.exp(-v.astype(np.float32))), x, np.ones((4, 3)))
    s = 1 / (1 + np.exp(-x))
    assert_gradient(s * (1 - s), num, "Sigmoid dx")  # float64 analytic, float32 forward


def test_relative_error_of_zero_entries_is_readable():
    text = message(assert_close, np.array([0.5, 0.0]), np.array([0.0, 0.0]), "dx")
    assert "e+307" not in text
