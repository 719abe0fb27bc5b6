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
STRETCH): the layer is linear, so central differences are exact up to rounding.

Shapes are chosen so that a missing transpose either raises or gives wrong
values: D != M in most configurations, and one square one (D == M) where
np.dot(dout, W) has the right shape and only the values are wrong.
"""

import numpy as np

from autograder.checks import assert_close, assert_gradient, assert_shape, fail, numerical_gradient

# (N, D, M, seed): a batch of one, odd sizes with D != M, a square W, a narrow output
CONFIGS = [(1, 4, 3, 1), (5, 3, 7, 2), (4, 6, 6, 3), (7, 5, 2, 4)]

FORWARD_HINT = "out = np.dot(x, W) + b: x is (N, D), W is (D, M), b (M,) is added to every row."
DX_HINT = "dx = np.dot(dout, W.T), of shape (N, D)."
DW_HINT = "dW = np.dot(x.T, dout), of shape (D, M), with the x kept by the latest forward."
DB_HINT = "db = np.sum(dout, axis=0): sum over the batch axis only, shape (M,)."


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
        fail(f"{what} is still None after backward. Hint: {hint}")
    return value


def _run(layers, W, b, x, dout):
    """A new layers.Affine(W, b): forward(x), then backward(dout) -> (out, dx, dW, db)."""
    layer = layers.Affine(W, b)
    out = layer.forward(x)
    dx = layer.backward(dout)
    dW = _set(layer.dW, "Affine.dW", "backward sets self.dW = np.dot(self.x.T, dout).")
    db = _set(layer.db, "Affine.db", "backward sets self.db = np.sum(dout, axis=0).")
    return out, dx, dW, db


# Central differences with a step STRETCH times numerical_gradient's default.
# The layer is linear, so a long step costs no accuracy, and it keeps correct
# code measurable that rounds x (or W) to float32 inside forward while still
# returning float64: with the default step of 1e-5 that rounding alone is a
# 0.5 % error, with a step of 0.1 it is below 1e-6.
STRETCH = 1e4


def _numerical(f, point, dout, what):
    """Gradient of sum(f(point) * dout) with respect to point, by central differences."""
    num = numerical_gradient(lambda u: f(u * STRETCH), point / STRETCH, dout, what)
    grad = num / STRETCH
    grad.precision = num.precision
    return grad


def _about(config):
    n, d, m, _ = config
    return f"for x of shape ({n}, {d}) and W of shape ({d}, {m})"


def test_affine_forward_matches_reference(student, ref):
    for config in CONFIGS:
        W, b, x, _ = _case(config)
        assert_close(student.Affine(W, b).forward(x), ref.Affine(W, b).forward(x),
                     f"Affine.forward(x) {_about(config)}", hint=FORWARD_HINT)


def test_affine_forward_adds_the_bias_to_every_row(student, ref):
    n, d, m, seed = CONFIGS[1]
    _, b = _params(seed + 10, d, m)
    x, _ = _data(seed + 10, n, d, m)
    out = student.Affine(np.zeros((d, m)), b).forward(x)
    assert_close(out, np.tile(b, (n, 1)), "Affine.forward(x) with W = 0",
                 hint="add the bias b to each row of np.dot(x, W); it broadcasts over the batch.")


def test_affine_backward_dx_matches_reference(student, ref):
    for config in CONFIGS:
        W, b, x, dout = _case(config)
        _, dx, _, _ = _run(student, W, b, x, dout)
        _, rdx, _, _ = _run(ref, W, b, x, dout)
        assert_close(dx, rdx, f"Affine.backward(dout): dx {_about(config)}", hint=DX_HINT)


def test_affine_backward_dW_matches_reference(student, ref):
    for config in CONFIGS:
        W, b, x, dout = _case(config)
        _, _, dW, _ = _run(student, W, b, x, dout)
        _, _, rdW, _ = _run(ref, W, b, x, dout)
        assert_close(dW, rdW, f"Affine.dW {_about(config)}", hint=DW_HINT)


def test_affine_db_sums_over_batch(student, ref):
    for config in CONFIGS:
        W, b, x, dout = _case(config)
        _, _, _, db = _run(student, W, b, x, dout)
        assert_close(db, dout.sum(axis=0), f"Affine.db {_about(config)}", hint=DB_HINT)


def test_affine_gradients_have_the_shapes_of_x_W_and_b(student, ref):
    for config in CONFIGS:
        n, d, m, _ = config
        W, b, x, dout = _case(config)
        out, dx, dW, db = _run(student, W, b, x, dout)
        assert_shape(out, (n, m), f"Affine.forward(x) {_about(config)}", hint=FORWARD_HINT)
        assert_shape(dx, (n, d), f"Affine.backward(dout): dx {_about(config)}", hint="dx has the shape of x. " + DX_HINT)
        assert_shape(dW, (d, m), f"Affine.dW {_about(config)}", hint="dW has the shape of W. " + DW_HINT)
        assert_shape(db, (m,), f"Affine.db {_about(config)}", hint="db has the shape of b. " + DB_HINT)


def test_affine_works_with_a_batch_of_one(student, ref):
    W, b, x, dout = _case((1, 5, 3, 20))
    got = _run(student, W, b, x, dout)
    want = _run(ref, W, b, x, dout)
    hint = "with N = 1, x is still a matrix of shape (1, D); keep the batch axis and db of shape (M,)."
    for name, actual, expected in zip(("forward(x)", "backward(dout): dx", "dW", "db"), got, want):
        assert_close(actual, expected, f"Affine.{name} for a batch of one", hint=hint)


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
    assert_close(dW, rdW, "Affine.dW after two forward calls",
                 hint="every forward must replace self.x: backward uses the input of the latest forward.")


def test_affine_backward_twice_gives_the_same_gradients(student, ref):
    W, b, x, dout = _case(CONFIGS[1])
    layer = student.Affine(W, b)
    layer.forward(x)
    layer.backward(dout)
    dx = layer.backward(dout)
    _, rdx, rdW, rdb = _run(ref, W, b, x, dout)
    hint = "backward sets self.dW and self.db to this call's gradients; it does not add to earlier ones."
    assert_close(dx, rdx, "Affine.backward(dout) called twice: dx", hint=hint)
    assert_close(_set(layer.dW, "Affine.dW", DW_HINT), rdW, "Affine.dW after backward was called twice", hint=hint)
    assert_close(_set(layer.db, "Affine.db", DB_HINT), rdb, "Affine.db after backward was called twice", hint=hint)


def test_affine_works_in_float32(student, ref):
    config = CONFIGS[1]
    W, b, x, dout = _case(config, dtype=np.float32)
    got = _run(student, W, b, x, dout)
    # Expected values in float64 from the same float32 numbers: the student's
    # result is judged at the tolerance of the dtype it returns.
    want = _run(ref, *(a.astype(np.float64) for a in (W, b, x, dout)))
    hint = "the layer should work for float32 parameters and inputs as well as float64."
    for name, actual, expected in zip(("forward(x)", "backward(dout): dx", "dW", "db"), got, want):
        assert_close(actual, expected, f"Affine.{name} with float32 W, b, x and dout", hint=hint)


def test_affine_gradients_match_numerical_gradient(student, ref):
    n, d, m, seed = 3, 4, 5, 40
    W, b, x, dout = _case((n, d, m, seed))
    _, dx, dW, db = _run(student, W, b, x, dout)
    num_dx = _numerical(lambda v: student.Affine(W, b).forward(v), x, dout, "Affine.forward(x)")
    assert_gradient(dx, num_dx, "Affine.backward: dx", hint=DX_HINT)
    num_dW = _numerical(lambda V: student.Affine(V, b).forward(x), W, dout, "Affine.forward(x)")
    assert_gradient(dW, num_dW, "Affine.dW", hint=DW_HINT)
    num_db = _numerical(lambda v: student.Affine(W, v).forward(x), b, dout, "Affine.forward(x)")
    assert_gradient(db, num_db, "Affine.db", hint=DB_HINT)
