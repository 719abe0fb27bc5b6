"""Hidden tests for 06_time_rnn: Embedding, TimeEmbedding, TimeRNN, TimeAffine.

RNN is in the student's file but not graded here (05_rnn_cell grades it):
while TimeRNN is tested, the reference RNN takes its place (manifest
uses_reference), and the reference Embedding while TimeEmbedding is tested.

Inputs: word ids repeat inside a batch and across time steps (so a gradient
written with `dW[idx] = dout` or `dW[idx] += dout` loses the repeats); D, H and
M differ from each other and from N and T; every unit is run with a batch of
one and a single time step, and with odd sizes.

Tolerances: assert_close's defaults, chosen from the dtype the student returns
(float64: rtol 1e-5, atol 1e-8; float32: rtol 1e-3, atol 1e-5). The textbook's
TimeRNN and TimeEmbedding fill float32 arrays (`np.empty(..., dtype='f')`)
while their gradients land in float64 arrays; a layer that casts its inputs to
float32 is only float32-accurate even where it returns float64. `_precision`
therefore judges a layer by its forward output: float32 when that output is
float32, or when it is more than 1e-9 away from the reference's (a float64
layer is within 1e-15); every value of that layer is then compared at float32
tolerance. Measured on the variants in tests/mutants/06_time_rnn.toml: the
three float32 variants use at most 0.4 % of the float32 tolerance, but the
float32 TimeAffine uses 114 % of the float64 one (hence `_precision`); the
float64 variants match the reference to rounding. Every mutant is off by more
than 1e-2 somewhere, or fails a shape, None or identity check.
Gradient checks use assert_gradient's defaults: central differences through
the student's own forward, float64 (step 1e-5) or float32 (step 1e-2); the
float32 variants use at most 2.5 % of that tolerance.
"""

import numpy as np

from autograder.checks import as_array, at_precision, judged_precision, assert_close, assert_gradient, assert_shape, fail, numerical_gradient, precision

IN_PLACE_HINT = ("write self.grads[0][...] = dW (and so on), not self.grads[0] = dW: "
                 "an optimizer keeps references to these arrays.")
REPLACE_HINT = "each backward overwrites grads (self.grads[i][...] = ...); it does not add to what they held."


# -- shared helpers ----------------------------------------------------------------

def _grads(layer, names, what):
    grads = layer.grads
    if not isinstance(grads, (list, tuple)) or len(grads) != len(names):
        fail(f"{what}.grads should be a list of {len(names)} arrays [{', '.join(names)}]. "
             "Hint: keep the constructor as given.")
    return list(grads)


def _same_grads(student, layer, run, what):
    before = student.identities(layer, "grads")
    run()
    if student.identities(layer, "grads") != before:
        fail(f"{what}.backward replaced the arrays in self.grads instead of writing into them. Hint: {IN_PLACE_HINT}")


def _rng(seed):
    return np.random.default_rng(seed)


# -- Embedding -----------------------------------------------------------------------

# (V, D, ids, seed): ids repeat in the first and last case; a batch of one in the second.
EMBED_CASES = [(7, 3, [2, 0, 2, 5, 2, 0], 10), (4, 5, [3], 11), (9, 2, [1, 8, 8, 4, 1], 12)]
EMBED_HINT = "out = W[idx]: row idx[n] of W for each n, of shape (N, D)."
EMBED_BACK_HINT = ("dW is zero except in the rows named by idx; use np.add.at(dW, idx, dout) so that "
                   "a repeated id adds up all its rows of dout (dW[idx] = dout and dW[idx] += dout keep only one).")


def _embed_inputs(v, d, ids, seed):
    rng = _rng(seed)
    return rng.normal(size=(v, d)), np.array(ids), rng.normal(size=(len(ids), d))


def _embed_run(module, W, idx, dout):
    layer = module.Embedding(W)
    out = layer.forward(idx)
    layer.backward(dout)
    return layer, out, _grads(layer, ["dW"], "Embedding")[0]


def test_embedding_forward_picks_the_rows_of_w(student, ref):
    for v, d, ids, seed in EMBED_CASES:
        W, idx, _ = _embed_inputs(v, d, ids, seed)
        assert_close(student.Embedding(W).forward(idx), ref.Embedding(W).forward(idx),
                     f"Embedding.forward(idx) for W of shape {(v, d)} and {len(ids)} ids", hint=EMBED_HINT)


def test_embedding_output_and_gradient_have_the_right_shapes(student, ref):
    W, idx, dout = _embed_inputs(6, 4, [0, 5, 3], 20)
    _, out, dW = _embed_run(student, W, idx, dout)
    assert_shape(out, (3, 4), "Embedding.forward(idx)", hint=EMBED_HINT)
    assert_shape(dW, (6, 4), "Embedding.grads[0] (dW)", hint="dW has the shape of W, (V, D).")


def test_embedding_backward_matches_reference(student, ref):
    W, _, _ = _embed_inputs(8, 3, [0], 30)
    idx = _rng(31).permutation(8)[:5]  # distinct ids
    dout = _rng(32).normal(size=(5, 3))
    _, _, dW = _embed_run(student, W, idx, dout)
    _, _, rdW = _embed_run(ref, W, idx, dout)
    assert_close(dW, rdW, "Embedding.grads[0] (dW) for distinct ids", hint=EMBED_BACK_HINT)


def test_embedding_repeated_ids_add_up(student, ref):
    for v, d, ids, seed in [EMBED_CASES[0], EMBED_CASES[2]]:
        W, idx, dout = _embed_inputs(v, d, ids, seed)
        _, _, dW = _embed_run(student, W, idx, dout)
        _, _, rdW = _embed_run(ref, W, idx, dout)
        assert_close(dW, rdW, "Embedding.grads[0] (dW) when an id appears more than once", hint=EMBED_BACK_HINT)


def test_embedding_backward_zeroes_dw_before_adding(student, ref):
    W, idx, dout = _embed_inputs(7, 3, [2, 0, 2, 5], 40)
    later_idx, later_dout = np.array([1, 6, 1]), _rng(41).normal(size=(3, 3))
    layer = student.Embedding(W)
    layer.forward(idx)
    layer.backward(dout)
    layer.forward(later_idx)
    layer.backward(later_dout)
    _, _, rdW = _embed_run(ref, W, later_idx, later_dout)
    assert_close(_grads(layer, ["dW"], "Embedding")[0], rdW, "Embedding.grads[0] (dW) after a second backward",
                 hint="set dW[...] = 0 before np.add.at: dW holds the gradient of the latest backward only.")


def test_embedding_grads_are_written_in_place(student, ref):
    W, idx, dout = _embed_inputs(5, 2, [4, 1, 1], 50)
    layer = student.Embedding(W)
    _same_grads(student, layer, lambda: (layer.forward(idx), layer.backward(dout)), "Embedding")


def test_embedding_gradient_matches_numerical_gradient(student, ref):
    W, idx, dout = _embed_inputs(6, 3, [5, 0, 5, 2, 5], 60)
    _, _, dW = _embed_run(student, W, idx, dout)
    num = numerical_gradient(lambda v: student.Embedding(v).forward(idx), W, dout, "Embedding.forward(idx)")
    assert_gradient(dW, num, "Embedding.grads[0] (dW)", hint=EMBED_BACK_HINT)


# -- TimeEmbedding ----------------------------------------------------------------------

# (V, D, N, T, seed): a batch of one with a single step, odd sizes, more steps than ids.
TIME_EMBED_CASES = [(6, 3, 2, 4, 100), (5, 4, 1, 1, 101), (4, 2, 3, 5, 102)]
TIME_EMBED_HINT = "out[:, t, :] = W[xs[:, t]] for every t: one Embedding per time step."
TIME_EMBED_BACK_HINT = ("dW is the sum over the T steps of each step's Embedding gradient "
                        "(not the last step's only).")


def _time_embed_inputs(v, d, n, t, seed):
    rng = _rng(seed)
    return rng.normal(size=(v, d)), rng.integers(0, v, size=(n, t)), rng.normal(size=(n, t, d))


def _time_embed_run(module, W, xs, dout):
    layer = module.TimeEmbedding(W)
    out = layer.forward(xs)
    layer.backward(dout)
    return layer, out, _grads(layer, ["dW"], "TimeEmbedding")[0]


def _time_embed_where(v, d, n, t):
    return f"for N={n}, T={t}, V={v}, D={d}"


def test_time_embedding_forward_matches_reference(student, ref):
    for v, d, n, t, seed in TIME_EMBED_CASES:
        W, xs, _ = _time_embed_inputs(v, d, n, t, seed)
        assert_close(student.TimeEmbedding(W).forward(xs), ref.TimeEmbedding(W).forward(xs),
                     f"TimeEmbedding.forward(xs) {_time_embed_where(v, d, n, t)}", hint=TIME_EMBED_HINT)


def test_time_embedding_output_and_gradient_have_the_right_shapes(student, ref):
    W, xs, dout = _time_embed_inputs(7, 2, 3, 4, 110)
    _, out, dW = _time_embed_run(student, W, xs, dout)
    assert_shape(out, (3, 4, 2), "TimeEmbedding.forward(xs)", hint="xs is (N, T); the output is (N, T, D).")
    assert_shape(dW, (7, 2), "TimeEmbedding.grads[0] (dW)", hint="dW has the shape of W, (V, D).")


def test_time_embedding_grad_sums_over_time_steps(student, ref):
    for v, d, n, t, seed in TIME_EMBED_CASES:
        W, xs, dout = _time_embed_inputs(v, d, n, t, seed)
        _, _, dW = _time_embed_run(student, W, xs, dout)
        _, _, rdW = _time_embed_run(ref, W, xs, dout)
        assert_close(dW, rdW, f"TimeEmbedding.grads[0] (dW) {_time_embed_where(v, d, n, t)}",
                     hint=TIME_EMBED_BACK_HINT)


def test_time_embedding_backward_replaces_grads_instead_of_accumulating(student, ref):
    W, xs, dout = _time_embed_inputs(6, 3, 2, 3, 120)
    layer = student.TimeEmbedding(W)
    layer.forward(xs)
    layer.backward(_rng(121).normal(size=dout.shape))
    layer.backward(dout)
    _, _, rdW = _time_embed_run(ref, W, xs, dout)
    assert_close(_grads(layer, ["dW"], "TimeEmbedding")[0], rdW, "TimeEmbedding.grads[0] (dW) after a second backward",
                 hint=REPLACE_HINT)


def test_time_embedding_grads_are_written_in_place(student, ref):
    W, xs, dout = _time_embed_inputs(5, 2, 2, 3, 130)
    layer = student.TimeEmbedding(W)
    _same_grads(student, layer, lambda: (layer.forward(xs), layer.backward(dout)), "TimeEmbedding")


def test_time_embedding_gradient_matches_numerical_gradient(student, ref):
    W, xs, dout = _time_embed_inputs(5, 3, 2, 4, 140)
    _, _, dW = _time_embed_run(student, W, xs, dout)
    num = numerical_gradient(lambda v: student.TimeEmbedding(v).forward(xs), W, dout, "TimeEmbedding.forward(xs)")
    assert_gradient(dW, num, "TimeEmbedding.grads[0] (dW)", hint=TIME_EMBED_BACK_HINT)


# -- TimeRNN -----------------------------------------------------------------------------

# (N, T, D, H, seed): a batch of one with a single step, D > H, D < H, odd sizes.
RNN_CASES = [(1, 1, 3, 4, 200), (3, 5, 4, 2, 201), (2, 4, 5, 3, 202)]
RNN_NAMES = ("dWx", "dWh", "db")
RNN_FORWARD_HINT = ("h_0 = zeros((N, H)) (or the kept state when stateful); for t = 0..T-1, "
                    "h = RNN step of (xs[:, t, :], h); hs[:, t, :] = h.")
BPTT_HINT = ("Go from t = T-1 down to 0; the cell at step t receives dhs[:, t, :] + dh, where dh is the "
             "dh_prev of step t + 1 (0 at the last step).")
SUM_HINT = "dWx, dWh and db are the sums over the T steps of each step's gradients."
DH_HINT = "after the loop over the steps, dh is dL/dh_0 (the dh_prev of the first step): store it in self.dh."


def _rnn_inputs(n, t, d, h, seed):
    """(Wx, Wh, b), xs, dhs."""
    rng = _rng(seed)
    params = (rng.normal(scale=0.4, size=(d, h)), rng.normal(scale=0.4, size=(h, h)), rng.normal(scale=0.3, size=h))
    return params, rng.normal(size=(n, t, d)), rng.normal(size=(n, t, h))


def _rnn_state(n, h, seed):
    rng = _rng(seed)
    return rng.uniform(0.2, 0.9, size=(n, h)) * rng.choice([-1.0, 1.0], size=(n, h))


def _rnn_run(module, params, xs, dhs, h0=None, stateful=False):
    """A new module.TimeRNN: (set_state(h0)), forward, backward -> (layer, hs, dxs, grads)."""
    layer = module.TimeRNN(*params, stateful=stateful)
    if h0 is not None:
        layer.set_state(h0)
    hs = layer.forward(xs)
    dxs = layer.backward(dhs)
    return layer, hs, dxs, _grads(layer, RNN_NAMES, "TimeRNN")


def _rnn_both(student, ref, params, xs, dhs, h0=None, stateful=False):
    got = _rnn_run(student, params, xs, dhs, h0, stateful)
    want = _rnn_run(ref, params, xs, dhs, h0, stateful)
    return got, want, judged_precision(got[1], want[1], "TimeRNN.forward(xs)")


def _rnn_where(n, t, d, h):
    return f"for N={n}, T={t}, D={d}, H={h}"


def test_time_rnn_forward_matches_reference(student, ref):
    for n, t, d, h, seed in RNN_CASES:
        params, xs, _ = _rnn_inputs(n, t, d, h, seed)
        hs = student.TimeRNN(*params).forward(xs)
        expected = ref.TimeRNN(*params).forward(xs)
        assert_close(at_precision(hs, judged_precision(hs, expected, "TimeRNN.forward(xs)")), expected,
                     f"TimeRNN.forward(xs) {_rnn_where(n, t, d, h)}", hint=RNN_FORWARD_HINT)


def test_time_rnn_outputs_and_gradients_have_the_right_shapes(student, ref):
    n, t, d, h = 3, 2, 5, 4
    params, xs, dhs = _rnn_inputs(n, t, d, h, 210)
    layer, hs, dxs, grads = _rnn_run(student, params, xs, dhs)
    hint = "hs is (N, T, H), dxs is (N, T, D), dh is (N, H); each gradient has its parameter's shape."
    assert_shape(hs, (n, t, h), "TimeRNN.forward(xs)", hint=hint)
    assert_shape(dxs, (n, t, d), "TimeRNN.backward(dhs)", hint=hint)
    if layer.dh is None:
        fail(f"TimeRNN.dh is still None after backward. Hint: {DH_HINT}")
    assert_shape(layer.dh, (n, h), "TimeRNN.dh", hint=hint)
    for name, grad, param in zip(RNN_NAMES, grads, params):
        assert_shape(grad, param.shape, f"TimeRNN.grads entry {name}", hint=hint)


def test_time_rnn_backward_dxs_matches_reference(student, ref):
    for n, t, d, h, seed in RNN_CASES:
        params, xs, dhs = _rnn_inputs(n, t, d, h, seed)
        (_, _, dxs, _), (_, _, rdxs, _), kind = _rnn_both(student, ref, params, xs, dhs)
        assert_close(at_precision(dxs, kind), rdxs, f"TimeRNN.backward(dhs) {_rnn_where(n, t, d, h)}", hint=BPTT_HINT)


def test_time_rnn_gradient_flows_back_from_later_steps(student, ref):
    n, t, d, h = 2, 4, 3, 5
    params, xs, dhs = _rnn_inputs(n, t, d, h, 220)
    dhs[:, :-1, :] = 0.0  # only the last hidden state feeds the loss
    (_, _, dxs, _), (_, _, rdxs, _), kind = _rnn_both(student, ref, params, xs, dhs)
    dxs = assert_shape(dxs, (n, t, d), "TimeRNN.backward(dhs)")
    if not np.any(dxs[:, 0, :]):
        fail("TimeRNN.backward(dhs): with dhs zero except at the last step, dxs is zero at the first step. "
             f"Hint: the gradient must flow back through the hidden state. {BPTT_HINT}")
    assert_close(at_precision(dxs, kind), rdxs, "TimeRNN.backward(dhs) when only the last step has a gradient",
                 hint=BPTT_HINT)


def test_time_rnn_grads_sum_over_time_steps(student, ref):
    for n, t, d, h, seed in RNN_CASES:
        params, xs, dhs = _rnn_inputs(n, t, d, h, seed)
        (*_, grads), (*_, rgrads), kind = _rnn_both(student, ref, params, xs, dhs)
        for i, name in enumerate(RNN_NAMES):
            assert_close(at_precision(grads[i], kind), rgrads[i], f"TimeRNN.grads[{i}] ({name}) {_rnn_where(n, t, d, h)}",
                         hint=f"{SUM_HINT} {BPTT_HINT}")


def test_time_rnn_grads_are_written_in_place(student, ref):
    params, xs, dhs = _rnn_inputs(2, 3, 3, 4, 230)
    layer = student.TimeRNN(*params)
    _same_grads(student, layer, lambda: (layer.forward(xs), layer.backward(dhs)), "TimeRNN")


def test_time_rnn_backward_replaces_grads_instead_of_accumulating(student, ref):
    params, xs, dhs = _rnn_inputs(2, 3, 4, 3, 240)
    layer = student.TimeRNN(*params)
    hs = layer.forward(xs)
    layer.backward(_rng(241).normal(size=dhs.shape))
    layer.backward(dhs)
    _, rhs, _, rgrads = _rnn_run(ref, params, xs, dhs)
    kind = judged_precision(hs, rhs, "TimeRNN.forward(xs)")
    for i, (name, grad) in enumerate(zip(RNN_NAMES, _grads(layer, RNN_NAMES, "TimeRNN"))):
        assert_close(at_precision(grad, kind), rgrads[i], f"TimeRNN.grads[{i}] ({name}) after a second backward",
                     hint=REPLACE_HINT)


def test_time_rnn_dh_is_the_gradient_of_the_initial_state(student, ref):
    for stateful, seed in [(False, 250), (True, 251)]:
        n, t, d, h = 3, 3, 2, 4
        params, xs, dhs = _rnn_inputs(n, t, d, h, seed)
        h0 = _rnn_state(n, h, seed + 5) if stateful else None
        (layer, *_), (expected, *_), kind = _rnn_both(student, ref, params, xs, dhs, h0, stateful)
        dh = layer.dh
        if dh is None:
            fail(f"TimeRNN.dh is still None after backward. Hint: {DH_HINT}")
        what = "after set_state(h) on a stateful layer" if stateful else "starting from zeros"
        assert_close(at_precision(dh, kind), expected.dh, f"TimeRNN.dh {what}", hint=DH_HINT)


def test_time_rnn_h_is_the_last_hidden_state_after_forward(student, ref):
    params, xs, _ = _rnn_inputs(2, 3, 3, 5, 260)
    layer = student.TimeRNN(*params)
    hs = layer.forward(xs)
    expected = ref.TimeRNN(*params)
    rhs = expected.forward(xs)
    hint = "forward keeps the last hidden state in self.h (a stateful layer starts from it next time)."
    if layer.h is None:
        fail(f"TimeRNN.h is None after forward. Hint: {hint}")
    assert_close(at_precision(layer.h, judged_precision(hs, rhs, "TimeRNN.forward(xs)")), expected.h, "TimeRNN.h after forward",
                 hint=hint)


def _two_calls(module, params, first, second, stateful):
    layer = module.TimeRNN(*params, stateful=stateful)
    layer.forward(first)
    return layer.forward(second)


def test_time_rnn_stateful_layer_carries_h_into_the_next_forward(student, ref):
    n, t, d, h = 2, 3, 3, 4
    params, first, _ = _rnn_inputs(n, t, d, h, 270)
    second = _rng(271).normal(size=(n, t, d))
    hs = _two_calls(student, params, first, second, True)
    expected = _two_calls(ref, params, first, second, True)
    assert_close(at_precision(hs, judged_precision(hs, expected, "TimeRNN.forward(xs)")), expected,
                 "TimeRNN.forward(xs) of a stateful layer, on its second call",
                 hint="when stateful, forward starts from the self.h the previous forward ended with "
                      "(zeros only while self.h is None).")


def test_time_rnn_layer_that_is_not_stateful_starts_from_zeros_every_time(student, ref):
    n, t, d, h = 2, 3, 3, 4
    params, first, _ = _rnn_inputs(n, t, d, h, 280)
    second = _rng(281).normal(size=(n, t, d))
    hs = _two_calls(student, params, first, second, False)
    expected = ref.TimeRNN(*params).forward(second)
    assert_close(at_precision(hs, judged_precision(hs, expected, "TimeRNN.forward(xs)")), expected,
                 "TimeRNN.forward(xs) of a layer that is not stateful, on its second call",
                 hint="when stateful is False, every forward starts from h_0 = zeros((N, H)).")


def test_time_rnn_set_state_gives_the_initial_state(student, ref):
    n, t, d, h = 3, 2, 4, 3
    params, xs, _ = _rnn_inputs(n, t, d, h, 290)
    h0 = _rnn_state(n, h, 291)
    layer = student.TimeRNN(*params, stateful=True)
    layer.set_state(h0)
    hs = layer.forward(xs)
    expected = ref.TimeRNN(*params, stateful=True)
    expected.set_state(h0)
    rhs = expected.forward(xs)
    assert_close(at_precision(hs, judged_precision(hs, rhs, "TimeRNN.forward(xs)")), rhs,
                 "TimeRNN.forward(xs) of a stateful layer after set_state(h)",
                 hint="set_state(h) sets self.h; a stateful forward starts from it.")


def test_time_rnn_reset_state_starts_again_from_zeros(student, ref):
    n, t, d, h = 2, 3, 3, 4
    params, first, _ = _rnn_inputs(n, t, d, h, 300)
    second = _rng(301).normal(size=(n, t, d))
    layer = student.TimeRNN(*params, stateful=True)
    layer.forward(first)
    layer.reset_state()
    hs = layer.forward(second)
    expected = ref.TimeRNN(*params).forward(second)
    assert_close(at_precision(hs, judged_precision(hs, expected, "TimeRNN.forward(xs)")), expected,
                 "TimeRNN.forward(xs) of a stateful layer after reset_state()",
                 hint="reset_state() sets self.h = None, so the next forward starts from zeros.")


def test_time_rnn_dxs_and_dh_match_numerical_gradient(student, ref):
    n, t, d, h = 2, 3, 3, 4
    params, xs, dhs = _rnn_inputs(n, t, d, h, 310)
    h0 = _rnn_state(n, h, 311)
    layer, _, dxs, _ = _rnn_run(student, params, xs, dhs, h0, stateful=True)

    def from_state(state):
        fresh = student.TimeRNN(*params, stateful=True)
        fresh.set_state(state)
        return fresh.forward(xs)

    def from_inputs(inputs):
        fresh = student.TimeRNN(*params, stateful=True)
        fresh.set_state(h0)
        return fresh.forward(inputs)

    num = numerical_gradient(from_inputs, xs, dhs, "TimeRNN.forward(xs)")
    assert_gradient(dxs, num, "TimeRNN.backward(dhs)", hint=BPTT_HINT)
    dh = layer.dh
    if dh is None:
        fail(f"TimeRNN.dh is still None after backward. Hint: {DH_HINT}")
    num = numerical_gradient(from_state, h0, dhs, "TimeRNN.forward(xs)")
    assert_gradient(dh, num, "TimeRNN.dh (the gradient of the initial state)", hint=BPTT_HINT)


def test_time_rnn_parameter_gradients_match_numerical_gradient(student, ref):
    n, t, d, h = 2, 3, 3, 4
    (Wx, Wh, b), xs, dhs = _rnn_inputs(n, t, d, h, 320)
    *_, grads = _rnn_run(student, (Wx, Wh, b), xs, dhs)
    builds = [lambda v: student.TimeRNN(v, Wh, b), lambda v: student.TimeRNN(Wx, v, b),
              lambda v: student.TimeRNN(Wx, Wh, v)]
    for i, (name, build, param) in enumerate(zip(RNN_NAMES, builds, (Wx, Wh, b))):
        num = numerical_gradient(lambda v: build(v).forward(xs), param, dhs, "TimeRNN.forward(xs)")
        assert_gradient(grads[i], num, f"TimeRNN.grads[{i}] ({name})", hint=f"{SUM_HINT} {BPTT_HINT}")


# -- TimeAffine ----------------------------------------------------------------------------

# (N, T, D, M, seed): a batch of one with a single step, odd sizes, a single output.
AFFINE_CASES = [(1, 1, 3, 2, 400), (3, 5, 4, 7, 401), (2, 3, 6, 1, 402)]
AFFINE_NAMES = ("dW", "db")
AFFINE_HINT = "reshape x to (N*T, D), compute x @ W + b, reshape the result to (N, T, M)."
AFFINE_BACK_HINT = ("with rx = x reshaped to (N*T, D) and dout to (N*T, M): dx = dout @ W.T (reshaped to "
                    "(N, T, D)), dW = rx.T @ dout, db = sum of dout over its N*T rows.")


def _affine_inputs(n, t, d, m, seed):
    rng = _rng(seed)
    return (rng.normal(size=(d, m)), rng.normal(size=m)), rng.normal(size=(n, t, d)), rng.normal(size=(n, t, m))


def _affine_run(module, params, x, dout):
    layer = module.TimeAffine(*params)
    out = layer.forward(x)
    dx = layer.backward(dout)
    return layer, out, dx, _grads(layer, AFFINE_NAMES, "TimeAffine")


def _affine_both(student, ref, case):
    n, t, d, m, seed = case
    params, x, dout = _affine_inputs(n, t, d, m, seed)
    got = _affine_run(student, params, x, dout)
    want = _affine_run(ref, params, x, dout)
    return got, want, judged_precision(got[1], want[1], "TimeAffine.forward(x)")


def _affine_where(case):
    n, t, d, m, _ = case
    return f"for N={n}, T={t}, D={d}, M={m}"


def test_time_affine_forward_matches_reference(student, ref):
    for case in AFFINE_CASES:
        (_, out, _, _), (_, rout, _, _), kind = _affine_both(student, ref, case)
        assert_close(at_precision(out, kind), rout, f"TimeAffine.forward(x) {_affine_where(case)}", hint=AFFINE_HINT)


def test_time_affine_outputs_and_gradients_have_the_right_shapes(student, ref):
    n, t, d, m = 2, 5, 3, 4
    params, x, dout = _affine_inputs(n, t, d, m, 410)
    _, out, dx, grads = _affine_run(student, params, x, dout)
    hint = "out is (N, T, M), dx is (N, T, D), dW is (D, M), db is (M,)."
    assert_shape(out, (n, t, m), "TimeAffine.forward(x)", hint=hint)
    assert_shape(dx, (n, t, d), "TimeAffine.backward(dout)", hint=hint)
    for name, grad, param in zip(AFFINE_NAMES, grads, params):
        assert_shape(grad, param.shape, f"TimeAffine.grads entry {name}", hint=hint)


def test_time_affine_backward_dx_matches_reference(student, ref):
    for case in AFFINE_CASES:
        (_, _, dx, _), (_, _, rdx, _), kind = _affine_both(student, ref, case)
        assert_close(at_precision(dx, kind), rdx, f"TimeAffine.backward(dout) {_affine_where(case)}", hint=AFFINE_BACK_HINT)


def test_time_affine_dw_matches_reference(student, ref):
    for case in AFFINE_CASES:
        (*_, grads), (*_, rgrads), kind = _affine_both(student, ref, case)
        assert_close(at_precision(grads[0], kind), rgrads[0], f"TimeAffine.grads[0] (dW) {_affine_where(case)}",
                     hint=AFFINE_BACK_HINT)


def test_time_affine_db_sums_over_batch_and_time(student, ref):
    for case in AFFINE_CASES:
        (*_, grads), (*_, rgrads), kind = _affine_both(student, ref, case)
        assert_close(at_precision(grads[1], kind), rgrads[1], f"TimeAffine.grads[1] (db) {_affine_where(case)}",
                     hint="db sums dout over the batch and the time steps: np.sum over the N*T rows (axis=0).")


def test_time_affine_grads_are_written_in_place(student, ref):
    params, x, dout = _affine_inputs(2, 3, 4, 3, 420)
    layer = student.TimeAffine(*params)
    _same_grads(student, layer, lambda: (layer.forward(x), layer.backward(dout)), "TimeAffine")


def test_time_affine_gradients_match_numerical_gradient(student, ref):
    n, t, d, m = 2, 3, 3, 2
    (W, b), x, dout = _affine_inputs(n, t, d, m, 430)
    _, _, dx, grads = _affine_run(student, (W, b), x, dout)
    checks = [
        ("TimeAffine.backward(dout)", dx, lambda v: student.TimeAffine(W, b).forward(v), x),
        ("TimeAffine.grads[0] (dW)", grads[0], lambda v: student.TimeAffine(v, b).forward(x), W),
        ("TimeAffine.grads[1] (db)", grads[1], lambda v: student.TimeAffine(W, v).forward(x), b),
    ]
    for what, analytic, f, point in checks:
        num = numerical_gradient(f, point, dout, "TimeAffine.forward(x)")
        assert_gradient(analytic, num, what, hint=AFFINE_BACK_HINT)
