"""Hidden tests for 02_activations: Relu, Sigmoid, Tanh.

Tolerances: the defaults of assert_close, chosen from the dtype the student
returns (float64: rtol 1e-5, atol 1e-8; float32: rtol 1e-3, atol 1e-5). An
activation is one to three operations per entry, so a correct float64 layer is
within about 1e-16 of the reference and a float32 one within about 1e-7
relative (the float32 variants in tests/mutants/02_activations.toml keep full
marks); every bug in the mutants file is off by 10 % or more somewhere.
Gradient checks use central differences through the student's own forward
(assert_gradient's defaults), at points at least 0.1 away from ReLU's kink so
that the step (1e-5, or 1e-2 for float32) never crosses it.

The textbook's sigmoid, 1 / (1 + np.exp(-x)), overflows in exp for very
negative x: numpy warns and still returns the right value (0). The warning is
not an error here; only a nan or a wrong value is.
"""

import numpy as np

from autograder import hints
from autograder.patterns import activations as bugs
from autograder.checks import assert_close, assert_gradient, assert_shape, fail, numerical_gradient
from autograder.messages import text

SHAPES = [(1, 6), (9,), (4, 7)]         # a batch of one, a 1-D vector, an (N, D) batch with odd N != D
SHAPE_CHECKS = [(1, 1), (5,), (3, 8)]


def _normal(seed, shape, scale=1.0):
    return scale * np.random.default_rng(seed).normal(size=shape)


def _with_zeros(seed, shape):
    """Normal entries, about a third of them exactly 0 (the first one always)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    x[rng.random(size=shape) < 0.3] = 0.0
    x.flat[0] = 0.0
    return x


def _away_from_zero(seed, shape):
    """Entries of either sign with 0.1 <= |x| <= 1.5: no finite difference crosses the kink."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.1, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def _run(layers, name, x, dout):
    """A new layers.<name>: forward(x), then backward(dout) -> (layer, out, dx)."""
    layer = getattr(layers, name)()
    out = layer.forward(x)
    dx = layer.backward(dout)
    return layer, out, dx


def _set(value, what, hint):
    if value is None:
        fail("hidden.activations.still_none", what=what, hint=hint)
    return value


def _for(shape):
    return text("hidden.activations.for_x", shape=shape)


def _gradient_check(student, ref, name, x, hint):
    dout = _normal(99, x.shape)
    _, _, dx = _run(student, name, x, dout)
    hint = [_detected(ref, name, x, dout, dx), hint]
    layer = getattr(student, name)()
    num = numerical_gradient(lambda v: layer.forward(v), x, dout, f"{name}.forward(x)")
    assert_gradient(_at_precision_of(dx, num), num, f"{name}.backward: dx", hint=hint)


def _at_precision_of(dx, num):
    """dx as float32 when the forward returned float32.

    Central differences of a float32 forward are only float32-accurate (step
    1e-2), so they can judge dx only at float32 tolerance, even when dx itself
    is float64 (a float32 layer given a float64 dout). Real bugs are off by far
    more than that tolerance.
    """
    if getattr(num, "precision", "float64") == "float32" and isinstance(dx, np.ndarray):
        return dx.astype(np.float32)
    return dx


def _shapes(student, name):
    for seed, shape in enumerate(SHAPE_CHECKS):
        x, dout = _normal(50 + seed, shape), _normal(60 + seed, shape)
        _, out, dx = _run(student, name, x, dout)
        hint = "hidden.activations.keep_shape"
        assert_shape(out, shape, f"{name}.forward(x)", hint=hint)
        assert_shape(dx, shape, f"{name}.backward(dout)", hint=hint)


# -- Relu -----------------------------------------------------------------------

RELU_HINT = "hidden.activations.relu_rule"


def _detected(ref, name, x, dout, dx):
    """The bug hint for the dx of a layer `name`, judged against the reference's out."""
    if name == "Relu":
        return bugs.relu_dx(dx, x, dout)
    with np.errstate(over="ignore"):
        out = getattr(ref, name)().forward(x)
    if name == "Sigmoid":
        return bugs.sigmoid_dx(dx, out, dout)
    return bugs.tanh_dx(dx, x, out, dout)


def test_relu_forward_matches_reference(student, ref):
    for seed, shape in enumerate(SHAPES):
        x = _with_zeros(100 + seed, shape)
        assert_close(student.Relu().forward(x), ref.Relu().forward(x),
                     f"Relu.forward(x) {_for(shape)}", hint="hidden.activations.relu_forward")


def test_relu_mask_is_boolean_and_true_where_x_is_not_positive(student, ref):
    advice = "hidden.activations.relu_mask"
    for seed, shape in enumerate(SHAPES):
        x = _with_zeros(200 + seed, shape)
        layer = student.Relu()
        layer.forward(x)
        expected = ref.Relu()
        expected.forward(x)
        mask = _set(layer.mask, "Relu.mask", advice)
        assert_close(mask, expected.mask, f"Relu.mask {_for(shape)}", hint=[bugs.relu_mask(mask, x), advice])


def test_relu_backward_matches_reference(student, ref):
    for seed, shape in enumerate(SHAPES):
        x, dout = _normal(300 + seed, shape), _normal(310 + seed, shape)
        _, _, dx = _run(student, "Relu", x, dout)
        _, _, rdx = _run(ref, "Relu", x, dout)
        assert_close(dx, rdx, f"Relu.backward(dout) {_for(shape)}", hint=[bugs.relu_dx(dx, x, dout), RELU_HINT])


def test_relu_gradient_is_zero_at_zero(student, ref):
    for seed, shape in enumerate(SHAPES):
        x, dout = _with_zeros(400 + seed, shape), _normal(410 + seed, shape)
        _, _, dx = _run(student, "Relu", x, dout)
        _, _, rdx = _run(ref, "Relu", x, dout)
        assert_close(dx, rdx, f"Relu.backward(dout) {text('hidden.activations.some_zeros')}",
                     hint=[bugs.relu_dx(dx, x, dout), "hidden.activations.relu_zero"])


def test_relu_output_and_gradient_keep_the_input_shape(student, ref):
    _shapes(student, "Relu")


def test_relu_gradient_matches_numerical_gradient(student, ref):
    _gradient_check(student, ref, "Relu", _away_from_zero(500, (3, 5)), RELU_HINT)


# -- Sigmoid --------------------------------------------------------------------

SIGMOID_HINT = "hidden.activations.sigmoid_rule"


def test_sigmoid_forward_matches_reference(student, ref):
    for seed, shape in enumerate(SHAPES):
        x = _normal(600 + seed, shape, scale=2.0)
        out = student.Sigmoid().forward(x)
        assert_close(out, ref.Sigmoid().forward(x), f"Sigmoid.forward(x) {_for(shape)}",
                     hint=[bugs.sigmoid_forward(out, x), "hidden.activations.sigmoid_forward"])


def test_sigmoid_keeps_its_output_in_out(student, ref):
    x = _normal(700, (4, 7), scale=2.0)
    layer = student.Sigmoid()
    layer.forward(x)
    expected = ref.Sigmoid()
    expected.forward(x)
    hint = "hidden.activations.keep_out"
    assert_close(_set(layer.out, "Sigmoid.out", hint), expected.out,
                 f"Sigmoid.out {text('hidden.activations.after_forward')}", hint=hint)


def test_sigmoid_gives_no_nan_for_large_inputs(student, ref):
    x = np.array([[-1000.0, -200.0, -40.0, 0.0, 40.0, 200.0, 1000.0],
                  [1000.0, 35.0, -35.0, 0.5, -0.5, -750.0, 750.0]])
    dout = _normal(800, x.shape)
    _, out, dx = _run(student, "Sigmoid", x, dout)
    with np.errstate(over="ignore"):  # the reference is the textbook's formula: exp(1000) overflows to inf
        _, rout, rdx = _run(ref, "Sigmoid", x, dout)
    large = text("hidden.activations.large_inputs")
    assert_close(out, rout, f"Sigmoid.forward(x) {large}",
                 hint=[bugs.sigmoid_forward(out, x), "hidden.activations.sigmoid_limits"])
    assert_close(dx, rdx, f"Sigmoid.backward(dout) {large}",
                 hint=[bugs.sigmoid_dx(dx, rout, dout), "hidden.activations.sigmoid_from_out"])


def test_sigmoid_backward_matches_reference(student, ref):
    for seed, shape in enumerate(SHAPES):
        x, dout = _normal(900 + seed, shape, scale=2.0), _normal(910 + seed, shape)
        _, _, dx = _run(student, "Sigmoid", x, dout)
        _, _, rdx = _run(ref, "Sigmoid", x, dout)
        assert_close(dx, rdx, f"Sigmoid.backward(dout) {_for(shape)}",
                     hint=[_detected(ref, "Sigmoid", x, dout, dx), SIGMOID_HINT])


def test_sigmoid_output_and_gradient_keep_the_input_shape(student, ref):
    _shapes(student, "Sigmoid")


def test_sigmoid_gradient_matches_numerical_gradient(student, ref):
    _gradient_check(student, ref, "Sigmoid", _normal(1000, (3, 5), scale=2.0), SIGMOID_HINT)


# -- Tanh -----------------------------------------------------------------------

TANH_HINT = "hidden.activations.tanh_rule"


def test_tanh_forward_matches_reference(student, ref):
    for seed, shape in enumerate(SHAPES):
        x = _normal(1100 + seed, shape)
        assert_close(student.Tanh().forward(x), ref.Tanh().forward(x),
                     f"Tanh.forward(x) {_for(shape)}", hint="hidden.activations.tanh_forward")


def test_tanh_backward_is_one_minus_tanh_squared(student, ref):
    for seed, shape in enumerate(SHAPES):
        x, dout = _normal(1200 + seed, shape), _normal(1210 + seed, shape)
        _, _, dx = _run(student, "Tanh", x, dout)
        _, _, rdx = _run(ref, "Tanh", x, dout)
        assert_close(dx, rdx, f"Tanh.backward(dout) {_for(shape)}", hint=[_detected(ref, "Tanh", x, dout, dx), TANH_HINT])


def test_tanh_output_and_gradient_keep_the_input_shape(student, ref):
    _shapes(student, "Tanh")


def test_tanh_gradient_matches_numerical_gradient(student, ref):
    _gradient_check(student, ref, "Tanh", _normal(1300, (3, 5)), TANH_HINT)
