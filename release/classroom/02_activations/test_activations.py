"""Public tests for 02_activations. Run them in this folder with `python -m pytest`.

They check small hand-made cases and a gradient check; the autograder runs
more tests of the same kind on other inputs.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from layers import Relu, Sigmoid, Tanh


def numerical_gradient(f, x, dout, h=1e-3):
    """Central differences of sum(f(x) * dout) with respect to x."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + h
        plus = np.sum(f(x) * dout)
        x[i] = saved - h
        minus = np.sum(f(x) * dout)
        x[i] = saved
        grad[i] = (plus - minus) / (2 * h)
    return grad


def test_relu_small_example():
    x = np.array([[1.0, -0.5], [0.0, 3.0]])
    relu = Relu()
    out = relu.forward(x)
    assert_allclose(out, [[1.0, 0.0], [0.0, 3.0]])
    assert relu.mask.dtype == bool
    assert_array_equal(relu.mask, [[False, True], [True, False]])  # x <= 0: 0 counts as cut
    dx = relu.backward(np.array([[10.0, 20.0], [30.0, 40.0]]))
    assert_allclose(dx, [[10.0, 0.0], [0.0, 40.0]])


def test_relu_forward_does_not_modify_its_input():
    x = np.array([-1.0, 2.0, -3.0, 0.0])
    Relu().forward(x)
    assert_array_equal(x, [-1.0, 2.0, -3.0, 0.0])


def test_sigmoid_small_example():
    x = np.array([-2.0, 0.0, 2.0])
    sigmoid = Sigmoid()
    out = sigmoid.forward(x)
    assert_allclose(out, [0.11920292, 0.5, 0.88079708], rtol=1e-6)
    assert_allclose(sigmoid.out, out)
    dx = sigmoid.backward(np.array([1.0, 1.0, 2.0]))
    assert_allclose(dx, [0.10499359, 0.25, 0.20998717], rtol=1e-6)


def test_tanh_small_example():
    x = np.array([[-1.0, 0.0, 0.5]])
    tanh = Tanh()
    out = tanh.forward(x)
    assert_allclose(out, [[-0.76159416, 0.0, 0.46211716]], rtol=1e-6, atol=1e-7)
    dx = tanh.backward(np.array([[2.0, 1.0, -1.0]]))
    assert_allclose(dx, [[0.83994868, 1.0, -0.78644773]], rtol=1e-6)


@pytest.mark.parametrize("layer_class", [Relu, Sigmoid, Tanh])
@pytest.mark.parametrize("shape", [(5,), (3, 4)])
def test_gradients_match_central_differences(layer_class, shape):
    rng = np.random.default_rng(7)
    x = rng.uniform(0.2, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)  # away from ReLU's kink
    dout = rng.normal(size=shape)
    layer = layer_class()
    layer.forward(x)
    dx = layer.backward(dout.copy())
    assert dx.shape == x.shape
    num = numerical_gradient(lambda v: layer_class().forward(v), x, dout)
    # loose enough for a float32 layer, far tighter than a wrong derivative
    assert_allclose(dx, num, rtol=1e-2, atol=1e-3)
