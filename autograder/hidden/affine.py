"""Hidden tests for 03_affine: the Affine layer.

The property matrix these tests cover is docs/property-matrix/03_affine.md.

Inputs are drawn per submission (hidden/draw.py): W, b, x and dout normal,
sizes drawn from small ranges in four deliberate configurations: a batch of
one, odd sizes with D != M, a square W (D == M, where np.dot(dout, W) has the
right shape and only the values are wrong) and a narrow output; the forward
test adds a square x (N == D). A missing transpose therefore either raises or
gives wrong values.

Tolerances: assert_close's defaults, which come from the reference alone
(assertions.py: 1e-4 of each expected entry and of the expected array's scale),
never from what the student returns. The layer is one matrix product per
output: a correct float64 layer agrees with the reference to about 1e-15
whatever the order of its sums (np.dot, @, np.matmul, einsum, loops). Float32
arithmetic, or float32 inputs inside a layer that returns float64, errs by at
most 1.6e-6 of the largest expected entry (measured over 20000 draws of
N <= 8, D, M <= 7, every output and gradient), which the scale term covers
sixty times over, also for an entry near 0 after cancellation. The float32
variants in tests/mutants/03_affine.toml keep full marks; every bug in the
mutants file is off by 10 % or more somewhere, has the wrong shape, or raises;
a systematic error of 0.1 % fails in every dtype (tests/test_tolerances_01_03.py).

Gradient checks take central differences of the student's own forward with a
long fixed step (LINEAR_STEP): the layer is linear in x, W and b, so central
differences are exact up to rounding at any step, and a long step keeps
rounding inside a float32 forward (about 1e-7 of the output) far below the
tolerance. With the reference's gradients, each of dx, dW and db counts only
where that forward depends on x, W or b: a constant forward earns nothing.
"""

from __future__ import annotations

import numpy as np

from autograder import hints
from autograder.assertions import assert_close, fail, not_an_array
from autograder.directional import Numerical, check_gradients
from autograder.hidden import draw
from autograder.messages import text
from autograder.bugs import affine as bugs

FORWARD_HINT = "hidden.affine.forward"
DX_HINT = "hidden.affine.dx"
DW_HINT = "hidden.affine.dW"
DB_HINT = "hidden.affine.db"
LINEAR_STEP = 0.1


def _configs(rng) -> list[tuple[int, int, int]]:
    """(N, D, M): a batch of one, odd sizes with D != M, a square W, a narrow output; sizes drawn."""
    d = int(rng.integers(3, 7))
    return [(1, d, d + 1), (int(rng.integers(4, 7)), 3, int(rng.integers(5, 8))), (4, d + 1, d + 1),
            (int(rng.integers(5, 8)), int(rng.integers(4, 6)), 2)]


def _case(rng, n, d, m, dtype=np.float64):
    """W (D, M), b (M,), x (N, D), dout (N, M), drawn."""
    return tuple(rng.normal(size=shape).astype(dtype) for shape in ((d, m), (m,), (n, d), (n, m)))


def _about(n, d, m):
    return text("hidden.affine.about", x=(n, d), W=(d, m))


def _set(value, what, hint):
    if value is None:
        fail("hidden.affine.still_none", what=what, hint=hint)
    return value


def _array(value, what, hint):
    """A numpy array, as the README says: a list of numbers is not the array asked for (b -= lr * db fails)."""
    if value is not None and not isinstance(value, np.ndarray):
        not_an_array(value, what, hint)
    return value


def _run(layers, W, b, x, dout):
    """A new layers.Affine(W, b): forward(x), then backward(dout) -> (out, dx, dW, db)."""
    layer = layers.Affine(W, b)
    out = layer.forward(x)
    dx = layer.backward(dout)
    dW = _set(layer.dW, "Affine.dW", "hidden.affine.set_dW")
    db = _set(layer.db, "Affine.db", "hidden.affine.set_db")
    return out, dx, dW, db


def _hints(W, b, x, dout, dx, dW, db, advice):
    """The bug hints that match the student's gradients, then the advice."""
    n = np.shape(x)[0]
    return [bugs.dx(dx, dout, W), bugs.dW(dW, x, dout), bugs.db_shape(db, b),
            hints.divided_by_batch(dx, dout @ W.T, n, "dx"), hints.divided_by_batch(dW, x.T @ dout, n, "dW"),
            hints.divided_by_batch(db, dout.sum(axis=0), n, "db"), advice]


NAMES = ("forward(x)", "backward(dout): dx", "dW", "db")


def _all_close(got, want, where, hint):
    """out, dx, dW and db of the student against the reference's."""
    for name, actual, expected in zip(NAMES, got, want):
        assert_close(actual, expected, f"Affine.{name} {where}", hint=hint)


# -- values -------------------------------------------------------------------------

def test_affine_forward_matches_reference(student, ref):
    rng = draw.rng("forward")
    configs = _configs(rng)
    square = int(rng.integers(3, 7))  # and a square x (N == D): code guessing x's orientation from its shape fails
    for n, d, m in configs + [(square, square, square + 2)]:
        W, b, x, _ = _case(rng, n, d, m)
        out, right = student.Affine(W, b).forward(x), ref.Affine(W, b).forward(x)
        _array(out, f"Affine.forward(x) {_about(n, d, m)}", FORWARD_HINT)
        assert_close(out, right, f"Affine.forward(x) {_about(n, d, m)}",
                     hint=[hints.no_bias(out, x @ W, right), FORWARD_HINT])


def test_affine_forward_adds_the_bias_to_every_row(student, ref):
    rng = draw.rng("bias")
    n, d, m = _configs(rng)[1]
    _, b, x, _ = _case(rng, n, d, m)
    W = np.zeros((d, m))
    out, right = student.Affine(W, b).forward(x), ref.Affine(W, b).forward(x)
    assert_close(out, right, f"Affine.forward(x) {text('hidden.affine.W_zero')}",
                 hint=[hints.no_bias(out, np.zeros((n, m)), right), "hidden.affine.bias_rows"])


def test_affine_backward_dx_matches_reference(student, ref):
    # The square W first: there dout @ W has the right shape, so a missing transpose gets its hint
    # instead of a shape error from numpy.
    rng = draw.rng("dx")
    for n, d, m in sorted(_configs(rng), key=lambda c: c[1] != c[2]):
        W, b, x, dout = _case(rng, n, d, m)
        _, dx, _, _ = _run(student, W, b, x, dout)
        _, rdx, _, _ = _run(ref, W, b, x, dout)
        _array(dx, f"Affine.backward(dout): dx {_about(n, d, m)}", DX_HINT)
        assert_close(dx, rdx, f"Affine.backward(dout): dx {_about(n, d, m)}",
                     hint=[bugs.dx(dx, dout, W), hints.divided_by_batch(dx, rdx, n, "dx"), DX_HINT])


def test_affine_backward_dW_matches_reference(student, ref):
    rng = draw.rng("dW")
    for n, d, m in _configs(rng):
        W, b, x, dout = _case(rng, n, d, m)
        _, _, dW, _ = _run(student, W, b, x, dout)
        _, _, rdW, _ = _run(ref, W, b, x, dout)
        _array(dW, f"Affine.dW {_about(n, d, m)}", DW_HINT)
        assert_close(dW, rdW, f"Affine.dW {_about(n, d, m)}",
                     hint=[bugs.dW(dW, x, dout), hints.divided_by_batch(dW, rdW, n, "dW"), DW_HINT])


def test_affine_db_sums_over_batch(student, ref):
    rng = draw.rng("db")
    for n, d, m in _configs(rng):
        W, b, x, dout = _case(rng, n, d, m)
        _, _, _, db = _run(student, W, b, x, dout)
        _, _, _, rdb = _run(ref, W, b, x, dout)
        _array(db, f"Affine.db {_about(n, d, m)}", DB_HINT)
        assert_close(db, rdb, f"Affine.db {_about(n, d, m)}",
                     hint=[bugs.db_shape(db, b), hints.divided_by_batch(db, rdb, n, "db"), DB_HINT])


# -- edges and kinds -----------------------------------------------------------------

def test_affine_works_with_a_batch_of_one(student, ref):
    rng = draw.rng("one")
    n, d, m = 1, int(rng.integers(3, 7)), int(rng.integers(2, 6))
    W, b, x, dout = _case(rng, n, d, m)
    got = _run(student, W, b, x, dout)
    _all_close(got, _run(ref, W, b, x, dout), text("hidden.affine.one_row"),
               _hints(W, b, x, dout, *got[1:], "hidden.affine.batch_of_one"))


def test_affine_works_in_float32(student, ref):
    rng = draw.rng("float32")
    n, d, m = _configs(rng)[1]
    W, b, x, dout = _case(rng, n, d, m, dtype=np.float32)
    got = _run(student, W, b, x, dout)
    # Expected values in float64 from the same float32 numbers.
    want = _run(ref, *(a.astype(np.float64) for a in (W, b, x, dout)))
    _all_close(got, want, text("hidden.affine.in_float32"), _hints(W, b, x, dout, *got[1:], "hidden.affine.float32"))


# -- lifecycle -------------------------------------------------------------------------

def test_affine_backward_uses_the_latest_forward_input(student, ref):
    rng = draw.rng("latest")
    n, d, m = _configs(rng)[3]
    W, b, first, _ = _case(rng, n, d, m)
    layer = student.Affine(W, b)
    layer.forward(first)
    # A second forward on a batch of the same size, then a third on another batch size, each then backward;
    # then a forward of this layer and one of another Affine before this layer's backward: each layer keeps its own x.
    later = n + int(rng.integers(2, 4))
    for key, rows, other in (("hidden.affine.two_forwards", n, False), ("hidden.affine.other_batch", later, False),
                             ("hidden.affine.other_layer", n, True)):
        x, dout = rng.normal(size=(rows, d)), rng.normal(size=(rows, m))
        out = layer.forward(x)
        if other:
            student.Affine(W, b).forward(rng.normal(size=(rows, d)))
        dx = layer.backward(dout)
        dW, db = _set(layer.dW, "Affine.dW", DW_HINT), _set(layer.db, "Affine.db", DB_HINT)
        want = _run(ref, W, b, x, dout)
        stale = _run(ref, W, b, first, dout)[2] if rows == n and not other else None
        hint = [hints.stale_input(dW, stale, want[2]) if stale is not None else None,
                "hidden.affine.own_x" if other else "hidden.affine.latest_x"]
        _all_close((out, dx, dW, db), want, text(key, shape=(rows, d)), hint)


def test_affine_backward_twice_gives_the_same_gradients(student, ref):
    rng = draw.rng("twice")
    n, d, m = _configs(rng)[1]
    W, b, x, dout = _case(rng, n, d, m)
    layer = student.Affine(W, b)
    out = layer.forward(x)
    layer.backward(dout)
    dx = layer.backward(dout)
    want = _run(ref, W, b, x, dout)
    dW, db = _set(layer.dW, "Affine.dW", DW_HINT), _set(layer.db, "Affine.db", DB_HINT)
    hint = [hints.accumulates(dW, want[2], "dW"), hints.accumulates(db, want[3], "db"), bugs.db_shape(db, b),
            "hidden.affine.set_not_add"]
    _all_close((out, dx, dW, db), want, text("hidden.affine.backward_twice"), hint)


def test_affine_backward_leaves_W_and_b_unchanged(student, ref):
    rng = draw.rng("parameters")
    n, d, m = _configs(rng)[3]
    W, b, x, dout = _case(rng, n, d, m)
    layer = student.Affine(W, b)
    layer.forward(x)
    layer.backward(dout)
    after = text("hidden.affine.after_backward")
    hint = "hidden.affine.keep_parameters"
    for name, given in (("W", W), ("b", b)):
        held = getattr(layer, name)
        assert_close(held, given, f"Affine.{name} {after}", hint=hint)
        # unchanged means the very numbers given, in their dtype: not a float32 copy, not a step of 1e-6
        if np.asarray(held).dtype != given.dtype or not np.array_equal(held, given):
            fail("hidden.affine.parameters_replaced", what=f"Affine.{name}", after=after,
                 dtype=np.asarray(held).dtype, given=given.dtype, hint=hint)
    assert_close(layer.forward(x), ref.Affine(W, b).forward(x), f"Affine.forward(x) {after}", hint=hint)
    # A training step sets new W and b (layer.W -= lr * layer.dW does it through the attribute): the next
    # forward and backward use them, not something kept from the first call. Against a fresh layer of the
    # student's own given the new W and b, so that only this property counts here (values have their tests).
    W2, b2 = W - 0.5 * rng.normal(size=W.shape), b - 0.5 * rng.normal(size=b.shape)
    fresh = student.Affine(W2, b2)
    want = (fresh.forward(x), fresh.backward(dout), fresh.dW, fresh.db)
    layer.W, layer.b = W2, b2
    got = (layer.forward(x), layer.backward(dout), layer.dW, layer.db)
    stepped = text("hidden.affine.after_step")
    for name, actual, expected in zip(NAMES, got, want):
        if isinstance(expected, np.ndarray) and expected.dtype.kind == "f":
            assert_close(actual, expected, f"Affine.{name} {stepped}", hint="hidden.affine.current_parameters")


# -- gradient checks through the student's own forward -----------------------------

def _numerical(f, point, dout, what):
    """Gradient of sum(f(point) * dout) with respect to point, by central differences."""
    return Numerical(f, point, dout, what, step=LINEAR_STEP, linear=True)


def test_affine_gradients_match_numerical_gradient(student, ref):
    rng = draw.rng("numerical")
    n, d, m = int(rng.integers(2, 5)), int(rng.integers(3, 5)), int(rng.integers(5, 7))  # D != M
    W, b, x, dout = _case(rng, n, d, m)
    _, dx, dW, db = _run(student, W, b, x, dout)
    _, rdx, rdW, rdb = _run(ref, W, b, x, dout)
    num_dx = _numerical(lambda v: student.Affine(W, b).forward(v), x, dout, "Affine.forward(x)")
    num_dW = _numerical(lambda V: student.Affine(V, b).forward(x), W, dout, "Affine.forward(x)")
    num_db = _numerical(lambda v: student.Affine(W, v).forward(x), b, dout, "Affine.forward(x)")
    check_gradients({"dx": (dx, num_dx), "dW": (dW, num_dW), "db": (db, num_db)}, "Affine.backward",
                     hint=_hints(W, b, x, dout, dx, dW, db, "hidden.affine.gradients"),
                     reference={"dx": rdx, "dW": rdW, "db": rdb})
