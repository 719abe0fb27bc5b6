"""Hidden tests for 02_activations: Relu, Sigmoid, Tanh.

The property matrix these tests cover is docs/property-matrix/02_activations.md.

Inputs are drawn per submission (hidden/draw.py): a batch of one (1, D), a 1-D
vector (D,) and an (N, D) batch with N != D, sizes drawn from small ranges.
ReLU's inputs keep at least 0.05 away from its kink unless a test is about
x == 0 (then a third of the entries are exactly 0), so a mask taken as x < 0
differs from x <= 0 only where a test means it to. Sigmoid and Tanh inputs
are normal with a standard deviation of 2; the large-magnitude tests mix
|x| up to 1000 (where exp overflows) with moderate entries. Upstream gradients
are drawn, never all ones.

Tolerances: assert_close's defaults, which come from the reference alone
(assertions.py: 1e-4 of each expected entry and of the expected array's scale,
which keeps the tiny sigmoid values near x = -40 from counting as relative
errors), never from what the student returns. An activation is one to three
operations per entry: a float64 layer is within about 1e-16 of the reference,
a float32 one within about 1e-7 relative (the float32 variants in
tests/mutants/02_activations.toml keep full marks); every bug in the mutants
file is off by 10 % or more somewhere, gives nan, or changes its input; a
systematic error of 0.1 % fails in every dtype (tests/test_tolerances_01_03.py).

The textbook's sigmoid, 1 / (1 + np.exp(-x)), overflows in exp for very
negative x: numpy warns and still returns the right value (0). The warning is
not an error here; only a nan or a wrong value is.

Gradient checks take central differences of the student's own forward with a
fixed step of 1e-2 (STEP): on |x| <= 2.5 a single central difference is then
within 3e-5 (relative) of the exact derivative for a float64 forward and 1e-4
for a float32 one (measured over a grid of 20001 points), a hundred times
inside the gradient tolerance. ReLU's check points keep at least 0.25 from its
kink, far beyond the step. A check credits backward only where that forward
depends on x (the reference's gradients go with it: a constant forward earns
nothing) and is not x itself: a forward that hands x back has central
differences equal to dout, which a backward handing dout back matches.
Each check goes along random directions first (autograder/directional.py),
extrapolated from ALONG_STEP = 4e-2 and twice it, still short of ReLU's
nearest kink: the largest error along a direction over the suite's and the
corpus's correct submissions was 1.4e-3 of the 2e-3 allowed (a float32
Sigmoid; 3.1e-3 at 1e-2).
"""

from __future__ import annotations

import numpy as np

from autograder import hints
from autograder.assertions import assert_close, fail, not_an_array
from autograder.directional import Numerical, check_gradients
from autograder.hidden import draw
from autograder.messages import text
from autograder.bugs import activations as bugs

RELU_HINT = "hidden.activations.relu_rule"
SIGMOID_HINT = "hidden.activations.sigmoid_rule"
TANH_HINT = "hidden.activations.tanh_rule"
ATTRIBUTE = {"Relu": "mask", "Sigmoid": "out", "Tanh": "out"}  # what each layer keeps for backward (README)


def _for(shape):
    return text("hidden.activations.for_x", shape=shape)


def _say(key, **fields):
    return text(f"hidden.activations.{key}", **fields)


# -- drawn inputs ----------------------------------------------------------------

def _shapes(rng) -> list[tuple]:
    """A batch of one, a 1-D vector and an (N, D) batch with N != D, sizes drawn."""
    n = int(rng.integers(3, 6))
    return [(1, int(rng.integers(4, 8))), (int(rng.integers(5, 10)),), (n, n + int(rng.integers(2, 4)))]


def _normal(rng, shape, scale=1.0) -> np.ndarray:
    return scale * rng.normal(size=shape)


def _signed(rng, shape, low, high) -> np.ndarray:
    """Entries of either sign with low <= |x| <= high, both signs present where there are two entries."""
    x = rng.uniform(low, high, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    if x.size > 1:
        x.flat[0], x.flat[-1] = abs(x.flat[0]), -abs(x.flat[-1])
    return x


def _relu_input(rng, shape) -> np.ndarray:
    """Either sign, at least 0.05 from ReLU's kink."""
    return _signed(rng, shape, 0.05, 2.0)


def _with_zeros(rng, shape) -> np.ndarray:
    """Entries of either sign, about a third of them exactly 0 (the first one always)."""
    x = _relu_input(rng, shape)
    x[rng.random(size=shape) < 0.3] = 0.0
    x.flat[0] = 0.0
    return x


def _input(name, rng, shape) -> np.ndarray:
    return _relu_input(rng, shape) if name == "Relu" else _normal(rng, shape, 2.0)


def _large(rng) -> np.ndarray:
    """|x| up to 1000, where exp(|x|) overflows, beside moderate entries; 0.5 and -0.5 among them."""
    big = rng.uniform(40.0, 1000.0, size=5) * np.array([1, -1, 1, -1, 1])
    small = rng.uniform(0.5, 3.0, size=3) * np.array([1, -1, 1])
    return np.array([np.concatenate([[-1000.0, 1000.0, 0.5, -0.5], big[:3]]),
                     np.concatenate([[750.0, -750.0], big[3:], small])])


# -- running a layer ---------------------------------------------------------------

def _run(layers, name, x, dout):
    """A new layers.<name>: forward(x), then backward(dout) -> (layer, out, dx)."""
    layer = getattr(layers, name)()
    out = layer.forward(x)
    dx = layer.backward(dout)
    return layer, out, dx


def _expected(ref, name, x, dout):
    """The reference's (out, dx, kept attribute) for x and dout (exp may overflow: the textbook's formula)."""
    with np.errstate(over="ignore"):
        layer, out, dx = _run(ref, name, x, dout)
    return out, dx, getattr(layer, ATTRIBUTE[name])


def _set(value, what, hint):
    if value is None:
        fail("hidden.activations.still_none", what=what, hint=hint)
    return value


def _detected(ref, name, x, dout, dx):
    """The bug hint for the dx of a layer `name`, judged against the reference's out."""
    if name == "Relu":
        return bugs.relu_dx(dx, x, dout)
    with np.errstate(over="ignore"):
        out = getattr(ref, name)().forward(x)
    if name == "Sigmoid":
        return bugs.sigmoid_dx(dx, out, dout)
    return bugs.tanh_dx(dx, x, out, dout)


RULE = {"Relu": RELU_HINT, "Sigmoid": SIGMOID_HINT, "Tanh": TANH_HINT}
FORWARD_HINT = {"Relu": "hidden.activations.relu_forward", "Sigmoid": "hidden.activations.sigmoid_forward",
                "Tanh": "hidden.activations.tanh_forward"}


def _forward_hint(name, out, x):
    return [bugs.sigmoid_forward(out, x) if name == "Sigmoid" else None, FORWARD_HINT[name]]


def _forward_values(student, ref, name, x, where):
    out = getattr(student, name)().forward(x)
    if isinstance(out, (list, tuple)):  # README: forward returns an array of shape S
        not_an_array(out, f"{name}.forward(x) {where}", hint="hidden.activations.array_output")
    with np.errstate(over="ignore"):
        right = getattr(ref, name)().forward(x)
    assert_close(out, right, f"{name}.forward(x) {where}", hint=_forward_hint(name, out, x))


def _backward_values(student, ref, name, x, dout, where, advice):
    _, _, dx = _run(student, name, x, dout)
    _, rdx, _ = _expected(ref, name, x, dout)
    assert_close(dx, rdx, f"{name}.backward(dout) {where}", hint=[_detected(ref, name, x, dout, dx), advice])


# -- properties every layer has ----------------------------------------------------

def _forward_matches_reference(student, ref, name):
    rng = draw.rng("forward")
    for shape in _shapes(rng):
        x = _with_zeros(rng, shape) if name == "Relu" else _input(name, rng, shape)
        _forward_values(student, ref, name, x, _for(shape))


def _backward_matches_reference(student, ref, name):
    rng = draw.rng("backward")
    for shape in _shapes(rng):
        _backward_values(student, ref, name, _input(name, rng, shape), _normal(rng, shape), _for(shape), RULE[name])


def _keeps_attribute(student, ref, name, advice):
    """forward sets the attribute the README names, with the reference's values."""
    rng = draw.rng("kept")
    attribute = ATTRIBUTE[name]
    for shape in _shapes(rng):
        x = _with_zeros(rng, shape) if name == "Relu" else _input(name, rng, shape)
        layer = getattr(student, name)()
        layer.forward(x)
        kept = _set(getattr(layer, attribute), f"{name}.{attribute}", advice)
        _, _, right = _expected(ref, name, x, np.zeros(shape))
        detected = bugs.relu_mask(kept, x) if name == "Relu" else None
        assert_close(kept, right, f"{name}.{attribute} {_for(shape)}", hint=[detected, advice])


def _leaves_x_unchanged(student, ref, name, x):
    """forward(x) gives the reference's values and does not write into x (README: make a copy first)."""
    layer = getattr(student, name)()
    out = layer.forward(x)
    changed = 0 in student.mutated_arguments()
    with np.errstate(over="ignore"):
        right = getattr(ref, name)().forward(x)
    assert_close(out, right, f"{name}.forward(x) {_for(x.shape)}", hint=_forward_hint(name, out, x))
    if changed:
        fail("hidden.activations.x_modified", what=f"{name}.forward(x)", hint="hidden.activations.copy_x")


def _follows_the_latest_forward(student, ref, name):
    """One layer, forward on x1, then on x2 (same shape), backward; then forward on x3 (another N), backward;
    then forward on x4, another layer's forward, and this layer's backward (each layer keeps its own)."""
    rng = draw.rng("latest")
    d = int(rng.integers(4, 8))
    n1, n2 = int(rng.integers(2, 4)), int(rng.integers(5, 8))
    x1 = _input(name, rng, (n1, d))
    layer = getattr(student, name)()
    layer.forward(x1)
    for key, shape in (("second_forward", (n1, d)), ("other_batch", (n2, d))):
        x, dout = _input(name, rng, shape), _normal(rng, shape)
        out = layer.forward(x)
        dx = layer.backward(dout)
        rout, rdx, _ = _expected(ref, name, x, dout)
        stale = _expected(ref, name, x1, dout)[1] if shape[0] == n1 else None
        hint = [hints.stale_input(dx, stale, rdx) if stale is not None else None, "hidden.activations.latest_forward"]
        assert_close(out, rout, f"{name}.forward(x) {_say(key, shape=shape)}", hint=_forward_hint(name, out, x))
        assert_close(dx, rdx, f"{name}.backward(dout) {_say(key, shape=shape)}", hint=hint)
    # README: what forward kept on self; another layer's forward in between changes nothing of this one's
    # (a cache on the class or in a module-level variable is shared by all the layers)
    other = getattr(student, name)()
    x, dout = _input(name, rng, (n1, d)), _normal(rng, (n1, d))
    layer.forward(x)
    other.forward(_input(name, rng, (n1, d)))
    dx = layer.backward(dout)
    _, rdx, _ = _expected(ref, name, x, dout)
    assert_close(dx, rdx, f"{name}.backward(dout) {_say('other_layer', shape=(n1, d))}",
                 hint="hidden.activations.own_cache")


def _backward_twice(student, ref, name):
    """backward twice after one forward: the same dx both times, and the kept attribute intact."""
    rng = draw.rng("twice")
    shape = (int(rng.integers(2, 5)), int(rng.integers(5, 8)))
    x, dout = _input(name, rng, shape), _normal(rng, shape)
    layer = getattr(student, name)()
    layer.forward(x)
    first = layer.backward(dout)
    second = layer.backward(dout)
    attribute = ATTRIBUTE[name]
    kept = _set(getattr(layer, attribute), f"{name}.{attribute}", "hidden.activations.keep_cache")
    _, rdx, right = _expected(ref, name, x, dout)
    hint = [hints.accumulates(second, rdx, "dx"), "hidden.activations.keep_cache"]
    for key, dx in (("first_backward", first), ("second_backward", second)):
        assert_close(dx, rdx, f"{name}.backward(dout) {_say(key)}", hint=hint)
    assert_close(kept, right, f"{name}.{attribute} {_say('after_two_backward')}", hint=hint)


# -- gradient checks through the student's own forward -----------------------------

STEP = 1e-2  # see the module docstring
ALONG_STEP = 4e-2  # along a random direction, extrapolated: under a sixth of Relu's nearest kink (0.25)


def _gradient_check(student, ref, name):
    rng = draw.rng("numerical")
    shape = (int(rng.integers(2, 4)), int(rng.integers(4, 6)))
    x = _signed(rng, shape, 0.25, 2.0) if name == "Relu" else _signed(rng, shape, 0.1, 2.5)
    dout = _normal(rng, shape)
    _, out, dx = _run(student, name, x, dout)
    _, rdx, _ = _expected(ref, name, x, dout)
    hint = [_detected(ref, name, x, dout, dx), RULE[name]]
    if hints.matches(out, x):  # forward is the identity, which no activation here is on these inputs
        fail("hidden.activations.forward_identity", what=f"{name}.forward(x)", hint=FORWARD_HINT[name])
    num = Numerical(lambda v: getattr(student, name)().forward(v), x, dout, f"{name}.forward(x)", step=STEP,
                    along_step=ALONG_STEP)
    check_gradients({"dx": (dx, num)}, f"{name}.backward", hint=hint, reference={"dx": rdx})


# -- Relu -----------------------------------------------------------------------

def test_relu_forward_matches_reference(student, ref):
    _forward_matches_reference(student, ref, "Relu")


def test_relu_mask_is_boolean_and_true_where_x_is_not_positive(student, ref):
    _keeps_attribute(student, ref, "Relu", "hidden.activations.relu_mask")


def test_relu_backward_matches_reference(student, ref):
    _backward_matches_reference(student, ref, "Relu")


def test_relu_gradient_is_zero_at_zero(student, ref):
    rng = draw.rng("zeros")
    for shape in _shapes(rng):
        _backward_values(student, ref, "Relu", _with_zeros(rng, shape), _normal(rng, shape),
                         _say("some_zeros"), "hidden.activations.relu_zero")


def _unchanged_input(name):
    rng = draw.rng("unchanged")
    shape = (int(rng.integers(3, 6)), int(rng.integers(4, 8)))
    return _with_zeros(rng, shape) if name == "Relu" else _input(name, rng, shape)


def test_relu_forward_leaves_x_unchanged(student, ref):
    _leaves_x_unchanged(student, ref, "Relu", _unchanged_input("Relu"))


def test_relu_backward_follows_the_latest_forward(student, ref):
    _follows_the_latest_forward(student, ref, "Relu")


def test_relu_backward_twice_gives_the_same_gradient(student, ref):
    _backward_twice(student, ref, "Relu")


def test_relu_gradient_matches_numerical_gradient(student, ref):
    _gradient_check(student, ref, "Relu")


# -- Sigmoid --------------------------------------------------------------------

def test_sigmoid_forward_matches_reference(student, ref):
    _forward_matches_reference(student, ref, "Sigmoid")


def test_sigmoid_keeps_its_output_in_out(student, ref):
    _keeps_attribute(student, ref, "Sigmoid", "hidden.activations.keep_out")


def test_sigmoid_stays_finite_and_right_for_large_inputs(student, ref):
    rng = draw.rng("large")
    x = _large(rng)
    dout = _normal(rng, x.shape)
    _, out, dx = _run(student, "Sigmoid", x, dout)
    rout, rdx, _ = _expected(ref, "Sigmoid", x, dout)
    large = _say("large_inputs")
    assert_close(out, rout, f"Sigmoid.forward(x) {large}",
                 hint=[bugs.sigmoid_forward(out, x), "hidden.activations.sigmoid_limits"])
    assert_close(dx, rdx, f"Sigmoid.backward(dout) {large}",
                 hint=[bugs.sigmoid_dx(dx, rout, dout), "hidden.activations.sigmoid_from_out"])


def test_sigmoid_backward_matches_reference(student, ref):
    _backward_matches_reference(student, ref, "Sigmoid")


def test_sigmoid_forward_leaves_x_unchanged(student, ref):
    _leaves_x_unchanged(student, ref, "Sigmoid", _unchanged_input("Sigmoid"))


def test_sigmoid_backward_follows_the_latest_forward(student, ref):
    _follows_the_latest_forward(student, ref, "Sigmoid")


def test_sigmoid_backward_twice_gives_the_same_gradient(student, ref):
    _backward_twice(student, ref, "Sigmoid")


def test_sigmoid_gradient_matches_numerical_gradient(student, ref):
    _gradient_check(student, ref, "Sigmoid")


# -- Tanh -----------------------------------------------------------------------

def test_tanh_forward_matches_reference(student, ref):
    _forward_matches_reference(student, ref, "Tanh")


def test_tanh_keeps_its_output_in_out(student, ref):
    _keeps_attribute(student, ref, "Tanh", "hidden.activations.keep_out")


def test_tanh_backward_is_one_minus_tanh_squared(student, ref):
    _backward_matches_reference(student, ref, "Tanh")


def test_tanh_stays_finite_and_right_for_large_inputs(student, ref):
    rng = draw.rng("large")
    x = _large(rng)
    dout = _normal(rng, x.shape)
    _, out, dx = _run(student, "Tanh", x, dout)
    rout, rdx, _ = _expected(ref, "Tanh", x, dout)
    large = _say("large_inputs")
    assert_close(out, rout, f"Tanh.forward(x) {large}", hint="hidden.activations.tanh_limits")
    assert_close(dx, rdx, f"Tanh.backward(dout) {large}", hint=[_detected(ref, "Tanh", x, dout, dx), TANH_HINT])


def test_tanh_forward_leaves_x_unchanged(student, ref):
    _leaves_x_unchanged(student, ref, "Tanh", _unchanged_input("Tanh"))


def test_tanh_backward_follows_the_latest_forward(student, ref):
    _follows_the_latest_forward(student, ref, "Tanh")


def test_tanh_backward_twice_gives_the_same_gradient(student, ref):
    _backward_twice(student, ref, "Tanh")


def test_tanh_gradient_matches_numerical_gradient(student, ref):
    _gradient_check(student, ref, "Tanh")
