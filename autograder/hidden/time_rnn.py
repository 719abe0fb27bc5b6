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

from autograder import hints
from autograder.checks import as_array, at_precision, judged_precision, assert_close, assert_gradient, assert_gradients, assert_shape, fail, numerical_gradient, precision
from autograder.messages import text
from autograder.patterns import time_rnn as bugs

REPLACE_HINT = "hidden.time.replace"


def _say(key, **fields):
    return text(f"hidden.time.{key}", **fields)


# -- shared helpers ----------------------------------------------------------------

def _grads(layer, names, what):
    grads = layer.grads
    if not isinstance(grads, (list, tuple)) or len(grads) != len(names):
        fail("hidden.time.grads_list", what=what, count=len(names), names=", ".join(names),
             hint="hidden.time.constructor")
    return list(grads)


def _same_grads(student, layer, run, what):
    before = student.identities(layer, "grads")
    run()
    if student.identities(layer, "grads") != before:
        fail("hidden.time.rebound", what=f"{what}.backward", hint=hints.rebound())


def _rng(seed):
    return np.random.default_rng(seed)


# -- Embedding -----------------------------------------------------------------------

# (V, D, ids, seed): ids repeat in the first and last case; a batch of one in the second.
EMBED_CASES = [(7, 3, [2, 0, 2, 5, 2, 0], 10), (4, 5, [3], 11), (9, 2, [1, 8, 8, 4, 1], 12)]
EMBED_HINT = "hidden.time.embed"
EMBED_BACK_HINT = "hidden.time.embed_back"


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
                     f"Embedding.forward(idx) {_say('embed_where', shape=(v, d), count=len(ids))}", hint=EMBED_HINT)


def test_embedding_output_and_gradient_have_the_right_shapes(student, ref):
    W, idx, dout = _embed_inputs(6, 4, [0, 5, 3], 20)
    _, out, dW = _embed_run(student, W, idx, dout)
    assert_shape(out, (3, 4), "Embedding.forward(idx)", hint=EMBED_HINT)
    assert_shape(dW, (6, 4), "Embedding.grads[0] (dW)", hint="hidden.time.dW_shape")


def test_embedding_backward_matches_reference(student, ref):
    W, _, _ = _embed_inputs(8, 3, [0], 30)
    idx = _rng(31).permutation(8)[:5]  # distinct ids
    dout = _rng(32).normal(size=(5, 3))
    _, _, dW = _embed_run(student, W, idx, dout)
    _, _, rdW = _embed_run(ref, W, idx, dout)
    assert_close(dW, rdW, f"Embedding.grads[0] (dW) {_say('distinct')}",
                 hint=[bugs.embedding_dW(dW, W.shape, idx, dout), EMBED_BACK_HINT])


def test_embedding_repeated_ids_add_up(student, ref):
    for v, d, ids, seed in [EMBED_CASES[0], EMBED_CASES[2]]:
        W, idx, dout = _embed_inputs(v, d, ids, seed)
        _, _, dW = _embed_run(student, W, idx, dout)
        _, _, rdW = _embed_run(ref, W, idx, dout)
        assert_close(dW, rdW, f"Embedding.grads[0] (dW) {_say('repeated')}",
                     hint=[bugs.embedding_dW(dW, W.shape, idx, dout), EMBED_BACK_HINT])


def test_embedding_backward_zeroes_dw_before_adding(student, ref):
    W, idx, dout = _embed_inputs(7, 3, [2, 0, 2, 5], 40)
    later_idx, later_dout = np.array([1, 6, 1]), _rng(41).normal(size=(3, 3))
    layer = student.Embedding(W)
    layer.forward(idx)
    layer.backward(dout)
    layer.forward(later_idx)
    layer.backward(later_dout)
    _, _, rdW = _embed_run(ref, W, later_idx, later_dout)
    _, _, first = _embed_run(ref, W, idx, dout)
    dW = _grads(layer, ["dW"], "Embedding")[0]
    assert_close(dW, rdW, f"Embedding.grads[0] (dW) {_say('second_backward')}",
                 hint=[hints.accumulates(dW, rdW, "dW", first), "hidden.time.zero_first"])


def test_embedding_grads_are_written_in_place(student, ref):
    W, idx, dout = _embed_inputs(5, 2, [4, 1, 1], 50)
    layer = student.Embedding(W)
    _same_grads(student, layer, lambda: (layer.forward(idx), layer.backward(dout)), "Embedding")


def test_embedding_gradient_matches_numerical_gradient(student, ref):
    W, idx, dout = _embed_inputs(6, 3, [5, 0, 5, 2, 5], 60)
    _, _, dW = _embed_run(student, W, idx, dout)
    num = numerical_gradient(lambda v: student.Embedding(v).forward(idx), W, dout, "Embedding.forward(idx)")
    assert_gradient(dW, num, "Embedding.grads[0] (dW)", hint=[bugs.embedding_dW(dW, W.shape, idx, dout), EMBED_BACK_HINT])


# -- TimeEmbedding ----------------------------------------------------------------------

# (V, D, N, T, seed): a batch of one with a single step, odd sizes, more steps than ids.
TIME_EMBED_CASES = [(6, 3, 2, 4, 100), (5, 4, 1, 1, 101), (4, 2, 3, 5, 102)]
TIME_EMBED_HINT = "hidden.time.time_embed"
TIME_EMBED_BACK_HINT = "hidden.time.time_embed_back"


def _time_embed_inputs(v, d, n, t, seed):
    rng = _rng(seed)
    return rng.normal(size=(v, d)), rng.integers(0, v, size=(n, t)), rng.normal(size=(n, t, d))


def _time_embed_run(module, W, xs, dout):
    layer = module.TimeEmbedding(W)
    out = layer.forward(xs)
    layer.backward(dout)
    return layer, out, _grads(layer, ["dW"], "TimeEmbedding")[0]


def _time_embed_where(v, d, n, t):
    return _say("time_embed_where", n=n, t=t, v=v, d=d)


def test_time_embedding_forward_matches_reference(student, ref):
    # N == T first: there xs[t] (a sequence) has the shape of xs[:, t] (a step), so indexing by the
    # wrong axis shows in the values and gets its hint, rather than an IndexError.
    for v, d, n, t, seed in [(5, 3, 3, 3, 103), *TIME_EMBED_CASES]:
        W, xs, _ = _time_embed_inputs(v, d, n, t, seed)
        out = student.TimeEmbedding(W).forward(xs)
        assert_close(out, ref.TimeEmbedding(W).forward(xs), f"TimeEmbedding.forward(xs) {_time_embed_where(v, d, n, t)}",
                     hint=[bugs.time_embedding_out(out, W, xs), TIME_EMBED_HINT])


def test_time_embedding_output_and_gradient_have_the_right_shapes(student, ref):
    W, xs, dout = _time_embed_inputs(7, 2, 3, 4, 110)
    _, out, dW = _time_embed_run(student, W, xs, dout)
    assert_shape(out, (3, 4, 2), "TimeEmbedding.forward(xs)", hint="hidden.time.time_embed_shape")
    assert_shape(dW, (7, 2), "TimeEmbedding.grads[0] (dW)", hint="hidden.time.dW_shape")


def test_time_embedding_grad_sums_over_time_steps(student, ref):
    for v, d, n, t, seed in TIME_EMBED_CASES:
        W, xs, dout = _time_embed_inputs(v, d, n, t, seed)
        _, _, dW = _time_embed_run(student, W, xs, dout)
        _, _, rdW = _time_embed_run(ref, W, xs, dout)
        assert_close(dW, rdW, f"TimeEmbedding.grads[0] (dW) {_time_embed_where(v, d, n, t)}",
                     hint=[bugs.time_embedding_dW(dW, W.shape, xs, dout), TIME_EMBED_BACK_HINT])


def test_time_embedding_backward_replaces_grads_instead_of_accumulating(student, ref):
    W, xs, dout = _time_embed_inputs(6, 3, 2, 3, 120)
    layer = student.TimeEmbedding(W)
    layer.forward(xs)
    earlier = _rng(121).normal(size=dout.shape)
    layer.backward(earlier)
    layer.backward(dout)
    _, _, rdW = _time_embed_run(ref, W, xs, dout)
    _, _, first = _time_embed_run(ref, W, xs, earlier)
    dW = _grads(layer, ["dW"], "TimeEmbedding")[0]
    assert_close(dW, rdW, f"TimeEmbedding.grads[0] (dW) {_say('second_backward')}",
                 hint=[hints.accumulates(dW, rdW, "dW", first), REPLACE_HINT])


def test_time_embedding_grads_are_written_in_place(student, ref):
    W, xs, dout = _time_embed_inputs(5, 2, 2, 3, 130)
    layer = student.TimeEmbedding(W)
    _same_grads(student, layer, lambda: (layer.forward(xs), layer.backward(dout)), "TimeEmbedding")


def test_time_embedding_gradient_matches_numerical_gradient(student, ref):
    W, xs, dout = _time_embed_inputs(5, 3, 2, 4, 140)
    _, _, dW = _time_embed_run(student, W, xs, dout)
    num = numerical_gradient(lambda v: student.TimeEmbedding(v).forward(xs), W, dout, "TimeEmbedding.forward(xs)")
    assert_gradient(dW, num, "TimeEmbedding.grads[0] (dW)",
                    hint=[bugs.time_embedding_dW(dW, W.shape, xs, dout), TIME_EMBED_BACK_HINT])


# -- TimeRNN -----------------------------------------------------------------------------

# (N, T, D, H, seed): a batch of one with a single step, D > H, D < H, odd sizes.
RNN_CASES = [(1, 1, 3, 4, 200), (3, 5, 4, 2, 201), (2, 4, 5, 3, 202)]
RNN_NAMES = ("dWx", "dWh", "db")
RNN_FORWARD_HINT = "hidden.time.rnn_forward"
BPTT_HINT = "hidden.time.bptt"
SUM_HINT = "hidden.time.sum"
DH_HINT = "hidden.time.dh"


def _dh(layer):
    dh = layer.dh
    if dh is None:
        fail("hidden.time.still_none", what="TimeRNN.dh", hint=[hints.hint("hint.time.store_dh"), DH_HINT])
    return dh


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
    return _say("rnn_where", n=n, t=t, d=d, h=h)


def test_time_rnn_forward_matches_reference(student, ref):
    for n, t, d, h, seed in RNN_CASES:
        params, xs, _ = _rnn_inputs(n, t, d, h, seed)
        hs = student.TimeRNN(*params).forward(xs)
        expected = ref.TimeRNN(*params).forward(xs)
        assert_close(at_precision(hs, judged_precision(hs, expected, "TimeRNN.forward(xs)")), expected,
                     f"TimeRNN.forward(xs) {_rnn_where(n, t, d, h)}",
                     hint=[bugs.hs_shifted(hs, params, xs), RNN_FORWARD_HINT])


def test_time_rnn_outputs_and_gradients_have_the_right_shapes(student, ref):
    n, t, d, h = 3, 2, 5, 4
    params, xs, dhs = _rnn_inputs(n, t, d, h, 210)
    layer, hs, dxs, grads = _rnn_run(student, params, xs, dhs)
    hint = "hidden.time.rnn_shapes"
    assert_shape(hs, (n, t, h), "TimeRNN.forward(xs)", hint=hint)
    assert_shape(dxs, (n, t, d), "TimeRNN.backward(dhs)", hint=hint)
    assert_shape(_dh(layer), (n, h), "TimeRNN.dh", hint=hint)
    for name, grad, param in zip(RNN_NAMES, grads, params):
        assert_shape(grad, param.shape, _say("grads_entry", name=name), hint=hint)


def test_time_rnn_backward_dxs_matches_reference(student, ref):
    for n, t, d, h, seed in RNN_CASES:
        params, xs, dhs = _rnn_inputs(n, t, d, h, seed)
        (_, _, dxs, _), (_, _, rdxs, _), kind = _rnn_both(student, ref, params, xs, dhs)
        assert_close(at_precision(dxs, kind), rdxs, f"TimeRNN.backward(dhs) {_rnn_where(n, t, d, h)}",
                     hint=[bugs.bptt("dxs", dxs, params, xs, dhs), BPTT_HINT])


def test_time_rnn_gradient_flows_back_from_later_steps(student, ref):
    n, t, d, h = 2, 4, 3, 5
    params, xs, dhs = _rnn_inputs(n, t, d, h, 220)
    dhs[:, :-1, :] = 0.0  # only the last hidden state feeds the loss
    (_, _, dxs, _), (_, _, rdxs, _), kind = _rnn_both(student, ref, params, xs, dhs)
    hint = [bugs.bptt("dxs", dxs, params, xs, dhs), BPTT_HINT]
    dxs = assert_shape(dxs, (n, t, d), "TimeRNN.backward(dhs)")
    if not np.any(dxs[:, 0, :]):
        fail("hidden.time.no_flow", hint=[*hint, "hidden.time.flow"])
    assert_close(at_precision(dxs, kind), rdxs, f"TimeRNN.backward(dhs) {_say('last_only')}", hint=hint)


def test_time_rnn_grads_sum_over_time_steps(student, ref):
    for n, t, d, h, seed in RNN_CASES:
        params, xs, dhs = _rnn_inputs(n, t, d, h, seed)
        (*_, grads), (*_, rgrads), kind = _rnn_both(student, ref, params, xs, dhs)
        for i, name in enumerate(RNN_NAMES):
            assert_close(at_precision(grads[i], kind), rgrads[i], f"TimeRNN.grads[{i}] ({name}) {_rnn_where(n, t, d, h)}",
                         hint=[bugs.bptt(name, grads[i], params, xs, dhs), SUM_HINT, BPTT_HINT])


def test_time_rnn_grads_are_written_in_place(student, ref):
    params, xs, dhs = _rnn_inputs(2, 3, 3, 4, 230)
    layer = student.TimeRNN(*params)
    _same_grads(student, layer, lambda: (layer.forward(xs), layer.backward(dhs)), "TimeRNN")


def test_time_rnn_backward_replaces_grads_instead_of_accumulating(student, ref):
    params, xs, dhs = _rnn_inputs(2, 3, 4, 3, 240)
    layer = student.TimeRNN(*params)
    hs = layer.forward(xs)
    earlier = _rng(241).normal(size=dhs.shape)
    layer.backward(earlier)
    layer.backward(dhs)
    _, rhs, _, rgrads = _rnn_run(ref, params, xs, dhs)
    *_, first = _rnn_run(ref, params, xs, earlier)
    kind = judged_precision(hs, rhs, "TimeRNN.forward(xs)")
    for i, (name, grad) in enumerate(zip(RNN_NAMES, _grads(layer, RNN_NAMES, "TimeRNN"))):
        assert_close(at_precision(grad, kind), rgrads[i], f"TimeRNN.grads[{i}] ({name}) {_say('second_backward')}",
                     hint=[hints.accumulates(grad, rgrads[i], name, first[i]), REPLACE_HINT])


def test_time_rnn_dh_is_the_gradient_of_the_initial_state(student, ref):
    for stateful, seed in [(False, 250), (True, 251)]:
        n, t, d, h = 3, 3, 2, 4
        params, xs, dhs = _rnn_inputs(n, t, d, h, seed)
        h0 = _rnn_state(n, h, seed + 5) if stateful else None
        (layer, *_), (expected, *_), kind = _rnn_both(student, ref, params, xs, dhs, h0, stateful)
        dh = _dh(layer)
        what = _say("after_set_state") if stateful else _say("from_zeros")
        assert_close(at_precision(dh, kind), expected.dh, f"TimeRNN.dh {what}",
                     hint=[bugs.bptt("dh", dh, params, xs, dhs, h0), DH_HINT])


def test_time_rnn_h_is_the_last_hidden_state_after_forward(student, ref):
    params, xs, _ = _rnn_inputs(2, 3, 3, 5, 260)
    layer = student.TimeRNN(*params)
    hs = layer.forward(xs)
    expected = ref.TimeRNN(*params)
    rhs = expected.forward(xs)
    hint = "hidden.time.keep_h"
    if layer.h is None:
        fail("hidden.time.h_none", hint=hint)
    assert_close(at_precision(layer.h, judged_precision(hs, rhs, "TimeRNN.forward(xs)")), expected.h,
                 f"TimeRNN.h {_say('after_forward')}", hint=hint)


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
                 f"TimeRNN.forward(xs) {_say('stateful_second')}",
                 hint=[bugs.second_forward(hs, params, first, second, True), "hidden.time.stateful"])


def test_time_rnn_layer_that_is_not_stateful_starts_from_zeros_every_time(student, ref):
    n, t, d, h = 2, 3, 3, 4
    params, first, _ = _rnn_inputs(n, t, d, h, 280)
    second = _rng(281).normal(size=(n, t, d))
    hs = _two_calls(student, params, first, second, False)
    expected = ref.TimeRNN(*params).forward(second)
    assert_close(at_precision(hs, judged_precision(hs, expected, "TimeRNN.forward(xs)")), expected,
                 f"TimeRNN.forward(xs) {_say('not_stateful_second')}",
                 hint=[bugs.second_forward(hs, params, first, second, False), "hidden.time.not_stateful"])


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
                 f"TimeRNN.forward(xs) {_say('after_set_state')}", hint="hidden.time.set_state")


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
                 f"TimeRNN.forward(xs) {_say('after_reset')}",
                 hint=[bugs.second_forward(hs, params, first, second, True, after_reset=True), "hidden.time.reset"])


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
    dh = _dh(layer)
    num_dh = numerical_gradient(from_state, h0, dhs, "TimeRNN.forward(xs)")
    assert_gradients({"dxs": (dxs, num), "dh": (dh, num_dh)}, "TimeRNN.backward(dhs)",
                     hint=[bugs.bptt("dxs", dxs, params, xs, dhs, h0), bugs.bptt("dh", dh, params, xs, dhs, h0),
                           BPTT_HINT])


def test_time_rnn_parameter_gradients_match_numerical_gradient(student, ref):
    n, t, d, h = 2, 3, 3, 4
    (Wx, Wh, b), xs, dhs = _rnn_inputs(n, t, d, h, 320)
    *_, grads = _rnn_run(student, (Wx, Wh, b), xs, dhs)
    builds = [lambda v: student.TimeRNN(v, Wh, b), lambda v: student.TimeRNN(Wx, v, b),
              lambda v: student.TimeRNN(Wx, Wh, v)]
    checks, hint = {}, []
    for i, (name, build, param) in enumerate(zip(RNN_NAMES, builds, (Wx, Wh, b))):
        num = numerical_gradient(lambda v: build(v).forward(xs), param, dhs, "TimeRNN.forward(xs)")
        checks[f"grads[{i}] ({name})"] = (grads[i], num)
        hint.append(bugs.bptt(name, grads[i], (Wx, Wh, b), xs, dhs))
    assert_gradients(checks, "TimeRNN.backward(dhs)", hint=[*hint, SUM_HINT, BPTT_HINT])


# -- TimeAffine ----------------------------------------------------------------------------

# (N, T, D, M, seed): a batch of one with a single step, odd sizes, a single output.
AFFINE_CASES = [(1, 1, 3, 2, 400), (3, 5, 4, 7, 401), (2, 3, 6, 1, 402)]
AFFINE_NAMES = ("dW", "db")
AFFINE_HINT = "hidden.time.affine"
AFFINE_BACK_HINT = "hidden.time.affine_back"


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
    return _say("affine_where", n=n, t=t, d=d, m=m)


def _affine_hints(case, out=None, db=None):
    """The bug hints of TimeAffine for its output or its db."""
    n, t, d, m, seed = case
    (W, b), x, dout = _affine_inputs(n, t, d, m, seed)
    right = (x.reshape(n * t, d) @ W + b).reshape(n, t, m)
    if out is not None:
        return [bugs.time_affine_out(out, x, W, b), hints.no_bias(out, (x.reshape(n * t, d) @ W).reshape(n, t, m), right)]
    flat = dout.reshape(n * t, m)
    wrong_axis = np.shape(db) != b.shape or (  # one row: its sum over axis 1 broadcasts into grads[1]
        n * t == 1 and hints.matches(db, np.full(b.shape, flat.sum())) and not hints.matches(db, flat.sum(axis=0)))
    return [hints.hint("hint.affine.db_batch_axis", actual=np.shape(db) if np.shape(db) != b.shape else (n * t,),
                       expected=b.shape) if db is not None and wrong_axis else None,
            hints.divided_by_batch(db, flat.sum(axis=0), n * t, "db")]


def test_time_affine_forward_matches_reference(student, ref):
    for case in AFFINE_CASES:
        (_, out, _, _), (_, rout, _, _), kind = _affine_both(student, ref, case)
        assert_close(at_precision(out, kind), rout, f"TimeAffine.forward(x) {_affine_where(case)}",
                     hint=[*_affine_hints(case, out=out), AFFINE_HINT])


def test_time_affine_outputs_and_gradients_have_the_right_shapes(student, ref):
    n, t, d, m = 2, 5, 3, 4
    params, x, dout = _affine_inputs(n, t, d, m, 410)
    _, out, dx, grads = _affine_run(student, params, x, dout)
    hint = "hidden.time.affine_shapes"
    assert_shape(out, (n, t, m), "TimeAffine.forward(x)", hint=[bugs.time_affine_out(out, x, *params), hint])
    assert_shape(dx, (n, t, d), "TimeAffine.backward(dout)", hint=hint)
    for name, grad, param in zip(AFFINE_NAMES, grads, params):
        assert_shape(grad, param.shape, _say("affine_grads_entry", name=name), hint=hint)


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
                     hint=[*_affine_hints(case, db=grads[1]), "hidden.time.affine_db"])


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
