"""Hidden tests for 03_affine: the Affine layer.

Tolerances: the defaults of assert_close, chosen from the dtype the student
returns (float64: rtol 1e-5, atol 1e-8; float32: rtol 1e-3, atol 1e-5). The
layer is one matrix product per output: a correct float64 layer agrees with the
reference to about 1e-15 whatever the order of its sums (np.dot, @, np.matmul),
and a float32 one to about 1e-6 relative on these sizes. A layer that rounds x
or W to float32 inside forward but returns float64 is judged at the float64
tolerance; on these fixed inputs it uses at most 17 % of it (measured). The
float32 variants in tests/mutants/03_affine.toml keep full marks; every bug in
the mutants file is off by 20 % or more somewhere, has the wrong shape, or
raises. Gradient checks use assert_gradient's tolerances, with a long step (see
LINEAR_STEP): the layer is linear, so central differences are exact up to rounding.

Shapes are chosen so that a missing transpose either raises or gives wrong
values: D != M in most configurations, and one square one (D == M) where
np.dot(dout, W) has the right shape and only the values are wrong.
"""

import numpy as np

from autograder import hints
from autograder.patterns import affine as bugs
from autograder.checks import assert_close, assert_gradients, assert_shape, fail, numerical_gradient
from autograder.messages import text

# (N, D, M, seed): a batch of one, odd sizes with D != M, a square W, a narrow output
CONFIGS = [(1, 4, 3, 1), (5, 3, 7, 2), (4, 6, 6, 3), (7, 5, 2, 4)]

FORWARD_HINT = "hidden.affine.forward"
DX_HINT = "hidden.affine.dx"
DW_HINT = "hidden.affine.dW"
DB_HINT = "hidden.affine.db"


def _params(seed, d, m, dtype=np.float64):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(d, m)).astype(dtype)
    b = rng.normal(size=m).astype(dtype)
    return W, b


def _data(seed, n, d, m, dtype=np.float64):
    rng = np.random.default_rng(1000 + seed)
    x = rng.normal(size=(n, d)).astype(dtype)
    dout = rng.normal(size=(n, m)).astype(dtype)
    return x, dout


def _case(config, dtype=np.float64):
    n, d, m, seed = config
    return (*_params(seed, d, m, dtype), *_data(seed, n, d, m, dtype))


def _set(value, what, hint):
    if value is None:
        fail("hidden.affine.still_none", what=what, hint=hint)
    return value


def _run(layers, W, b, x, dout):
    """A new layers.Affine(W, b): forward(x), then backward(dout) -> (out, dx, dW, db)."""
    layer = layers.Affine(W, b)
    out = layer.forward(x)
    dx = layer.backward(dout)
    dW = _set(layer.dW, "Affine.dW", "hidden.affine.set_dW")
    db = _set(layer.db, "Affine.db", "hidden.affine.set_db")
    return out, dx, dW, db


# Central differences with a long step. The layer is linear, so a long step
# costs no accuracy, and it keeps correct code measurable that rounds x (or W)
# to float32 inside forward while still returning float64: with the default
# step of 1e-5 that rounding alone is a 0.5 % error, with a step of 0.1 it is
# below 1e-6 (float32 output is judged at its own tolerance either way).
LINEAR_STEP = 0.1


def _numerical(f, point, dout, what):
    """Gradient of sum(f(point) * dout) with respect to point, by central differences."""
    return numerical_gradient(f, point, dout, what, step=LINEAR_STEP)


def _about(config):
    n, d, m, _ = config
    return text("hidden.affine.about", x=(n, d), W=(d, m))


def _hints(W, b, x, dout, dx, dW, db, advice):
    """The bug hints that match the student's gradients, then the advice."""
    n = np.shape(x)[0]
    return [bugs.dx(dx, dout, W), bugs.dW(dW, x, dout), bugs.db_shape(db, b),
            hints.divided_by_batch(dx, dout @ W.T, n, "dx"), hints.divided_by_batch(dW, x.T @ dout, n, "dW"),
            hints.divided_by_batch(db, dout.sum(axis=0), n, "db"), advice]


def test_affine_forward_matches_reference(student, ref):
    for config in CONFIGS:
        W, b, x, _ = _case(config)
        out, right = student.Affine(W, b).forward(x), ref.Affine(W, b).forward(x)
        assert_close(out, right, f"Affine.forward(x) {_about(config)}",
                     hint=[hints.no_bias(out, x @ W, right), FORWARD_HINT])


def test_affine_forward_adds_the_bias_to_every_row(student, ref):
    n, d, m, seed = CONFIGS[1]
    _, b = _params(seed + 10, d, m)
    x, _ = _data(seed + 10, n, d, m)
    out = student.Affine(np.zeros((d, m)), b).forward(x)
    assert_close(out, np.tile(b, (n, 1)), f"Affine.forward(x) {text('hidden.affine.W_zero')}",
                 hint=[hints.no_bias(out, np.zeros((n, m)), np.tile(b, (n, 1))), "hidden.affine.bias_rows"])


def test_affine_backward_dx_matches_reference(student, ref):
    # The square W first: there dout @ W has the right shape, so a missing transpose gets its hint
    # instead of a shape error from numpy.
    for config in sorted(CONFIGS, key=lambda c: c[1] != c[2]):
        W, b, x, dout = _case(config)
        _, dx, _, _ = _run(student, W, b, x, dout)
        _, rdx, _, _ = _run(ref, W, b, x, dout)
        assert_close(dx, rdx, f"Affine.backward(dout): dx {_about(config)}",
                     hint=[bugs.dx(dx, dout, W), hints.divided_by_batch(dx, rdx, len(x), "dx"), DX_HINT])


def test_affine_backward_dW_matches_reference(student, ref):
    for config in CONFIGS:
        W, b, x, dout = _case(config)
        _, _, dW, _ = _run(student, W, b, x, dout)
        _, _, rdW, _ = _run(ref, W, b, x, dout)
        assert_close(dW, rdW, f"Affine.dW {_about(config)}",
                     hint=[bugs.dW(dW, x, dout), hints.divided_by_batch(dW, rdW, len(x), "dW"), DW_HINT])


def test_affine_db_sums_over_batch(student, ref):
    for config in CONFIGS:
        W, b, x, dout = _case(config)
        _, _, _, db = _run(student, W, b, x, dout)
        assert_close(db, dout.sum(axis=0), f"Affine.db {_about(config)}",
                     hint=[bugs.db_shape(db, b), hints.divided_by_batch(db, dout.sum(axis=0), len(x), "db"),
                           DB_HINT])


def test_affine_gradients_have_the_shapes_of_x_W_and_b(student, ref):
    for config in CONFIGS:
        n, d, m, _ = config
        W, b, x, dout = _case(config)
        out, dx, dW, db = _run(student, W, b, x, dout)
        assert_shape(out, (n, m), f"Affine.forward(x) {_about(config)}", hint=FORWARD_HINT)
        assert_shape(dx, (n, d), f"Affine.backward(dout): dx {_about(config)}",
                     hint=[bugs.dx(dx, dout, W), "hidden.affine.dx_shape", DX_HINT])
        assert_shape(dW, (d, m), f"Affine.dW {_about(config)}",
                     hint=[bugs.dW(dW, x, dout), "hidden.affine.dW_shape", DW_HINT])
        assert_shape(db, (m,), f"Affine.db {_about(config)}",
                     hint=[bugs.db_shape(db, b), "hidden.affine.db_shape", DB_HINT])


def test_affine_works_with_a_batch_of_one(student, ref):
    W, b, x, dout = _case((1, 5, 3, 20))
    got = _run(student, W, b, x, dout)
    want = _run(ref, W, b, x, dout)
    hint = _hints(W, b, x, dout, *got[1:], "hidden.affine.batch_of_one")
    for name, actual, expected in zip(("forward(x)", "backward(dout): dx", "dW", "db"), got, want):
        assert_close(actual, expected, f"Affine.{name} {text('hidden.affine.one_row')}", hint=hint)


def test_affine_backward_uses_the_latest_forward_input(student, ref):
    n, d, m, seed = CONFIGS[3]
    W, b, first, dout = _case(CONFIGS[3])
    latest, _ = _data(seed + 30, n, d, m)
    layer = student.Affine(W, b)
    layer.forward(first)
    layer.forward(latest)
    layer.backward(dout)
    dW = _set(layer.dW, "Affine.dW", DW_HINT)
    _, _, rdW, _ = _run(ref, W, b, latest, dout)
    _, _, stale, _ = _run(ref, W, b, first, dout)
    assert_close(dW, rdW, f"Affine.dW {text('hidden.affine.two_forwards')}",
                 hint=[hints.stale_input(dW, stale, rdW), "hidden.affine.latest_x"])


def test_affine_backward_twice_gives_the_same_gradients(student, ref):
    W, b, x, dout = _case(CONFIGS[1])
    layer = student.Affine(W, b)
    layer.forward(x)
    layer.backward(dout)
    dx = layer.backward(dout)
    _, rdx, rdW, rdb = _run(ref, W, b, x, dout)
    dW, db = _set(layer.dW, "Affine.dW", DW_HINT), _set(layer.db, "Affine.db", DB_HINT)
    hint = [hints.accumulates(dW, rdW, "dW"), hints.accumulates(db, rdb, "db"), bugs.db_shape(db, b),
            "hidden.affine.set_not_add"]
    twice = text("hidden.affine.backward_twice")
    assert_close(dx, rdx, f"Affine.backward(dout): dx {twice}", hint=hint)
    assert_close(dW, rdW, f"Affine.dW {twice}", hint=hint)
    assert_close(db, rdb, f"Affine.db {twice}", hint=hint)


def test_affine_works_in_float32(student, ref):
    config = CONFIGS[1]
    W, b, x, dout = _case(config, dtype=np.float32)
    got = _run(student, W, b, x, dout)
    # Expected values in float64 from the same float32 numbers: the student's
    # result is judged at the tolerance of the dtype it returns.
    want = _run(ref, *(a.astype(np.float64) for a in (W, b, x, dout)))
    hint = _hints(W, b, x, dout, *got[1:], "hidden.affine.float32")
    for name, actual, expected in zip(("forward(x)", "backward(dout): dx", "dW", "db"), got, want):
        assert_close(actual, expected, f"Affine.{name} {text('hidden.affine.in_float32')}", hint=hint)


def test_affine_gradients_match_numerical_gradient(student, ref):
    n, d, m, seed = 3, 4, 5, 40
    W, b, x, dout = _case((n, d, m, seed))
    _, dx, dW, db = _run(student, W, b, x, dout)
    num_dx = _numerical(lambda v: student.Affine(W, b).forward(v), x, dout, "Affine.forward(x)")
    num_dW = _numerical(lambda V: student.Affine(V, b).forward(x), W, dout, "Affine.forward(x)")
    num_db = _numerical(lambda v: student.Affine(W, v).forward(x), b, dout, "Affine.forward(x)")
    assert_gradients({"dx": (dx, num_dx), "dW": (dW, num_dW), "db": (db, num_db)}, "Affine.backward",
                     hint=_hints(W, b, x, dout, dx, dW, db, "hidden.affine.gradients"))
