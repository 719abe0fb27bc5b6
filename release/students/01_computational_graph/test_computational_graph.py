"""Public tests for 01_computational_graph. Run them in this folder with
`python -m autograder check` (a table and an explanation of every failure) or `python -m pytest`.

They check the worked examples of the README and a few small cases; the
autograder runs more tests of the same kind on other inputs.
"""

import numpy as np

from autograder import hints
from autograder.assertions import assert_close, assert_gradients, assert_shape, numerical_gradient
from layers import AddLayer, MulLayer


# The classic mistakes, recognised from what a method returned. A hint shows only when its check fails.

@hints.detector
def own_input(x, y, dout, dx, dy):
    """Each input's gradient taken from its own value (dout * x) instead of the other input's."""
    if hints.matches(dx, np.multiply(dout, x)) and hints.matches(dy, np.multiply(dout, y)):
        return hints.hint("hint.mul.not_swapped")


@hints.detector
def not_elementwise(result, x):
    """One number where an array of the inputs' shape was due (np.dot or np.sum instead of *)."""
    if result is not None and np.size(result) == 1 and np.size(x) > 1:
        return hints.hint("hint.mul.elementwise", actual=np.shape(result), expected=np.shape(x))


@hints.detector
def scaled(dx, dout):
    """AddLayer.backward multiplying dout by a constant other than 1."""
    scale = float(np.sum(np.multiply(dx, dout)) / np.sum(np.multiply(dout, dout)))
    if abs(scale - 1) > 1e-2 and hints.matches(dx, scale * np.asarray(dout)):
        return hints.hint("hint.add.scales_dout", scale=f"{scale:g}")


def test_apple_example():
    apple, apple_num, tax = 100, 2, 1.1
    mul_apple_layer = MulLayer()
    mul_tax_layer = MulLayer()

    apple_price = mul_apple_layer.forward(apple, apple_num)
    price = mul_tax_layer.forward(apple_price, tax)
    assert_close(price, 220, "MulLayer.forward: price", rtol=1e-6, reveal=True)

    dprice = 1
    dapple_price, dtax = mul_tax_layer.backward(dprice)
    dapple, dapple_num = mul_apple_layer.backward(dapple_price)
    assert_close([dapple, dapple_num, dtax], [2.2, 110, 200], "MulLayer.backward: [dapple, dapple_num, dtax]",
                 rtol=1e-6, reveal=True, hint=[own_input(apple, apple_num, dapple_price, dapple, dapple_num),
                                               own_input(apple_price, tax, dprice, dapple_price, dtax)])


def test_apple_orange_example():
    apple, apple_num, orange, orange_num, tax = 100, 2, 150, 3, 1.1
    mul_apple_layer = MulLayer()
    mul_orange_layer = MulLayer()
    add_apple_orange_layer = AddLayer()
    mul_tax_layer = MulLayer()

    apple_price = mul_apple_layer.forward(apple, apple_num)
    orange_price = mul_orange_layer.forward(orange, orange_num)
    all_price = add_apple_orange_layer.forward(apple_price, orange_price)
    price = mul_tax_layer.forward(all_price, tax)
    assert_close(price, 715, "MulLayer, AddLayer: forward: price", rtol=1e-6, reveal=True)

    dprice = 1
    dall_price, dtax = mul_tax_layer.backward(dprice)
    dapple_price, dorange_price = add_apple_orange_layer.backward(dall_price)
    dorange, dorange_num = mul_orange_layer.backward(dorange_price)
    dapple, dapple_num = mul_apple_layer.backward(dapple_price)
    assert_close([dapple, dapple_num, dorange, dorange_num, dtax], [2.2, 110, 3.3, 165, 650],
                 "MulLayer, AddLayer: backward: [dapple, dapple_num, dorange, dorange_num, dtax]",
                 rtol=1e-6, reveal=True)


def test_layers_work_element_by_element_on_arrays():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    y = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, -2.0]])
    dout = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])

    mul = MulLayer()
    out = mul.forward(x, y)
    assert_close(out, x * y, "MulLayer.forward(x, y)", reveal=True, hint=not_elementwise(out, x))
    dx, dy = mul.backward(dout)
    swapped = own_input(x, y, dout, dx, dy)
    assert_shape(dx, x.shape, "MulLayer.backward(dout): dx", hint=not_elementwise(dx, x))
    assert_shape(dy, y.shape, "MulLayer.backward(dout): dy", hint=not_elementwise(dy, y))
    assert_close(dx, dout * y, "MulLayer.backward(dout): dx", reveal=True, hint=swapped)
    assert_close(dy, dout * x, "MulLayer.backward(dout): dy", reveal=True, hint=swapped)

    # the same layer again, on new inputs: numbers that are not whole
    first = np.array(out, dtype=float)
    out = mul.forward(1.5, 2.5)
    assert_close(out, 3.75, "MulLayer.forward(1.5, 2.5)", reveal=True, hint=hints.stale_input(out, first, 3.75))
    old = MulLayer()  # what a layer that kept the first inputs gives
    old.forward(x, y)
    kept = old.backward(2.0)
    for _ in range(2):  # a second backward reads the same inputs again
        dx, dy = mul.backward(2.0)
        assert_close([dx, dy], [5.0, 3.0], "MulLayer.backward(2.0): [dx, dy]", reveal=True,
                     hint=hints.stale_input([dx, dy], kept, [5.0, 3.0]))

    add = AddLayer()
    assert_close(add.forward(x, y), x + y, "AddLayer.forward(x, y)", reveal=True)
    dx, dy = add.backward(dout)
    assert_close(dx, dout, "AddLayer.backward(dout): dx", reveal=True, hint=scaled(dx, dout))
    assert_close(dy, dout, "AddLayer.backward(dout): dy", reveal=True, hint=scaled(dy, dout))


def test_mul_gradients_match_central_differences():
    rng = np.random.default_rng(1)
    x, y, dout = rng.normal(size=(3, 2, 4))
    layer = MulLayer()
    layer.forward(x, y)
    dx, dy = layer.backward(dout)
    # x * y is linear in each input, so a large step is exact in float64 and
    # leaves room for a float32 implementation's rounding.
    num_dx = numerical_gradient(lambda v: MulLayer().forward(v, y), x, dout, "MulLayer.forward", step=1e-2)
    num_dy = numerical_gradient(lambda v: MulLayer().forward(x, v), y, dout, "MulLayer.forward", step=1e-2)
    assert_gradients({"dx": (dx, num_dx), "dy": (dy, num_dy)}, "MulLayer.backward", reveal=True,
                     hint=own_input(x, y, dout, dx, dy))
