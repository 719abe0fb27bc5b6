"""Hidden tests for 05_rnn_cell: the RNN cell, one time step.

Inputs are drawn so that every part of the gradient shows: h_prev is never 0
(with h_prev = 0, dWh would be 0 whatever the code), the pre-activations stay
away from saturation (so 1 - h, 1 - h ** 2 and 1 - h_prev ** 2 all differ), and
D != H in every case, so a transposed Wx or a product in the wrong order fails
on shape. Wh is square: a missing transpose there shows only in the values,
which the reference comparisons catch.

Tolerances: assert_close's defaults, chosen from the dtype the student returns
(float64: rtol 1e-5, atol 1e-8; float32: rtol 1e-3, atol 1e-5). A correct
float64 cell agrees with the reference to about 1e-16. A cell that computes
in float32 is only float32-accurate, and its gradients may land in float64
arrays (grads are zeros_like the float64 parameters the grader passes), so
`_precision` judges a cell by its forward output: float32 when h_next is
float32, or when it is more than 1e-9 away from the reference's h_next (a
float64 cell is within 1e-15; one with float32 weights, about 1e-7). Every value
of that cell is then compared at float32 tolerance. Measured on the variants in
tests/mutants/05_rnn_cell.toml: the three float32 variants use at most 1 % of
the float32 tolerance but up to 280 % of the float64 one (hence `_precision`);
the float64 variants match the reference to rounding. Each mutant is off by
more than 1e-2 somewhere (or fails a shape or identity check).
Gradient checks use assert_gradient's defaults: central differences through
the student's own forward, float64 (step 1e-5) or float32 (step 1e-2); the
float32 variants use at most 5 % of that tolerance.
"""

import numpy as np

from autograder import hints
from autograder.patterns import rnn_cell as bugs
from autograder.checks import as_array, at_precision, judged_precision, assert_close, assert_gradients, assert_shape, fail, numerical_gradient, precision
from autograder.messages import text

# (N, D, H, seed): a batch of one, D > H, D < H, odd sizes.
CASES = [(1, 3, 4, 10), (5, 7, 3, 11), (4, 2, 6, 12)]

FORWARD_HINT = "hidden.rnn.forward"
GRAD_HINTS = {name: f"hidden.rnn.{name}" for name in ("dx", "dh_prev", "dWx", "dWh", "db")}
NAMES = ("dWx", "dWh", "db")


# -- inputs ----------------------------------------------------------------------

def _inputs(seed, n, d, h):
    """(Wx, Wh, b), x, h_prev, dh_next."""
    rng = np.random.default_rng(seed)
    params = (rng.normal(scale=0.4, size=(d, h)), rng.normal(scale=0.4, size=(h, h)), rng.normal(scale=0.3, size=h))
    x = rng.normal(size=(n, d))
    h_prev = rng.uniform(0.2, 0.9, size=(n, h)) * rng.choice([-1.0, 1.0], size=(n, h))
    dh_next = rng.normal(size=(n, h))
    return params, x, h_prev, dh_next


# -- running a cell ----------------------------------------------------------------

def _pair(value, what):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        fail("hidden.rnn.not_a_pair", what=what, kind="None" if value is None else type(value).__name__,
             hint=[hints.returns_one_value(value, "dx, dh_prev"), "hidden.rnn.return_pair"])
    return value


def _grads(layer, what="RNN.grads"):
    grads = layer.grads
    if not isinstance(grads, (list, tuple)) or len(grads) != 3:
        fail("hidden.rnn.grads_list", what=what, hint="hidden.rnn.constructor")
    return list(grads)


def _hint(name, value, inputs):
    """The bug hint for one gradient (or for the pair's order), then the formula."""
    return [bugs.gradient(name, value, *inputs), GRAD_HINTS[name]]


def _order(dx, dh_prev, inputs, ref):
    _, _, rdx, rdh, _ = _run(ref, *inputs)
    return hints.swapped_pair(dx, dh_prev, rdx, rdh, "dx, dh_prev")


def _run(module, params, x, h_prev, dh_next):
    """A new module.RNN: forward, then backward -> (layer, h_next, dx, dh_prev, [dWx, dWh, db])."""
    layer = module.RNN(*params)
    h_next = layer.forward(x, h_prev)
    dx, dh_prev = _pair(layer.backward(dh_next), "RNN.backward(dh_next)")
    return layer, h_next, dx, dh_prev, _grads(layer)


def _both(student, ref, case):
    n, d, h, seed = case
    inputs = _inputs(seed, n, d, h)
    got = _run(student, *inputs)
    want = _run(ref, *inputs)
    return got, want, judged_precision(got[1], want[1], "RNN.forward(x, h_prev)")


def _where(case):
    n, d, h, _ = case
    return text("hidden.rnn.where", n=n, d=d, h=h)


# -- tests -----------------------------------------------------------------------

def test_rnn_params_and_grads_are_lists_in_the_order_wx_wh_b(student, ref):
    n, d, h, seed = CASES[1]
    params, x, h_prev, dh_next = _inputs(seed, n, d, h)
    layer, *_ = _run(student, params, x, h_prev, dh_next)
    kept = layer.params
    if not isinstance(kept, (list, tuple)) or len(kept) != 3:
        fail("hidden.rnn.params_list", hint="hidden.rnn.constructor")
    for name, value, expected in zip(("Wx", "Wh", "b"), kept, params):
        assert_close(value, expected, text("hidden.rnn.params_entry", name=name), hint="hidden.rnn.params_order")
    for name, grad, expected in zip(NAMES, _grads(layer), params):
        assert_shape(grad, expected.shape, text("hidden.rnn.grads_entry", name=name),
                     hint=[bugs.gradient(name, grad, params, x, h_prev, dh_next), "hidden.rnn.grads_order"])


def test_rnn_forward_matches_reference(student, ref):
    for case in CASES:
        n, d, h, seed = case
        params, x, h_prev, _ = _inputs(seed, n, d, h)
        got = student.RNN(*params).forward(x, h_prev)
        want = ref.RNN(*params).forward(x, h_prev)
        assert_close(at_precision(got, judged_precision(got, want, "RNN.forward(x, h_prev)")), want,
                     f"RNN.forward(x, h_prev) {_where(case)}",
                     hint=[bugs.forward(got, params, x, h_prev), FORWARD_HINT])


def test_rnn_outputs_and_gradients_have_the_right_shapes(student, ref):
    advice = "hidden.rnn.shapes"
    for n, d, h, seed in [(2, 5, 3, 20), (1, 1, 2, 21)]:
        inputs = _inputs(seed, n, d, h)
        params = inputs[0]
        _, h_next, dx, dh_prev, grads = _run(student, *inputs)
        order = _order(dx, dh_prev, inputs, ref)
        assert_shape(h_next, (n, h), "RNN.forward(x, h_prev)", hint=advice)
        assert_shape(dx, (n, d), "RNN.backward: dx", hint=[order, advice])
        assert_shape(dh_prev, (n, h), "RNN.backward: dh_prev", hint=[order, advice])
        for name, grad, param in zip(NAMES, grads, params):
            assert_shape(grad, param.shape, text("hidden.rnn.grads_entry", name=name),
                         hint=[bugs.gradient(name, grad, *inputs), advice])


def _case_inputs(case):
    n, d, h, seed = case
    return _inputs(seed, n, d, h)


def test_rnn_backward_dx_matches_reference(student, ref):
    for case in CASES:
        (_, _, dx, dh, _), (_, _, rdx, _, _), kind = _both(student, ref, case)
        inputs = _case_inputs(case)
        assert_close(at_precision(dx, kind), rdx, f"RNN.backward: dx {_where(case)}",
                     hint=[_order(dx, dh, inputs, ref), *_hint("dx", dx, inputs)])


def test_rnn_backward_dh_prev_matches_reference(student, ref):
    for case in CASES:
        (_, _, dx, dh, _), (_, _, _, rdh, _), kind = _both(student, ref, case)
        inputs = _case_inputs(case)
        assert_close(at_precision(dh, kind), rdh, f"RNN.backward: dh_prev {_where(case)}",
                     hint=[_order(dx, dh, inputs, ref), *_hint("dh_prev", dh, inputs)])


def test_rnn_backward_dwx_and_dwh_match_reference(student, ref):
    for case in CASES:
        (*_, grads), (*_, rgrads), kind = _both(student, ref, case)
        for i in (0, 1):
            assert_close(at_precision(grads[i], kind), rgrads[i], f"RNN.grads[{i}] ({NAMES[i]}) {_where(case)}",
                         hint=_hint(NAMES[i], grads[i], _case_inputs(case)))


def test_rnn_db_sums_over_the_batch(student, ref):
    for case in [(5, 3, 4, 30), (3, 6, 5, 31)]:
        (*_, grads), (*_, rgrads), kind = _both(student, ref, case)
        assert_close(at_precision(grads[2], kind), rgrads[2], f"RNN.grads[2] (db) {_where(case)}",
                     hint=_hint("db", grads[2], _case_inputs(case)))


def test_rnn_tanh_derivative_is_one_minus_h_next_squared(student, ref):
    # With Wh = I, dh_prev = dt = dh_next * (1 - h_next ** 2): nothing but the derivative of tanh.
    n, d, h, seed = 3, 4, 5, 40
    (Wx, _, b), x, h_prev, dh_next = _inputs(seed, n, d, h)
    params = (Wx, np.eye(h), b)
    _, h_next, _, dh_prev, _ = _run(student, params, x, h_prev, dh_next)
    _, rh_next, _, rdh_prev, _ = _run(ref, params, x, h_prev, dh_next)
    assert_close(at_precision(dh_prev, judged_precision(h_next, rh_next, "RNN.forward(x, h_prev)")), rdh_prev,
                 text("hidden.rnn.derivative"),
                 hint=[bugs.gradient("dh_prev", dh_prev, params, x, h_prev, dh_next), "hidden.rnn.tanh"])


def test_rnn_grads_are_written_in_place(student, ref):
    n, d, h, seed = CASES[2]
    params, x, h_prev, dh_next = _inputs(seed, n, d, h)
    layer = student.RNN(*params)
    before = student.identities(layer, "grads")
    layer.forward(x, h_prev)
    layer.backward(dh_next)
    if student.identities(layer, "grads") != before:
        fail("hidden.rnn.rebound", what="RNN.backward", hint=hints.rebound())


def test_rnn_backward_replaces_grads_instead_of_accumulating(student, ref):
    n, d, h, seed = CASES[1]
    params, x, h_prev, dh_next = _inputs(seed, n, d, h)
    first = np.random.default_rng(50).normal(size=dh_next.shape)
    layer = student.RNN(*params)
    h_next = layer.forward(x, h_prev)
    layer.backward(first)
    layer.backward(dh_next)
    grads = _grads(layer)
    expected = ref.RNN(*params)
    kind = judged_precision(h_next, expected.forward(x, h_prev), "RNN.forward(x, h_prev)")
    expected.backward(first)
    previous = [g.copy() for g in expected.grads]
    expected.backward(dh_next)
    for i, name in enumerate(NAMES):
        assert_close(at_precision(grads[i], kind), expected.grads[i],
                     f"RNN.grads[{i}] ({name}) {text('hidden.rnn.second_backward')}",
                     hint=[hints.accumulates(grads[i], expected.grads[i], name, previous[i]), "hidden.rnn.overwrite"])


def test_rnn_works_for_a_batch_of_one(student, ref):
    case = (1, 5, 2, 60)
    got, want, kind = _both(student, ref, case)
    inputs = _case_inputs(case)
    advice = "hidden.rnn.batch_of_one"
    one = text("hidden.rnn.one_row")
    assert_close(at_precision(got[1], kind), want[1], f"RNN.forward {one}",
                 hint=[bugs.forward(got[1], inputs[0], *inputs[1:3]), advice])
    for what, a, b in [("dx", got[2], want[2]), ("dh_prev", got[3], want[3])]:
        assert_close(at_precision(a, kind), b, f"RNN.backward: {what} {one}",
                     hint=[bugs.gradient(what, a, *inputs), advice])
    for i, name in enumerate(NAMES):
        assert_close(at_precision(got[4][i], kind), want[4][i], f"RNN.grads[{i}] ({name}) {one}",
                     hint=[bugs.gradient(name, got[4][i], *inputs), advice])


def test_rnn_dx_and_dh_prev_match_numerical_gradient(student, ref):
    n, d, h, seed = 3, 4, 5, 70
    inputs = _inputs(seed, n, d, h)
    (Wx, Wh, b), x, h_prev, dh_next = inputs
    _, _, dx, dh_prev, _ = _run(student, (Wx, Wh, b), x, h_prev, dh_next)
    num_x = numerical_gradient(lambda v: student.RNN(Wx, Wh, b).forward(v, h_prev), x, dh_next,
                               "RNN.forward(x, h_prev)")
    num_h = numerical_gradient(lambda v: student.RNN(Wx, Wh, b).forward(x, v), h_prev, dh_next,
                               "RNN.forward(x, h_prev)")
    assert_gradients({"dx": (dx, num_x), "dh_prev": (dh_prev, num_h)}, "RNN.backward",
                     hint=[_order(dx, dh_prev, inputs, ref), *_hint("dx", dx, inputs), *_hint("dh_prev", dh_prev, inputs)])


def test_rnn_parameter_gradients_match_numerical_gradient(student, ref):
    n, d, h, seed = 3, 4, 5, 80
    inputs = _inputs(seed, n, d, h)
    (Wx, Wh, b), x, h_prev, dh_next = inputs
    *_, grads = _run(student, (Wx, Wh, b), x, h_prev, dh_next)
    builds = [lambda v: student.RNN(v, Wh, b), lambda v: student.RNN(Wx, v, b), lambda v: student.RNN(Wx, Wh, v)]
    checks, hint = {}, []
    for i, (name, build, param) in enumerate(zip(NAMES, builds, (Wx, Wh, b))):
        num = numerical_gradient(lambda v: build(v).forward(x, h_prev), param, dh_next, "RNN.forward(x, h_prev)")
        checks[f"grads[{i}] ({name})"] = (grads[i], num)
        hint += _hint(name, grads[i], inputs)
    assert_gradients(checks, "RNN.backward", hint=hint)
