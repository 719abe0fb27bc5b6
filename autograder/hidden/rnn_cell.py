"""Hidden tests for 05_rnn_cell: the RNN cell, one time step.

The property matrix these tests cover is docs/property-matrix/05_rnn_cell.md.

Inputs are drawn per submission (draw.rng) so that every part of the gradient
shows: h_prev is never near 0 (with h_prev = 0, dWh would be 0 whatever the
code), the pre-activations stay away from saturation (so 1 - h, 1 - h ** 2 and
1 - h_prev ** 2 all differ) except in the test of large inputs, and D != H in
every case but one, so a transposed Wx or a product in the wrong order fails on
shape. Wh is square: a missing transpose there shows only in the values, which
the reference comparisons catch.

Tolerances are assert_close's fixed defaults, the same for every dtype (rtol
1e-4 and an atol of 1e-4 of the expected array's scale). A cell computed in
float32 carries about 1e-7 relative rounding per operation; an entry that
cancels out to near 0 keeps an absolute error of about 1e-7 of the size of its
terms. Measured on a float32 cell against the float64 reference over 2000
draws of these inputs: every error within 1 % of the allowed one (at most
1.2e-6 of the array's scale). The test of large inputs keeps at least three
units unsaturated: with a single one, db can cancel to a scale below its
terms' float32 rounding (that case used all of the allowed error). float64
rewrites agree with the reference to about 1e-15; every mutant is off by more
than 1e-2 somewhere.

Gradient checks take central differences of the student's own forward at the
fixed steps STEP = 2e-2 and 2 * STEP, combined by Richardson extrapolation
((4 D(h) - D(2h)) / 3, _numerical), which cancels the h^2 truncation error.
Measured over 400 draws in assert_gradients' measure (relative, with a floor of
a hundredth of the gradient's scale; allowed 1e-2): worst error 7e-5 for
float64 forwards and 4e-4 for float32 ones. A plain central difference serves
one of the two only: at a step of 1e-3, float32 rounding of
sum(h_next * dh_next) reaches 1.1e-2; at 1e-2, truncation reaches 6e-3 in
float64. The checks count only where the forward depends on the input
(assert_gradients' reference=): a constant forward, or one without the bias,
earns nothing there. Each input is checked along random directions first
(autograder/directional.py), extrapolated from ALONG_STEP = 3e-2 and twice it:
the largest error along a direction over the suite's and the corpus's
correct submissions (30 draws each) was 1.0e-3 of the 2e-3 allowed (float32
cells; 2.1e-3 at 2e-2, and float64 truncation reaches 1.8e-3 at 4e-2).
"""

import numpy as np

from autograder import hints
from autograder.hidden import draw
from autograder.bugs import rnn_cell as bugs
from autograder.assertions import assert_close, assert_shape, fail, not_an_array
from autograder.directional import Numerical, check_gradients
from autograder.messages import text

STEP = 2e-2  # central differences of the student's forward, extrapolated (see above)
ALONG_STEP = 3e-2  # the same along a random direction (see above)

FORWARD_HINT = "hidden.rnn.forward"
GRAD_HINTS = {name: f"hidden.rnn.{name}" for name in ("dx", "dh_prev", "dWx", "dWh", "db")}
NAMES = ("dWx", "dWh", "db")


# -- inputs ----------------------------------------------------------------------

def _sizes(rng, count=3):
    """(N, D, H) of a batch of one, then batches of 2..6; D != H, each in 2..7."""
    sizes = []
    while len(sizes) < count:
        n = 1 if not sizes else int(rng.integers(2, 7))
        d, h = (int(v) for v in rng.integers(2, 8, size=2))
        if d != h:
            sizes.append((n, d, h))
    return sizes


def _inputs(rng, n, d, h):
    """(Wx, Wh, b), x, h_prev, dh_next, with |h_prev| in [0.2, 0.9] and moderate pre-activations."""
    params = (rng.normal(scale=0.4, size=(d, h)), rng.normal(scale=0.4, size=(h, h)), rng.normal(scale=0.3, size=h))
    x = rng.normal(size=(n, d))
    h_prev = rng.uniform(0.2, 0.9, size=(n, h)) * rng.choice([-1.0, 1.0], size=(n, h))
    dh_next = rng.normal(size=(n, h))
    return params, x, h_prev, dh_next


def _saturating(rng, n, d, h):
    """Inputs whose bias drives h // 2 hidden units (at least 2) to pre-activations of 800..1000, both signs."""
    (Wx, Wh, b), x, h_prev, dh_next = _inputs(rng, n, d, h)
    units = rng.permutation(h)[:max(2, h // 2)]
    b = b.copy()
    b[units] = rng.uniform(800.0, 1000.0, size=units.size) * np.where(np.arange(units.size) % 2, -1.0, 1.0)
    return (Wx, Wh, b), x, h_prev, dh_next


# -- checks ----------------------------------------------------------------------

def _numerical(f, x, dout, what):
    """Central differences of sum(f(x) * dout) at STEP and 2 * STEP, extrapolated: (4 D(h) - D(2h)) / 3."""
    return Numerical(f, x, dout, what, step=STEP, extrapolated=True, along_step=ALONG_STEP)


# -- running a cell ----------------------------------------------------------------

def _pair(value, what):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        fail("hidden.rnn.not_a_pair", what=what, kind="None" if value is None else type(value).__name__,
             hint=[hints.returns_one_value(value, "dx, dh_prev"), "hidden.rnn.return_pair"])
    return value


def _array(value, what, hint=None):
    """An ndarray, as the README says: a list of rows has the values but not the .T and @ the next step uses."""
    if not isinstance(value, np.ndarray):
        not_an_array(value, what, hint=[hint, "hidden.rnn.returns_array"])
    return value


def _grads(layer, what="RNN.grads"):
    grads = layer.grads
    if not isinstance(grads, (list, tuple)) or len(grads) != 3:
        fail("hidden.rnn.grads_list", what=what, hint="hidden.rnn.constructor")
    return list(grads)


def _hint(name, value, inputs):
    """The bug hint for one gradient, then the formula."""
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


def _where(n, d, h):
    return text("hidden.rnn.where", n=n, d=d, h=h)


def _all_outputs(got, want, inputs, where, advice=None):
    """h_next, dx, dh_prev and the three grads of `got` against `want` (both from _run)."""
    assert_close(got[1], want[1], f"RNN.forward(x, h_prev) {where}",
           hint=[bugs.forward(got[1], inputs[0], *inputs[1:3]), advice or FORWARD_HINT])
    for what, a, b in (("dx", got[2], want[2]), ("dh_prev", got[3], want[3])):
        assert_close(a, b, f"RNN.backward: {what} {where}", hint=[*_hint(what, a, inputs), advice])
    for i, name in enumerate(NAMES):
        assert_close(got[4][i], want[4][i], f"RNN.grads[{i}] ({name}) {where}", hint=[*_hint(name, got[4][i], inputs), advice])


# -- tests -----------------------------------------------------------------------

def test_rnn_params_and_grads_are_lists_in_the_order_wx_wh_b(student, ref):
    rng = draw.rng("lists")
    n, d, h = _sizes(rng, 2)[1]
    inputs = _inputs(rng, n, d, h)
    params = inputs[0]
    layer = student.RNN(*params)
    before = student.identities(layer, "params")
    layer.forward(*inputs[1:3])
    _pair(layer.backward(inputs[3]), "RNN.backward(dh_next)")
    *_, rgrads = _run(ref, *inputs)
    kept = layer.params
    if not isinstance(kept, (list, tuple)) or len(kept) != 3:
        fail("hidden.rnn.params_list", hint="hidden.rnn.constructor")
    for name, value, expected in zip(("Wx", "Wh", "b"), kept, params):
        assert_close(value, expected, text("hidden.rnn.params_entry", name=name), hint="hidden.rnn.params_order")
    for name, grad, expected in zip(NAMES, _grads(layer), rgrads):
        assert_close(grad, expected, text("hidden.rnn.grads_entry", name=name),
               hint=[bugs.gradient(name, grad, *inputs), "hidden.rnn.grads_order"])
    # README: params stays the very arrays the constructor was given (an optimizer updates them in
    # place); float copies put in their place keep the values but leave the optimizer's arrays behind.
    if student.identities(layer, "params") != before:
        fail("hidden.rnn.params_rebound", what="RNN.forward and RNN.backward", hint="hidden.rnn.params_order")


def test_rnn_forward_matches_reference(student, ref):
    rng = draw.rng("forward")
    for n, d, h in _sizes(rng):
        params, x, h_prev, _ = _inputs(rng, n, d, h)
        got = student.RNN(*params).forward(x, h_prev)
        changed = student.mutated_arguments()
        assert_close(got, ref.RNN(*params).forward(x, h_prev), f"RNN.forward(x, h_prev) {_where(n, d, h)}",
               hint=[bugs.forward(got, params, x, h_prev), FORWARD_HINT])
        _array(got, f"RNN.forward(x, h_prev) {_where(n, d, h)}")
        # README: forward leaves x and h_prev as given (in TimeRNN, h_prev is the step before's h_next,
        # which that step's cache still holds); the values above were right, so only the write is wrong.
        if changed:
            names = ", ".join(("x", "h_prev")[i] if i in (0, 1) else str(i) for i in changed)
            fail("hidden.rnn.inputs_changed", what=f"RNN.forward(x, h_prev) {_where(n, d, h)}", names=names,
                 hint="hidden.rnn.keep_inputs")


def test_rnn_backward_returns_the_pair_dx_dh_prev(student, ref):
    advice = "hidden.rnn.shapes"
    rng = draw.rng("pair")
    for n, d, h in _sizes(rng, 2):
        inputs = _inputs(rng, n, d, h)
        layer = student.RNN(*inputs[0])
        layer.forward(*inputs[1:3])
        dx, dh_prev = _pair(layer.backward(inputs[3]), "RNN.backward(dh_next)")
        _, _, rdx, rdh, _ = _run(ref, *inputs)
        order = hints.swapped_pair(dx, dh_prev, rdx, rdh, "dx, dh_prev")
        assert_shape(dx, (n, d), "RNN.backward: dx", hint=[order, advice])
        assert_shape(dh_prev, (n, h), "RNN.backward: dh_prev", hint=[order, advice])
        assert_close(dx, rdx, f"RNN.backward: dx {_where(n, d, h)}", hint=[order, *_hint("dx", dx, inputs)])
        assert_close(dh_prev, rdh, f"RNN.backward: dh_prev {_where(n, d, h)}", hint=[order, *_hint("dh_prev", dh_prev, inputs)])
        _array(dx, f"RNN.backward: dx {_where(n, d, h)}", hint=advice)
        _array(dh_prev, f"RNN.backward: dh_prev {_where(n, d, h)}", hint=advice)


def test_rnn_backward_dx_matches_reference(student, ref):
    rng = draw.rng("dx")
    for n, d, h in _sizes(rng):
        inputs = _inputs(rng, n, d, h)
        _, _, dx, dh, _ = _run(student, *inputs)
        _, _, rdx, _, _ = _run(ref, *inputs)
        assert_close(dx, rdx, f"RNN.backward: dx {_where(n, d, h)}", hint=[_order(dx, dh, inputs, ref), *_hint("dx", dx, inputs)])


def test_rnn_backward_dh_prev_matches_reference(student, ref):
    rng = draw.rng("dh_prev")
    for n, d, h in _sizes(rng):
        inputs = _inputs(rng, n, d, h)
        _, _, dx, dh, _ = _run(student, *inputs)
        _, _, _, rdh, _ = _run(ref, *inputs)
        assert_close(dh, rdh, f"RNN.backward: dh_prev {_where(n, d, h)}",
               hint=[_order(dx, dh, inputs, ref), *_hint("dh_prev", dh, inputs)])


def test_rnn_backward_dwx_and_dwh_match_reference(student, ref):
    rng = draw.rng("weights")
    square = int(rng.integers(2, 6))  # D == H: dWx and dWh have one shape, so only values tell them apart
    for n, d, h in [*_sizes(rng), (int(rng.integers(2, 5)), square, square)]:
        inputs = _inputs(rng, n, d, h)
        *_, grads = _run(student, *inputs)
        *_, rgrads = _run(ref, *inputs)
        for i in (0, 1):
            assert_close(grads[i], rgrads[i], f"RNN.grads[{i}] ({NAMES[i]}) {_where(n, d, h)}",
                   hint=_hint(NAMES[i], grads[i], inputs))


def test_rnn_db_sums_over_the_batch(student, ref):
    rng = draw.rng("db")
    for n, d, h in _sizes(rng)[1:]:
        inputs = _inputs(rng, n, d, h)
        *_, grads = _run(student, *inputs)
        *_, rgrads = _run(ref, *inputs)
        assert_close(grads[2], rgrads[2], f"RNN.grads[2] (db) {_where(n, d, h)}", hint=_hint("db", grads[2], inputs))


def test_rnn_tanh_derivative_is_one_minus_h_next_squared(student, ref):
    # With Wh = I, dh_prev = dt = dh_next * (1 - h_next ** 2): nothing but the derivative of tanh.
    rng = draw.rng("tanh")
    n, d, h = _sizes(rng, 2)[1]
    (Wx, _, b), x, h_prev, dh_next = _inputs(rng, n, d, h)
    params = (Wx, np.eye(h), b)
    _, _, _, dh_prev, _ = _run(student, params, x, h_prev, dh_next)
    _, _, _, rdh_prev, _ = _run(ref, params, x, h_prev, dh_next)
    assert_close(dh_prev, rdh_prev, text("hidden.rnn.derivative"),
           hint=[bugs.gradient("dh_prev", dh_prev, params, x, h_prev, dh_next), "hidden.rnn.tanh"])


def test_rnn_grads_are_written_in_place(student, ref):
    # The same three arrays before and after backward, holding this backward's gradients.
    rng = draw.rng("in_place")
    n, d, h = _sizes(rng, 2)[1]
    inputs = _inputs(rng, n, d, h)
    layer = student.RNN(*inputs[0])
    before = student.identities(layer, "grads")
    layer.forward(*inputs[1:3])
    layer.backward(inputs[3])
    if student.identities(layer, "grads") != before:
        fail("hidden.rnn.rebound", what="RNN.backward", hint=hints.rebound())
    *_, rgrads = _run(ref, *inputs)
    for i, (name, grad) in enumerate(zip(NAMES, _grads(layer))):
        assert_close(grad, rgrads[i], f"RNN.grads[{i}] ({name}) {_where(n, d, h)}", hint=_hint(name, grad, inputs))


def test_rnn_second_backward_replaces_grads(student, ref):
    rng = draw.rng("replace")
    n, d, h = _sizes(rng, 2)[1]
    params, x, h_prev, dh_next = _inputs(rng, n, d, h)
    first = rng.normal(size=dh_next.shape)
    layer = student.RNN(*params)
    layer.forward(x, h_prev)
    layer.backward(first)
    layer.backward(dh_next)
    grads = _grads(layer)
    expected = ref.RNN(*params)
    expected.forward(x, h_prev)
    expected.backward(first)
    previous = [g.copy() for g in expected.grads]
    expected.backward(dh_next)
    for i, name in enumerate(NAMES):
        assert_close(grads[i], expected.grads[i], f"RNN.grads[{i}] ({name}) {text('hidden.rnn.second_backward')}",
               hint=[hints.accumulates(grads[i], expected.grads[i], name, previous[i]), "hidden.rnn.overwrite"])


def test_rnn_backward_leaves_the_forward_cache_intact(student, ref):
    # Two backward calls after one forward: the second reads what forward kept, so every
    # result of it must be the reference's for the second dh_next.
    rng = draw.rng("cache")
    n, d, h = _sizes(rng, 2)[1]
    params, x, h_prev, dh_next = _inputs(rng, n, d, h)
    first = rng.normal(size=dh_next.shape)
    layer = student.RNN(*params)
    h_next = layer.forward(x, h_prev)
    layer.backward(first)
    dx, dh = _pair(layer.backward(dh_next), "RNN.backward(dh_next)")
    want = _run(ref, params, x, h_prev, dh_next)
    inputs = (params, x, h_prev, dh_next)
    _all_outputs((layer, h_next, dx, dh, _grads(layer)), want, inputs, text("hidden.rnn.second_backward"),
                 advice="hidden.rnn.cache")
    # README: forward keeps what backward needs on self, so another cell's forward in between
    # changes nothing of this one's (a cache in a module-level or class-level variable is shared).
    other_params, other_x, other_h, _ = _inputs(rng, n, d, h)
    student.RNN(*other_params).forward(other_x, other_h)
    dx, dh = _pair(layer.backward(dh_next), "RNN.backward(dh_next)")
    _all_outputs((layer, h_next, dx, dh, _grads(layer)), want, inputs, text("hidden.rnn.other_cell"),
                 advice="hidden.rnn.own_cache")


def test_rnn_reused_with_a_new_batch_size(student, ref):
    # One cell through a whole step on a batch of N1, then two forwards (N3, then N2) and a
    # backward: what backward returns and writes must all come from the latest forward.
    rng = draw.rng("reuse")
    n1, d, h = _sizes(rng, 2)[1]
    n2, n3 = (int(n) for n in rng.choice([m for m in range(1, 8) if m != n1], size=2, replace=False))
    params, x1, h1, dh1 = _inputs(rng, n1, d, h)
    _, x3, h3, _ = _inputs(rng, n3, d, h)
    _, x2, h2, dh_next = _inputs(rng, n2, d, h)
    _, x1b, h1b, _ = _inputs(rng, n1, d, h)
    layer = student.RNN(*params)
    layer.forward(x1, h1)
    layer.backward(dh1)
    # A second forward on the same batch size: h_next comes from the h_prev given, nothing kept.
    again = layer.forward(x1b, h1b)
    assert_close(again, ref.RNN(*params).forward(x1b, h1b),
                 f"RNN.forward(x, h_prev) {text('hidden.rnn.reused', n1=n1, n2=n1)}",
                 hint=[bugs.forward(again, params, x1b, h1b), "hidden.rnn.latest"])
    layer.forward(x3, h3)
    h_next = layer.forward(x2, h2)
    dx, dh = _pair(layer.backward(dh_next), "RNN.backward(dh_next)")
    want = _run(ref, params, x2, h2, dh_next)
    _all_outputs((layer, h_next, dx, dh, _grads(layer)), want, (params, x2, h2, dh_next),
                 text("hidden.rnn.reused", n1=n1, n2=n2), advice="hidden.rnn.latest")


def test_rnn_works_for_a_batch_of_one(student, ref):
    rng = draw.rng("one")
    _, d, h = _sizes(rng, 2)[1]
    inputs = _inputs(rng, 1, d, h)
    _all_outputs(_run(student, *inputs), _run(ref, *inputs), inputs, text("hidden.rnn.one_row"),
                 advice="hidden.rnn.batch_of_one")


def test_rnn_saturates_without_overflow_at_large_inputs(student, ref):
    # Pre-activations of 800..1000 in magnitude: tanh is +-1 there and its derivative 0;
    # exp(t) overflows, so a tanh written with np.exp gives inf / inf = nan.
    rng = draw.rng("large")
    n, d, h = _sizes(rng, 2)[1]
    h = max(h, 5)  # at least 3 units stay unsaturated: db and dWx are not all cancellation
    inputs = _saturating(rng, n, d, h)
    _all_outputs(_run(student, *inputs), _run(ref, *inputs), inputs,
                 text("hidden.rnn.large", n=n, d=d, h=h), advice="hidden.rnn.saturation")


def test_rnn_dx_and_dh_prev_match_numerical_gradient(student, ref):
    rng = draw.rng("numerical_inputs")
    n, d, h = _sizes(rng, 2)[1]
    inputs = _inputs(rng, n, d, h)
    (Wx, Wh, b), x, h_prev, dh_next = inputs
    _, _, dx, dh_prev, _ = _run(student, (Wx, Wh, b), x, h_prev, dh_next)
    _, _, rdx, rdh, _ = _run(ref, *inputs)
    num_x = _numerical(lambda v: student.RNN(Wx, Wh, b).forward(v, h_prev), x, dh_next, "RNN.forward(x, h_prev)")
    num_h = _numerical(lambda v: student.RNN(Wx, Wh, b).forward(x, v), h_prev, dh_next, "RNN.forward(x, h_prev)")
    check_gradients({"dx": (dx, num_x), "dh_prev": (dh_prev, num_h)}, "RNN.backward",
                     reference={"dx": rdx, "dh_prev": rdh}, hint=[_order(dx, dh_prev, inputs, ref), *_hint("dx", dx, inputs), *_hint("dh_prev", dh_prev, inputs)])


def test_rnn_parameter_gradients_match_numerical_gradient(student, ref):
    rng = draw.rng("numerical_params")
    n, d, h = _sizes(rng, 2)[1]
    inputs = _inputs(rng, n, d, h)
    (Wx, Wh, b), x, h_prev, dh_next = inputs
    *_, grads = _run(student, (Wx, Wh, b), x, h_prev, dh_next)
    *_, rgrads = _run(ref, *inputs)
    builds = [lambda v: student.RNN(v, Wh, b), lambda v: student.RNN(Wx, v, b), lambda v: student.RNN(Wx, Wh, v)]
    checks, reference, hint = {}, {}, []
    for i, (name, build, param) in enumerate(zip(NAMES, builds, (Wx, Wh, b))):
        num = _numerical(lambda v, build=build: build(v).forward(x, h_prev), param, dh_next, "RNN.forward(x, h_prev)")
        key = f"grads[{i}] ({name})"
        checks[key], reference[key] = (grads[i], num), rgrads[i]
        hint += _hint(name, grads[i], inputs)
    check_gradients(checks, "RNN.backward", reference=reference, hint=hint)
