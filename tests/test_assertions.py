"""The assertion helpers: messages in debugging order, one tolerance for every dtype."""

import numpy as np
import pytest

from autograder.assertions import assert_close, assert_gradient, assert_shape, numerical_gradient


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
    assert "1 of the 6 entries (shape (2, 3))" in text and "at index (1, 2)" in text
    assert "off by 1 to 10 %" in text and "Hint: sum over the batch axis" in text
    assert "5.0" not in text and "0.1" not in text  # neither the expected value nor the relative error


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


def test_float64_is_held_to_the_same_tolerance_as_float32():
    exact = np.linspace(1, 2, 5)
    with pytest.raises(AssertionError):
        assert_close(exact * (1 + 1e-3), exact, "off by 1e-3")
    with pytest.raises(AssertionError):
        assert_close((exact * (1 + 1e-3)).astype(np.float32), exact, "off by 1e-3 in float32")


def test_scalar_expectation_accepts_size_one_arrays():
    assert_close(np.array([0.5]), 0.5, "loss")
    assert_close(0.5, np.float64(0.5), "loss")


def test_bool_masks_compare_exactly():
    assert_close(np.array([True, False]), np.array([True, False]), "mask")
    assert "1 of the 2 entries" in message(assert_close, np.array([True, True]), np.array([True, False]), "mask")
    revealed = message(assert_close, np.array([True, True]), np.array([True, False]), "mask", reveal=True)
    assert "1 of 2 entries are wrong (first at index (1,))" in revealed
    assert "boolean" in message(assert_close, np.array([1.0, 0.0]), np.array([True, False]), "mask")


def test_assert_shape():
    assert_shape(np.zeros((2, 3)), (2, 3), "out")
    assert "expected (3,)" in message(assert_shape, np.zeros(2), (3,), "out")


def test_numerical_gradient_of_a_matrix_product():
    rng = np.random.default_rng(1)
    x, W, dout = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=(3, 2))
    num = numerical_gradient(lambda W2: x @ W2, W, dout)
    assert_gradient(x.T @ dout, num, "dW")
    assert "relative error" in message(assert_gradient, x.T @ dout * 1.1, num, "dW", reveal=True)
    assert "off by more than 10 %" in message(assert_gradient, x.T @ dout * 1.1, num, "dW")


def test_numerical_gradient_of_a_float32_function_passes_at_the_one_tolerance():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 3))
    num = numerical_gradient(lambda v: np.tanh(v.astype(np.float32)), x, np.ones((4, 3)))
    assert_gradient((1 - np.tanh(x) ** 2).astype(np.float32), num, "dx")


def test_numerical_gradient_reports_a_non_scalar_loss():
    assert "single number" in message(numerical_gradient, lambda v: v, np.ones(3))


def test_gradient_shape_mismatch():
    assert "shape" in message(assert_gradient, np.zeros(3), np.zeros((3, 1)), "db")


def test_float32_forward_with_float64_backward_passes():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 3))
    num = numerical_gradient(lambda v: 1 / (1 + np.exp(-v.astype(np.float32))), x, np.ones((4, 3)))
    s = 1 / (1 + np.exp(-x))
    assert_gradient(s * (1 - s), num, "Sigmoid dx")  # float64 analytic, float32 forward


def test_relative_error_of_zero_entries_is_readable():
    text = message(assert_close, np.array([0.5, 0.0]), np.array([0.0, 0.0]), "dx")
    assert "e+307" not in text


def test_public_message_shows_the_first_mismatches_and_both_arrays():
    expected = np.arange(6.0).reshape(2, 3)
    actual = expected.copy()
    actual[0, 1], actual[1, 2] = 7.25, -3.5
    text = message(assert_close, actual, expected, "Affine.forward(x)", reveal=True)
    assert "2 of 6 entries" in text and "max abs error 8.5" in text and "max rel error" in text
    assert "First 2 of 2 mismatching entries" in text
    rows = [line.split() for line in text.splitlines() if line.strip().startswith("(")]
    assert rows == [["(0,", "1)", "7.25", "1"], ["(1,", "2)", "-3.5", "5"]]
    assert "expected:" in text and "actual:" in text


def test_hidden_message_keeps_expected_values_out():
    expected = np.array([0.123456, 9.87654])
    text = message(assert_close, np.array([0.5, 9.87654]), expected, "dx")
    assert "0.123456" not in text and "9.87654" not in text and "0.12" not in text


def test_a_failure_carries_the_bug_hints_that_fired():
    from autograder.assertions import CheckFailed
    from autograder.hints import hint

    with pytest.raises(CheckFailed) as info:
        assert_close(np.zeros(()), np.zeros(5), "Affine.db",
                     hint=[None, "hint.affine.dx_missing_transpose",
                           hint("hint.affine.db_batch_axis", actual=(), expected=(5,))])
    assert info.value.hints == ("hint.affine.dx_missing_transpose", "hint.affine.db_batch_axis")
    assert "db has shape () but b has shape (5,)" in str(info.value)
    assert isinstance(info.value, AssertionError)


def test_an_unknown_hint_key_fails_even_when_the_values_are_right():
    with pytest.raises(KeyError):
        assert_close(np.zeros(2), np.zeros(2), "x", hint="hint.affine.no_such_bug")


def test_messages_speak_the_chosen_language():
    from autograder import messages

    with messages.speaking("ko"):
        text = message(assert_close, np.zeros(3), np.zeros(2), "Affine.db", hint="hint.affine.dx_missing_transpose")
    assert "Affine.db의 shape이 (3,)입니다" in text and "힌트: dx가 dout @ W.T가 아니라" in text
    with messages.speaking("en"):
        assert "has shape (3,), expected (2,)" in message(assert_close, np.zeros(3), np.zeros(2), "Affine.db")


def test_gradient_table_has_a_row_per_parameter():
    from autograder.assertions import assert_gradients

    rng = np.random.default_rng(4)
    x, W, dout = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=(3, 2))
    num_W = numerical_gradient(lambda V: x @ V, W, dout)
    num_x = numerical_gradient(lambda v: v @ W, x, dout)
    assert_gradients({"dW": (x.T @ dout, num_W), "dx": (dout @ W.T, num_x)}, "Affine.backward")
    wrong = x.T @ dout
    wrong[2, 1] += 1.0
    text = message(assert_gradients, {"dW": (wrong, num_W), "dx": (dout @ W.T, num_x)},
                   "Affine.backward", reveal=True)
    lines = text.splitlines()
    header = next(line for line in lines if "parameter" in line).split()
    assert header[:2] == ["parameter", "shape"] and "analytic" in header and "numerical" in header
    dW_row = next(line for line in lines if line.strip().startswith("dW")).split()
    dx_row = next(line for line in lines if line.strip().startswith("dx")).split()
    assert dW_row[-5:] == ["1", "of", "8", "entries", "off"] and "(2," in dW_row
    assert f"{wrong[2, 1]:.6g}" in dW_row and f"{num_W[2, 1]:.6g}" in dW_row
    assert dx_row[-1] == "ok"
    hidden = message(assert_gradients, {"dW": (wrong, num_W)}, "Affine.backward")
    assert f"{num_W[2, 1]:.6g}" not in hidden and "1 of 8 entries off" in hidden


def test_numerical_gradient_takes_a_step():
    x = np.array([1.0, 2.0])
    cubic = numerical_gradient(lambda v: v ** 3, x, np.ones(2), step=0.5)
    assert np.allclose(cubic, 3 * x ** 2 + 0.25)  # central differences of x^3: 3x^2 + h^2


def test_the_student_side_imports_with_numpy_alone(tmp_path):
    """assertions.py, hints.py and messages.py ship to students: no sandbox, no grader modules."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import autograder

    package = Path(autograder.__file__).parent
    copy = tmp_path / "autograder"
    copy.mkdir()
    (copy / "__init__.py").write_text("")
    for name in ("assertions.py", "hints.py", "messages.py"):
        shutil.copy(package / name, copy / name)
    shutil.copytree(package / "catalogue", copy / "catalogue")
    script = (
        "import sys; sys.path[:0] = [sys.argv[1]]; sys.path.append(sys.argv[2])\n"
        "import numpy as np\n"
        "from autograder.assertions import assert_close, numerical_gradient, assert_gradients\n"
        "g = numerical_gradient(lambda v: v * 2, np.ones(3), np.ones(3))\n"
        "assert_gradients({'dx': (2 * np.ones(3), g)}, 'double')\n"
        "import autograder.assertions as c; assert c.__file__.startswith(sys.argv[1]), c.__file__\n"
        "assert not [m for m in sys.modules if m.startswith('autograder.') and m.split('.')[1] not in\n"
        "            ('assertions', 'hints', 'messages')], sorted(sys.modules)\n"
        "try:\n"
        "    assert_close(np.zeros(2), np.ones(2), 'x', reveal=True)\n"
        "except AssertionError as exc:\n"
        "    print(exc)\n"
    )
    # -S: no site-packages, so neither this repository's install nor its sandbox can be found; numpy's
    # folder alone goes on the path.
    numpy_home = str(Path(np.__file__).parent.parent)
    done = subprocess.run([sys.executable, "-I", "-S", "-c", script, str(tmp_path), numpy_home],
                          capture_output=True, text=True,
                          env={"AUTOGRADER_LANG": "ko"}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "원소 2개 중 2개가 기댓값과 다릅니다" in done.stdout
