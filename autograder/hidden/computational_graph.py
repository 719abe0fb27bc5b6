"""Hidden tests for 01_computational_graph: MulLayer and AddLayer.

Tolerances: the defaults of assert_close, chosen from the dtype the student
returns (float64: rtol 1e-5, atol 1e-8; float32: rtol 1e-3, atol 1e-5). These
nodes are one multiplication or addition per entry, so a correct float64 layer
is exact to about 1e-16 and a float32 one to about 1e-7 relative (measured by
the float32 variant in tests/mutants/01_computational_graph.toml, which keeps
full marks); every bug in the mutants file is off by 10 % or more. Gradient
checks use central differences through the student's own forward
(assert_gradient's defaults).

Inputs are Python floats (scalars) or float64 arrays from fixed seeds; the
upstream gradients are random, never all ones, so a backward that ignores dout
cannot pass by accident.
"""

import numpy as np

from autograder import hints
from autograder.patterns import computational_graph as bugs
from autograder.checks import assert_close, assert_gradients, assert_shape, fail, numerical_gradient
from autograder.messages import text

SHAPES = [(1, 1), (7,), (3, 5), (2, 3, 4)]  # batch of one, 1-D odd size, 2-D with H != D, 3-D
MUL_HINT = "hidden.graph.mul_rule"
ADD_HINT = "hidden.graph.add_rule"


def _on(key, **fields):
    """A qualifier of a method's name in the chosen language ("on numbers")."""
    return text(f"hidden.graph.{key}", **fields)


def _arrays(seed, shape, count=3):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for _ in range(count)]


def _scalars(seed, count=3):
    rng = np.random.default_rng(seed)
    return [float(v) for v in rng.uniform(0.5, 3.0, size=count) * rng.choice([-1.0, 1.0], size=count)]


def _pair(result, what):
    """The (dx, dy) a backward returned, or a failure saying what came instead."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        kind = "None" if result is None else type(result).__name__
        if isinstance(result, (tuple, list)):
            kind = text("hidden.graph.of_length", kind=kind, length=len(result))
        fail("hidden.graph.not_a_pair", what=what, kind=kind,
             hint=[hints.returns_one_value(result), "hidden.graph.return_pair"])
    return result


def _at_precision_of(grad, num):
    """grad as float32 when the forward returned float32.

    Central differences of a float32 forward are only float32-accurate (step
    1e-2), so they can judge a gradient only at float32 tolerance, even when the
    gradient itself is float64 (float32 inputs times a float64 dout). Real bugs
    are off by far more than that tolerance.
    """
    if getattr(num, "precision", "float64") == "float32" and isinstance(grad, np.ndarray):
        return grad.astype(np.float32)
    return grad


def _mul_hints(x, y, dout, dx, dy) -> list:
    """The bug hints of MulLayer.backward that match, then the rule."""
    return [bugs.mul_not_swapped(x, y, dout, dx, dy), hints.ignores_dout(dx, y, dout),
            bugs.mul_elementwise(dx, x), MUL_HINT]


def _add_hints(dout, dx, dy) -> list:
    """The bug hints of AddLayer.backward that match, then the rule."""
    return [hints.ignores_dout(dx, 1.0, dout), bugs.add_scales_dout(dx, dout), ADD_HINT]


def _backward(layers, name, x, y, dout):
    """A new layers.<name>: forward(x, y), then backward(dout) -> (out, dx, dy)."""
    layer = getattr(layers, name)()
    out = layer.forward(x, y)
    dx, dy = _pair(layer.backward(dout), f"{name}.backward(dout)")
    return out, dx, dy


# -- MulLayer ---------------------------------------------------------------------

def test_mul_forward_multiplies_scalars(student, ref):
    x, y, _ = _scalars(11)
    assert_close(student.MulLayer().forward(x, y), ref.MulLayer().forward(x, y),
                 f"MulLayer.forward(x, y) {_on('on_numbers')}")


def test_mul_forward_multiplies_arrays_of_any_shape(student, ref):
    for seed, shape in enumerate(SHAPES):
        x, y, _ = _arrays(100 + seed, shape)
        out = student.MulLayer().forward(x, y)
        assert_close(out, ref.MulLayer().forward(x, y), f"MulLayer.forward(x, y) {_on('on_arrays', shape=shape)}",
                     hint=[bugs.mul_elementwise(out, x), "hidden.graph.mul_elementwise"])


def test_mul_backward_gives_each_input_dout_times_the_other(student, ref):
    for seed, shape in enumerate(SHAPES):
        x, y, dout = _arrays(200 + seed, shape)
        _, dx, dy = _backward(student, "MulLayer", x, y, dout)
        _, rdx, rdy = _backward(ref, "MulLayer", x, y, dout)
        hint = _mul_hints(x, y, dout, dx, dy)
        assert_close(dx, rdx, f"MulLayer.backward: dx {_on('for_inputs', shape=shape)}", hint=hint)
        assert_close(dy, rdy, f"MulLayer.backward: dy {_on('for_inputs', shape=shape)}", hint=hint)


def test_mul_backward_works_on_scalars(student, ref):
    x, y, dout = _scalars(12)
    _, dx, dy = _backward(student, "MulLayer", x, y, dout)
    _, rdx, rdy = _backward(ref, "MulLayer", x, y, dout)
    hint = _mul_hints(x, y, dout, dx, dy)
    assert_close(dx, rdx, f"MulLayer.backward: dx {_on('on_numbers')}", hint=hint)
    assert_close(dy, rdy, f"MulLayer.backward: dy {_on('on_numbers')}", hint=hint)


def test_mul_gradients_have_the_shape_of_the_inputs(student, ref):
    for seed, shape in enumerate(SHAPES):
        x, y, dout = _arrays(300 + seed, shape)
        out, dx, dy = _backward(student, "MulLayer", x, y, dout)
        for name, value in (("MulLayer.forward(x, y)", out), ("MulLayer.backward: dx", dx),
                            ("MulLayer.backward: dy", dy)):
            assert_shape(value, shape, name, hint=[bugs.mul_elementwise(value, x), "hidden.graph.mul_elementwise"])


def test_mul_reused_layer_uses_the_new_inputs(student, ref):
    # Compared with a fresh layer of the student's own, so only reuse is judged
    # here (a wrong backward already costs points elsewhere).
    x1, y1, _ = _arrays(400, (3, 4))
    x2, y2, dout = _arrays(401, (3, 4))
    layer = student.MulLayer()
    layer.forward(x1, y1)
    out = layer.forward(x2, y2)
    dx, dy = _pair(layer.backward(dout), "MulLayer.backward(dout)")
    fresh_out, fresh_dx, fresh_dy = _backward(student, "MulLayer", x2, y2, dout)
    _, stale_dx, stale_dy = _backward(ref, "MulLayer", x1, y1, dout)
    _, right_dx, right_dy = _backward(ref, "MulLayer", x2, y2, dout)
    hint = [hints.stale_input(dx, stale_dx, right_dx), hints.stale_input(dy, stale_dy, right_dy),
            "hidden.graph.store_inputs"]
    assert_close(out, fresh_out, f"MulLayer.forward(x, y) {_on('second_call')}", hint=hint)
    assert_close(dx, fresh_dx, f"MulLayer.backward: dx {_on('after_second_forward')}", hint=hint)
    assert_close(dy, fresh_dy, f"MulLayer.backward: dy {_on('after_second_forward')}", hint=hint)


def test_mul_gradients_match_numerical_gradients(student, ref):
    x, y, dout = _arrays(500, (3, 4))
    _, dx, dy = _backward(student, "MulLayer", x, y, dout)
    layer = student.MulLayer()
    num_x = numerical_gradient(lambda v: layer.forward(v, y), x, dout, "MulLayer.forward(x, y)")
    num_y = numerical_gradient(lambda v: layer.forward(x, v), y, dout, "MulLayer.forward(x, y)")
    assert_gradients({"dx": (_at_precision_of(dx, num_x), num_x), "dy": (_at_precision_of(dy, num_y), num_y)},
                     "MulLayer.backward", hint=_mul_hints(x, y, dout, dx, dy))


def _apple(layers):
    """The textbook's apple example; returns (price, dapple, dapple_num, dtax)."""
    apple, apple_num, tax = 100, 2, 1.1
    mul_apple_layer = layers.MulLayer()
    mul_tax_layer = layers.MulLayer()
    apple_price = mul_apple_layer.forward(apple, apple_num)
    price = mul_tax_layer.forward(apple_price, tax)
    dprice = 1
    dapple_price, dtax = _pair(mul_tax_layer.backward(dprice), "MulLayer.backward(dout)")
    dapple, dapple_num = _pair(mul_apple_layer.backward(dapple_price), "MulLayer.backward(dout)")
    return price, dapple, dapple_num, dtax


def test_mul_reproduces_the_apple_example(student, ref):
    got, want = _apple(student), _apple(ref)
    for name, g, w in zip(["price", "d apple", "d apple_num", "d tax"], got, want):
        assert_close(g, w, f"{_on('apple')}: {name}", hint=MUL_HINT)


# -- AddLayer ---------------------------------------------------------------------

def test_add_forward_adds_scalars_and_arrays(student, ref):
    x, y, _ = _scalars(21)
    assert_close(student.AddLayer().forward(x, y), ref.AddLayer().forward(x, y),
                 f"AddLayer.forward(x, y) {_on('on_numbers')}")
    for seed, shape in enumerate(SHAPES):
        x, y, _ = _arrays(600 + seed, shape)
        assert_close(student.AddLayer().forward(x, y), ref.AddLayer().forward(x, y),
                     f"AddLayer.forward(x, y) {_on('on_arrays', shape=shape)}")


def test_add_backward_passes_dout_to_both_inputs_unchanged(student, ref):
    for seed, shape in enumerate(SHAPES):
        x, y, dout = _arrays(700 + seed, shape)
        _, dx, dy = _backward(student, "AddLayer", x, y, dout)
        _, rdx, rdy = _backward(ref, "AddLayer", x, y, dout)
        hint = _add_hints(dout, dx, dy)
        assert_close(dx, rdx, f"AddLayer.backward: dx {_on('for_inputs', shape=shape)}", hint=hint)
        assert_close(dy, rdy, f"AddLayer.backward: dy {_on('for_inputs', shape=shape)}", hint=hint)


def test_add_backward_works_on_scalars(student, ref):
    x, y, dout = _scalars(22)
    _, dx, dy = _backward(student, "AddLayer", x, y, dout)
    _, rdx, rdy = _backward(ref, "AddLayer", x, y, dout)
    hint = _add_hints(dout, dx, dy)
    assert_close(dx, rdx, f"AddLayer.backward: dx {_on('on_numbers')}", hint=hint)
    assert_close(dy, rdy, f"AddLayer.backward: dy {_on('on_numbers')}", hint=hint)


def test_add_gradients_match_numerical_gradients(student, ref):
    x, y, dout = _arrays(800, (3, 4))
    _, dx, dy = _backward(student, "AddLayer", x, y, dout)
    layer = student.AddLayer()
    num_x = numerical_gradient(lambda v: layer.forward(v, y), x, dout, "AddLayer.forward(x, y)")
    num_y = numerical_gradient(lambda v: layer.forward(x, v), y, dout, "AddLayer.forward(x, y)")
    assert_gradients({"dx": (_at_precision_of(dx, num_x), num_x), "dy": (_at_precision_of(dy, num_y), num_y)},
                     "AddLayer.backward", hint=_add_hints(dout, dx, dy))


def _apple_orange(layers):
    """The textbook's apple-orange example; returns the price and the five gradients."""
    apple, apple_num, orange, orange_num, tax = 100, 2, 150, 3, 1.1
    mul_apple_layer = layers.MulLayer()
    mul_orange_layer = layers.MulLayer()
    add_apple_orange_layer = layers.AddLayer()
    mul_tax_layer = layers.MulLayer()
    apple_price = mul_apple_layer.forward(apple, apple_num)
    orange_price = mul_orange_layer.forward(orange, orange_num)
    all_price = add_apple_orange_layer.forward(apple_price, orange_price)
    price = mul_tax_layer.forward(all_price, tax)
    dprice = 1
    dall_price, dtax = _pair(mul_tax_layer.backward(dprice), "MulLayer.backward(dout)")
    dapple_price, dorange_price = _pair(add_apple_orange_layer.backward(dall_price),
                                        "AddLayer.backward(dout)")
    dorange, dorange_num = _pair(mul_orange_layer.backward(dorange_price), "MulLayer.backward(dout)")
    dapple, dapple_num = _pair(mul_apple_layer.backward(dapple_price), "MulLayer.backward(dout)")
    return price, dapple, dapple_num, dorange, dorange_num, dtax


def test_add_reproduces_the_apple_orange_example(student, ref):
    got, want = _apple_orange(student), _apple_orange(ref)
    names = ["price", "d apple", "d apple_num", "d orange", "d orange_num", "d tax"]
    for name, g, w in zip(names, got, want):
        assert_close(g, w, f"{_on('apple_orange')}: {name}", hint=ADD_HINT)
