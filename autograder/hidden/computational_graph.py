"""Hidden tests for 01_computational_graph: MulLayer and AddLayer.

The property matrix these tests cover is docs/property-matrix/01_computational_graph.md.

Inputs are drawn per submission (hidden/draw.py): shapes from small ranges (a
single entry, a 1-D vector, a 2-D and a 3-D array), values of either sign with
0.5 <= |v| <= 2 (a product never vanishes, and x != y, so a swapped or
unswapped gradient never matches the right one by chance), Python floats and
ints (three digits, like prices) where the README allows numbers, integer
arrays beside float ones. The
upstream gradients are drawn too, never all ones, so a backward that ignores
dout cannot pass by chance. The README's two worked examples stay fixed, each
next to the same graph on drawn prices.

Tolerances: assert_close's defaults, which come from the reference alone
(assertions.py: 1e-4 of each expected entry and of the expected array's scale),
never from what the student returns. A node is one multiplication or addition
per entry: a float64 layer is exact to about 1e-16 relative, a float32 one to
about 6e-8 (the float32 variants in tests/mutants/01_computational_graph.toml
keep full marks), and every bug in the mutants file is off by 10 % or more
somewhere; a systematic error of 0.1 % fails in every dtype
(tests/test_tolerances_01_03.py).

Gradient checks take central differences of the student's own forward with a
fixed step of 0.5: x * y and x + y are linear in each input, so central
differences are exact up to rounding at any step, and a long one keeps the
rounding of a float32 forward (6e-8 of the output over a step of 1) far below
the tolerance. With the reference's gradients, a check credits backward only
where that forward depends on each input: a constant forward earns nothing.
"""

from __future__ import annotations

import numpy as np

from autograder import hints
from autograder.assertions import assert_close, fail, not_an_array
from autograder.directional import Numerical, check_gradients
from autograder.hidden import draw
from autograder.messages import text
from autograder.bugs import computational_graph as bugs

MUL_HINT = "hidden.graph.mul_rule"
ADD_HINT = "hidden.graph.add_rule"
STEP = 0.5  # both nodes are linear in each input: central differences are exact at any step


def _on(key, **fields):
    """A qualifier of a method's name in the chosen language ("on numbers")."""
    return text(f"hidden.graph.{key}", **fields)


# -- drawn inputs ----------------------------------------------------------------

def _shapes(rng) -> list[tuple]:
    """A single entry, a 1-D vector, a 2-D array with rows != columns and a 3-D array, sizes drawn."""
    return [(1, 1), (int(rng.integers(5, 10)),), (int(rng.integers(2, 5)), int(rng.integers(5, 8))),
            (2, int(rng.integers(2, 4)), int(rng.integers(4, 6)))]


def _values(rng, shape) -> np.ndarray:
    """Floats of either sign with 0.5 <= |v| <= 2."""
    return rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def _integers(rng, shape) -> np.ndarray:
    """Integers of either sign with 100 <= |v| <= 999, like prices in cents (an int64 array).

    Three digits and more, so that no drawn input or expected value reads like a
    line number in a student's error message.
    """
    return rng.integers(100, 1000, size=shape) * rng.choice([-1, 1], size=shape)


def _arrays(rng, shape, count=3) -> list[np.ndarray]:
    return [_values(rng, shape) for _ in range(count)]


def _scalars(rng, count=3) -> list[float]:
    return [float(v) for v in _values(rng, count)]


def _ints(rng, count=2) -> list[int]:
    return [int(v) for v in _integers(rng, count)]


# -- running a layer ---------------------------------------------------------------

def _pair(result, what):
    """The (dx, dy) a backward returned, or a failure saying what came instead."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        kind = "None" if result is None else type(result).__name__
        if isinstance(result, (tuple, list)):
            kind = text("hidden.graph.of_length", kind=kind, length=len(result))
        fail("hidden.graph.not_a_pair", what=what, kind=kind,
             hint=[hints.returns_one_value(result), "hidden.graph.return_pair"])
    return result


def _number(value, what):
    """A forward on two numbers returns a number (README: the output has the inputs' shape, here ())."""
    if np.ndim(value) != 0:
        fail("hidden.graph.not_a_number", what=what, shape=np.shape(value), hint="hidden.graph.shape_of_inputs")
    return value


def _array(value, what):
    """A forward on two arrays returns an array, not the list of its entries (README: a numpy array for two arrays).

    Other kinds go on to assert_close, whose shape check names a number where an array was due.
    """
    if isinstance(value, (list, tuple)):
        not_an_array(value, what, hint="hidden.graph.array_output")
    return value


def _backward(layers, name, x, y, dout):
    """A new layers.<name>: forward(x, y), then backward(dout) -> (out, dx, dy)."""
    layer = getattr(layers, name)()
    out = layer.forward(x, y)
    dx, dy = _pair(layer.backward(dout), f"{name}.backward(dout)")
    return out, dx, dy


def _mul_hints(x, y, dout, dx, dy) -> list:
    """The bug hints of MulLayer.backward that match, then the rule."""
    return [bugs.mul_not_swapped(x, y, dout, dx, dy), hints.ignores_dout(dx, y, dout),
            bugs.mul_elementwise(dx, x), MUL_HINT]


def _add_hints(dout, dx, dy) -> list:
    """The bug hints of AddLayer.backward that match, then the rule."""
    return [hints.ignores_dout(dx, 1.0, dout), bugs.add_scales_dout(dx, dout), bugs.add_scales_dout(dy, dout), ADD_HINT]


def _compare(student, ref, name, x, y, dout, where, hint):
    """forward(x, y) and backward(dout) of a new student layer against a new reference one."""
    out, dx, dy = _backward(student, name, x, y, dout)
    rout, rdx, rdy = _backward(ref, name, x, y, dout)
    hint = hint(x, y, dout, dx, dy) if callable(hint) else hint
    assert_close(out, rout, f"{name}.forward(x, y) {where}", hint=hint)
    assert_close(dx, rdx, f"{name}.backward: dx {where}", hint=hint)
    assert_close(dy, rdy, f"{name}.backward: dy {where}", hint=hint)


# -- gradient checks through the student's own forward -----------------------------

def _numerical_check(student, ref, name, x, y, dout, hint):
    """backward of the student's layer against central differences of its own forward."""
    _, dx, dy = _backward(student, name, x, y, dout)
    _, rdx, rdy = _backward(ref, name, x, y, dout)
    what = f"{name}.forward(x, y)"
    num_x = Numerical(lambda v: getattr(student, name)().forward(v, y), x, dout, what, step=STEP, linear=True)
    num_y = Numerical(lambda v: getattr(student, name)().forward(x, v), y, dout, what, step=STEP, linear=True)
    check_gradients({"dx": (dx, num_x), "dy": (dy, num_y)}, f"{name}.backward", hint=hint(x, y, dout, dx, dy),
                     reference={"dx": rdx, "dy": rdy})


# -- MulLayer ---------------------------------------------------------------------

def test_mul_forward_multiplies_scalars(student, ref):
    rng = draw.rng("scalars")
    x, y, _ = _scalars(rng)
    what = f"MulLayer.forward(x, y) {_on('on_numbers')}"
    assert_close(_number(student.MulLayer().forward(x, y), what), ref.MulLayer().forward(x, y), what)
    i, j = _ints(rng)
    what = f"MulLayer.forward(x, y) {_on('on_integers')}"
    assert_close(_number(student.MulLayer().forward(i, j), what), ref.MulLayer().forward(i, j), what)


def test_mul_forward_multiplies_arrays_of_any_shape(student, ref):
    rng = draw.rng("arrays")
    rule = "hidden.graph.mul_elementwise"
    cases = [(_on("on_arrays", shape=shape), rule, *_arrays(rng, shape, 2)) for shape in _shapes(rng)]
    shape = np.shape(cases[2][2])
    cases.append((_on("on_arrays", shape=shape), rule, _integers(rng, shape), _integers(rng, shape)))
    # README: two arrays of the same shape, integer or float, not necessarily the same dtype: an integer
    # array times a float one (counts times prices) is a float product, not one truncated to x's dtype
    cases.append((_on("int_times_float", shape=shape), "hidden.graph.float_product", _integers(rng, shape),
                  _values(rng, shape)))
    for where, rule, x, y in cases:
        what = f"MulLayer.forward(x, y) {where}"
        out = _array(student.MulLayer().forward(x, y), what)
        assert_close(out, ref.MulLayer().forward(x, y), what, hint=[bugs.mul_elementwise(out, x), rule])


def test_mul_backward_gives_each_input_dout_times_the_other(student, ref):
    rng = draw.rng("arrays")
    cases = [(shape, *_arrays(rng, shape)) for shape in _shapes(rng)]
    shape = cases[2][0]
    cases.append((shape, _integers(rng, shape), _integers(rng, shape), _values(rng, shape)))
    for shape, x, y, dout in cases:
        _compare(student, ref, "MulLayer", x, y, dout, _on("for_inputs", shape=shape), _mul_hints)
    # Zero is a price too: a backward that recovers an input from the output (out / y) gets nan or inf there.
    shape = cases[1][0]
    x, y, dout = _arrays(rng, shape)
    x[::3] = 0.0
    y[1::3] = 0.0
    _compare(student, ref, "MulLayer", x, y, dout, _on("some_zeros", shape=shape), _mul_hints)


def test_mul_backward_works_on_scalars(student, ref):
    rng = draw.rng("scalars")
    x, y, dout = _scalars(rng)
    _compare(student, ref, "MulLayer", x, y, dout, _on("on_numbers"), _mul_hints)
    i, j = _ints(rng)  # integer inputs and a float upstream gradient, as in the apple example
    _compare(student, ref, "MulLayer", i, j, dout, _on("on_integers"), _mul_hints)


def test_mul_reused_layer_uses_the_new_inputs(student, ref):
    rng = draw.rng("reuse")
    shape, other = (2, int(rng.integers(3, 6))), (int(rng.integers(3, 6)), 2)
    x1, y1 = _arrays(rng, shape, 2)
    layer = student.MulLayer()
    layer.forward(x1, y1)
    # A second call with inputs of the same shape, then a third with another shape.
    for call, (x, y, dout) in (("second_call", _arrays(rng, shape)), ("third_call", _arrays(rng, other))):
        out = layer.forward(x, y)
        dx, dy = _pair(layer.backward(dout), "MulLayer.backward(dout)")
        rout, right_dx, right_dy = _backward(ref, "MulLayer", x, y, dout)
        _, stale_dx, stale_dy = _backward(ref, "MulLayer", x1, y1, dout) if call == "second_call" else (0, 0, 0)
        hint = [hints.stale_input(dx, stale_dx, right_dx), hints.stale_input(dy, stale_dy, right_dy),
                "hidden.graph.store_inputs"]
        assert_close(out, rout, f"MulLayer.forward(x, y) {_on(call)}", hint=hint)
        assert_close(dx, right_dx, f"MulLayer.backward: dx {_on(call)}", hint=hint)
        assert_close(dy, right_dy, f"MulLayer.backward: dy {_on(call)}", hint=hint)


def test_mul_backward_twice_gives_the_same_gradients(student, ref):
    rng = draw.rng("twice")
    shape = (int(rng.integers(2, 5)), int(rng.integers(3, 6)))
    x, y, dout = _arrays(rng, shape)
    layer = student.MulLayer()
    layer.forward(x, y)
    first = _pair(layer.backward(dout), "MulLayer.backward(dout)")
    second = _pair(layer.backward(dout), "MulLayer.backward(dout)")
    _, rdx, rdy = _backward(ref, "MulLayer", x, y, dout)
    hint = [hints.accumulates(second[0], rdx, "dx"), hints.accumulates(second[1], rdy, "dy"),
            "hidden.graph.keep_inputs"]
    for call, (dx, dy) in (("first_backward", first), ("second_backward", second)):
        assert_close(dx, rdx, f"MulLayer.backward: dx {_on(call)}", hint=hint)
        assert_close(dy, rdy, f"MulLayer.backward: dy {_on(call)}", hint=hint)


def test_mul_gradients_match_numerical_gradients(student, ref):
    rng = draw.rng("numerical")
    shape = (int(rng.integers(2, 4)), int(rng.integers(3, 5)))
    _numerical_check(student, ref, "MulLayer", *_arrays(rng, shape), _mul_hints)


def _apple(layers, apple=100, apple_num=2, tax=1.1):
    """The textbook's apple graph; returns (price, dapple, dapple_num, dtax)."""
    mul_apple_layer = layers.MulLayer()
    mul_tax_layer = layers.MulLayer()
    apple_price = mul_apple_layer.forward(apple, apple_num)
    price = mul_tax_layer.forward(apple_price, tax)
    dprice = 1
    dapple_price, dtax = _pair(mul_tax_layer.backward(dprice), "MulLayer.backward(dout)")
    dapple, dapple_num = _pair(mul_apple_layer.backward(dapple_price), "MulLayer.backward(dout)")
    return price, dapple, dapple_num, dtax


def _prices(rng) -> dict:
    """A drawn shop: a price per item, an integer count and a tax rate."""
    return {"price": float(np.round(rng.uniform(50, 300), 1)), "count": int(rng.integers(2, 9)),
            "tax": float(np.round(rng.uniform(1.05, 1.25), 3))}


def test_mul_reproduces_the_apple_example(student, ref):
    shop = _prices(draw.rng("apple"))
    names = ["price", "d apple", "d apple_num", "d tax"]
    for where, args in ((_on("apple"), ()), (_on("apple_drawn"), (shop["price"], shop["count"], shop["tax"]))):
        for name, g, w in zip(names, _apple(student, *args), _apple(ref, *args)):
            assert_close(g, w, f"{where}: {name}", hint=[MUL_HINT, "hidden.graph.own_inputs"])


# -- AddLayer ---------------------------------------------------------------------

def test_add_forward_adds_scalars_and_arrays(student, ref):
    rng = draw.rng("forward")
    x, y, _ = _scalars(rng)
    i, j = _ints(rng)
    for where, a, b in ((_on("on_numbers"), x, y), (_on("on_integers"), i, j)):
        what = f"AddLayer.forward(x, y) {where}"
        assert_close(_number(student.AddLayer().forward(a, b), what), ref.AddLayer().forward(a, b), what)
    for shape in _shapes(rng):
        x, y = _arrays(rng, shape, 2)
        what = f"AddLayer.forward(x, y) {_on('on_arrays', shape=shape)}"
        assert_close(_array(student.AddLayer().forward(x, y), what), ref.AddLayer().forward(x, y), what)


def test_add_backward_passes_dout_to_both_inputs_unchanged(student, ref):
    rng = draw.rng("arrays")
    for shape in _shapes(rng):
        _compare(student, ref, "AddLayer", *_arrays(rng, shape), _on("for_inputs", shape=shape),
                 lambda x, y, dout, dx, dy: _add_hints(dout, dx, dy))


def test_add_backward_works_on_scalars(student, ref):
    rng = draw.rng("scalars")
    x, y, dout = _scalars(rng)
    i, j = _ints(rng)
    for where, a, b in ((_on("on_numbers"), x, y), (_on("on_integers"), i, j)):
        _compare(student, ref, "AddLayer", a, b, dout, where, lambda x, y, dout, dx, dy: _add_hints(dout, dx, dy))


def test_add_gradients_match_numerical_gradients(student, ref):
    rng = draw.rng("numerical")
    shape = (int(rng.integers(2, 4)), int(rng.integers(3, 5)))
    _numerical_check(student, ref, "AddLayer", *_arrays(rng, shape),
                     lambda x, y, dout, dx, dy: _add_hints(dout, dx, dy))


def _apple_orange(layers, apple=100, apple_num=2, orange=150, orange_num=3, tax=1.1):
    """The textbook's apple-orange graph; returns the price and the five gradients."""
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
    rng = draw.rng("apple_orange")
    apple, orange = _prices(rng), _prices(rng)
    drawn = (apple["price"], apple["count"], orange["price"], orange["count"], apple["tax"])
    names = ["price", "d apple", "d apple_num", "d orange", "d orange_num", "d tax"]
    for where, args in ((_on("apple_orange"), ()), (_on("apple_orange_drawn"), drawn)):
        for name, g, w in zip(names, _apple_orange(student, *args), _apple_orange(ref, *args)):
            assert_close(g, w, f"{where}: {name}", hint=ADD_HINT)
