"""Public tests for 02_activations. Run them in this folder with
`python -m autograder check` (a table and an explanation of every failure) or `python -m pytest`.

They check small hand-made cases and a gradient check; the autograder runs
more tests of the same kind on other inputs.
"""

import numpy as np
import pytest

from autograder import hints, messages
from autograder.assertions import assert_close, assert_gradient, assert_shape, numerical_gradient
from layers import Relu, Sigmoid, Tanh


def say(key: str, **fields) -> str:
    """A label in the language of the check (the public tests' words live in the catalogue)."""
    return messages.text(f"public.{key}", **fields)


# The classic mistakes, recognised from what a method returned. A hint shows only when its check fails.

@hints.detector
def relu_mask_bug(mask, x):
    """The mask inverted (True where x > 0), or letting x == 0 through (x < 0)."""
    if np.array_equal(mask, x > 0):
        return hints.hint("hint.relu.mask_inverted")
    if np.array_equal(mask, x < 0):
        return hints.hint("hint.relu.mask_at_zero")


@hints.detector
def relu_dx_bug(dx, x, dout):
    """dx without the mask, with the mask inverted, or passing the gradient at x == 0."""
    if hints.matches(dx, dout):
        return hints.hint("hint.relu.no_mask")
    if hints.matches(dx, np.where(x > 0, 0.0, dout)):
        return hints.hint("hint.relu.mask_inverted")
    if (x == 0).any() and hints.matches(dx, np.where(x < 0, 0.0, dout)):
        return hints.hint("hint.relu.mask_at_zero")


@hints.detector
def sigmoid_forward_bug(out, x):
    """nan from exp(x) / (1 + exp(x)), or the sign of the exponent."""
    if np.isnan(np.asarray(out, dtype=float)).any():
        return hints.hint("hint.sigmoid.overflow_nan")
    if hints.matches(out, 1 / (1 + np.exp(x))):
        return hints.hint("hint.sigmoid.exponent_sign")


@hints.detector
def derivative_bug(dx, candidates: dict, unit: str):
    """dx equal to one of the wrong derivatives in `candidates` (formula -> value)."""
    for formula, value in candidates.items():
        if hints.matches(dx, value):
            return hints.hint(f"hint.{unit}.derivative", formula=formula)


def sigmoid_dx_bug(dx, out, dout):
    out = np.asarray(out, dtype=float)
    return derivative_bug(dx, {"dout * out": dout * out, "dout * (1 - out)": dout * (1 - out)}, "sigmoid")


def tanh_dx_bug(dx, x, out, dout):
    out = np.asarray(out, dtype=float)
    return derivative_bug(dx, {"dout * (1 - out)": dout * (1 - out),
                               "dout * (1 - np.tanh(out) ** 2)": dout * (1 - np.tanh(out) ** 2),
                               "dout * (1 - x ** 2)": dout * (1 - x ** 2)}, "tanh")


def test_relu_small_example():
    x = np.array([[1.0, -0.5], [0.0, 3.0]])
    relu = Relu()
    out = relu.forward(x)
    assert_close(out, [[1.0, 0.0], [0.0, 3.0]], "Relu.forward(x)", reveal=True)
    # a boolean array, True where x <= 0: 0 counts as cut
    assert_close(relu.mask, np.array([[False, True], [True, False]]), "Relu.forward: self.mask", reveal=True,
                 hint=relu_mask_bug(relu.mask, x))
    dout = np.array([[10.0, 20.0], [30.0, 40.0]])
    dx = relu.backward(dout.copy())
    assert_close(dx, [[10.0, 0.0], [0.0, 40.0]], "Relu.backward(dout)", reveal=True, hint=relu_dx_bug(dx, x, dout))


@pytest.mark.parametrize("layer_class", [Relu, Sigmoid, Tanh])
def test_forward_does_not_modify_its_input(layer_class):
    x = np.array([-1.0, 2.0, -3.0, 0.0])
    layer_class().forward(x)
    assert_close(x, [-1.0, 2.0, -3.0, 0.0],
                 say("input_after_forward", method=f"{layer_class.__name__}.forward"),
                 rtol=0, atol=0, reveal=True)


LIMITS = {  # each layer's output in closed form, finite for any x
    "Relu": lambda x: np.maximum(x, 0.0),
    "Sigmoid": lambda x: np.exp(-np.logaddexp(0.0, -x)),
    "Tanh": np.tanh,
}


@pytest.mark.parametrize("layer_class", [Relu, Sigmoid, Tanh])
def test_the_same_layer_on_new_and_large_inputs(layer_class):
    """A layer used again follows its latest forward; at |x| = 1000 the output and dx stay finite."""
    name = layer_class.__name__
    layer = layer_class()
    first = np.array([-1.0, 2.0, -3.0, 0.5])
    first_out = np.array(layer.forward(first), dtype=float)
    layer.backward(np.ones(4))
    dx_once = np.array(layer.backward(np.ones(4)), dtype=float)  # a second backward: the same dx
    fresh = layer_class()
    fresh.forward(first)
    assert_close(dx_once, fresh.backward(np.ones(4)), f"{name}.backward(dout): " + say("called_a_second_time"),
                 reveal=True)
    for x in (np.array([1.5, -2.0, 3.0, -0.5]), np.array([-1000.0, 1000.0, -30.0, 30.0])):
        with np.errstate(over="ignore"):  # 1 / (1 + np.exp(1000)) overflows on the way to its right answer, 0
            out = layer.forward(x)
        expected = LIMITS[name](x)
        overflow = "hint.sigmoid.overflow_nan" if name == "Sigmoid" and not np.all(np.isfinite(out)) else None
        assert_close(out, expected, f"{name}.forward(x): " + say("reused_on_new_inputs", n=len(x)), reveal=True,
                     hint=[hints.stale_input(out, first_out, expected), overflow])
        with np.errstate(over="ignore"):
            dx = layer.backward(np.ones(4))
            fresh = layer_class()
            fresh.forward(x)
            fresh_dx = fresh.backward(np.ones(4))
        assert_close(dx, fresh_dx, f"{name}.backward(dout): " + say("reused_on_new_inputs", n=len(x)),
                     reveal=True)


def test_sigmoid_small_example():
    x = np.array([-2.0, 0.0, 2.0])
    sigmoid = Sigmoid()
    out = sigmoid.forward(x)
    right = [0.11920292, 0.5, 0.88079708]
    assert_close(out, right, "Sigmoid.forward(x)", rtol=1e-6, reveal=True, hint=sigmoid_forward_bug(out, x))
    assert_close(sigmoid.out, out, "Sigmoid.forward: self.out", reveal=True)
    dout = np.array([1.0, 1.0, 2.0])
    dx = sigmoid.backward(dout.copy())
    assert_close(dx, [0.10499359, 0.25, 0.20998717], "Sigmoid.backward(dout)", rtol=1e-6, reveal=True,
                 hint=sigmoid_dx_bug(dx, right, dout))


def test_tanh_small_example():
    x = np.array([[-1.0, 0.0, 0.5]])
    tanh = Tanh()
    out = tanh.forward(x)
    assert_close(out, [[-0.76159416, 0.0, 0.46211716]], "Tanh.forward(x)", rtol=1e-6, atol=1e-7, reveal=True)
    dout = np.array([[2.0, 1.0, -1.0]])
    dx = tanh.backward(dout.copy())
    assert_close(dx, [[0.83994868, 1.0, -0.78644773]], "Tanh.backward(dout)", rtol=1e-6, reveal=True,
                 hint=tanh_dx_bug(dx, x, [[-0.76159416, 0.0, 0.46211716]], dout))


# the common bugs of each backward, recognised from what it returned and the layer's own forward output
BUGS = {
    "Relu": lambda dx, x, out, dout: relu_dx_bug(dx, x, dout),
    "Sigmoid": lambda dx, x, out, dout: sigmoid_dx_bug(dx, out, dout),
    "Tanh": lambda dx, x, out, dout: tanh_dx_bug(dx, x, out, dout),
}


@pytest.mark.parametrize("layer_class", [Relu, Sigmoid, Tanh])
@pytest.mark.parametrize("shape", [(5,), (3, 4)])
def test_gradients_match_central_differences(layer_class, shape):
    rng = np.random.default_rng(7)
    x = rng.uniform(0.2, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)  # away from ReLU's kink
    dout = rng.normal(size=shape)
    layer = layer_class()
    out = layer.forward(x.copy())  # a forward that changes its input fails the test above, not this one
    dx = layer.backward(dout.copy())
    name = layer_class.__name__
    assert_shape(dx, x.shape, f"{name}.backward(dout)")
    num = numerical_gradient(lambda v: layer_class().forward(v), x, dout, f"{name}.forward")
    assert_gradient(dx, num, f"{name}.backward(dout)", reveal=True, hint=BUGS[name](dx, x, out, dout))
