"""Hidden tests for 06_time_rnn: Embedding, TimeEmbedding, TimeRNN, TimeAffine.

The property matrix these tests cover is docs/property-matrix/06_time_rnn.md.

RNN is in the student's file but not graded here (05_rnn_cell grades it):
while TimeRNN is tested, the reference RNN takes its place (manifest
uses_reference), and the reference Embedding while TimeEmbedding is tested.

Inputs are drawn per submission (hidden/draw.py); shapes too, from small
ranges that keep the deliberate configurations: D, H and M differ from each
other (a missing transpose cannot keep its shape), a batch of one with a single
time step, N == T where indexing xs by the wrong axis keeps its shape, and
word ids that repeat inside a batch and across steps (a gradient written with
`dW[idx] = dout` or `dW[idx] += dout` loses the repeats), and ids of a
vocabulary of LARGE_V words, beyond what int8 and uint8 hold. Every test of a
property (reuse, a second backward, grads in place, state) also compares the
values with the reference.

Tolerances (fixed, whatever the submission returns): values are compared with
rtol 1e-4 and atol 1e-6 times the largest |entry| of the expected array.
Measured over 1500 drawn cases of the shapes used here (N, T, D, H up to 7):
the textbook's float32 TimeRNN and TimeEmbedding (`dtype='f'` arrays) use at
most 0.06 % of that budget; a TimeRNN computing in float32 throughout at most
20 % (its dWx, where entries cancel), a float32 TimeAffine at most 23 % (db);
float64 rewrites (tensordot, np.add.at over all steps) at most 1e-10. A
systematic error of 0.1 % uses 1000 % of it, in any dtype.
Gradient checks take central differences of the student's own forward with a
fixed step of 1e-2 (every unit but TimeRNN is linear in what is perturbed, so
any step is exact there; TimeRNN's are extrapolated from 1e-2 and twice it:
plain central differences at 1e-2 were off by 1 to 10 % at a small entry of a
correct db for some draws, and extrapolated ones leave truncation far below a
float32 forward's rounding, about 1e-4) against the engine's
one allowed error for every submission (assertions.GRADIENT_TOLERANCE, 2e-2),
which a wrong transpose or a missing step exceeds many times over. They count
only where the student's forward depends on what is perturbed: the reference's
gradient goes along as `reference`. Each input is checked along random
directions first (autograder/directional.py): Embedding, TimeEmbedding and
TimeAffine with one central difference at STEP (they are linear), TimeRNN
extrapolated from ALONG_STEP = 2e-2 and twice it (at 3e-2 and above, the
truncation of a move of every entry at once shows; float32 rounding grows
below). The largest error along a direction over the suite's and the corpus's
correct submissions, 20 draws each: 1.0e-3 for TimeRNN, 1.3e-3 for a float32
TimeAffine, of the 2e-3 allowed.
"""

import numpy as np

from autograder import hints
from autograder.assertions import assert_close, fail, not_an_array
from autograder.directional import Numerical, check_gradients
from autograder.hidden import draw
from autograder.messages import text
from autograder.bugs import time_rnn as bugs

RTOL, ATOL_SCALE = 1e-4, 1e-6  # measured above
STEP = 1e-2
ALONG_STEP = 2e-2  # TimeRNN's step along a direction, extrapolated (module docstring)
INT_DTYPES = (np.int8, np.uint8, np.int16, np.int32, np.uint32, np.int64)  # ids of any integer dtype
REPLACE_HINT = "hidden.time.replace"


def _say(key, **fields):
    return text(f"hidden.time.{key}", **fields)


# -- shared helpers ----------------------------------------------------------------

def _close(actual, expected, what, hint=None):
    """The student's array against the reference's: an ndarray of the same shape, within the fixed tolerance."""
    if not isinstance(actual, np.ndarray):
        not_an_array(actual, what, hint)
    expected = np.asarray(expected, dtype=np.float64)
    scale = float(np.max(np.abs(expected), initial=0.0))
    assert_close(actual, expected, what, rtol=RTOL, atol=max(ATOL_SCALE * scale, 1e-12), hint=hint)


def _none(value, what):
    if value is not None:
        fail("hidden.time.returns_none", what=what, kind=type(value).__name__)


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


def _gradients(checks, what, hint, reference):
    """The gradient check, counting only where the student's forward is not degenerate (rule 2).

    checks: {name: (analytic, Numerical)}; reference: {name: the reference's gradient}.
    Every submission gets the same allowed error (module docstring).
    """
    check_gradients(checks, what, hint=hint, reference=reference)


def _numerical(f, x, dout, what, linear=True):
    """The numerical gradient of sum(f(x) * dout): at STEP entry by entry, extrapolated from twice it where f
    is not linear in x; along a direction, exactly where f is linear, else extrapolated from ALONG_STEP
    and twice it (module docstring)."""
    return Numerical(f, x, dout, what, step=STEP, linear=linear, extrapolated=not linear,
                     along_step=None if linear else ALONG_STEP)


def _repeat_some(ids, rng):
    """ids (1-D or 2-D) with at least one id repeated in a batch (so a buffered dW[idx] += loses it)."""
    ids = ids.copy()
    flat = ids.reshape(-1)
    if flat.size > 1:
        i, j = rng.choice(flat.size, size=2, replace=False)
        flat[j] = flat[i]
    return ids


# -- Embedding -----------------------------------------------------------------------

EMBED_HINT = "hidden.time.embed"
EMBED_BACK_HINT = "hidden.time.embed_back"


def _embed_case(rng, n, repeats=True, dtype=np.int64):
    """(W (V, D), ids (N,), dout (N, D)): V from 3 to 9, D from 2 to 5."""
    v, d = int(rng.integers(3, 10)), int(rng.integers(2, 6))
    ids = rng.integers(0, v, size=n)
    if repeats:
        ids = _repeat_some(ids, rng)
    return rng.normal(size=(v, d)), ids.astype(dtype), rng.normal(size=(n, d))


def _embed_run(module, W, idx, dout):
    layer = module.Embedding(W)
    out = layer.forward(idx)
    returned = layer.backward(dout)
    return layer, out, _grads(layer, ["dW"], "Embedding")[0], returned


def _embed_where(W, idx):
    return _say("embed_where", shape=W.shape, count=len(idx))


LARGE_V = 300  # ids from 128 and from 256 on: a cast of the ids to int8 or uint8 wraps them onto other rows


def _large_vocabulary_ids(rng, shape):
    """Ids in 0..LARGE_V-1 of the given shape, with one of 128..255 and one of 256..LARGE_V-1 among them."""
    ids = rng.integers(0, LARGE_V, size=shape)
    flat = ids.reshape(-1)
    flat[0], flat[-1] = rng.integers(128, 256), rng.integers(256, LARGE_V)
    return ids


def test_embedding_forward_picks_the_rows_of_w(student, ref):
    rng = draw.rng("cases")
    for n in (1, int(rng.integers(2, 5)), int(rng.integers(6, 12))):
        W, idx, _ = _embed_case(rng, n)
        _close(student.Embedding(W).forward(idx), ref.Embedding(W).forward(idx),
               f"Embedding.forward(idx) {_embed_where(W, idx)}", hint=EMBED_HINT)


def test_embedding_backward_matches_reference_for_distinct_ids(student, ref):
    rng = draw.rng("cases")
    for n in (1, 4):
        v, d = int(rng.integers(n + 1, 10)), int(rng.integers(2, 6))
        W, idx, dout = rng.normal(size=(v, d)), rng.permutation(v)[:n], rng.normal(size=(n, d))
        _, _, dW, returned = _embed_run(student, W, idx, dout)
        _, _, rdW, _ = _embed_run(ref, W, idx, dout)
        _close(dW, rdW, f"Embedding.grads[0] (dW) {_say('distinct')}",
               hint=[bugs.embedding_dW(dW, W.shape, idx, dout), EMBED_BACK_HINT])
        _none(returned, "Embedding.backward(dout)")


def test_embedding_repeated_ids_add_up(student, ref):
    rng = draw.rng("cases")
    for n in (int(rng.integers(3, 6)), int(rng.integers(8, 14))):
        W, idx, dout = _embed_case(rng, n)
        _, _, dW, _ = _embed_run(student, W, idx, dout)
        _, _, rdW, _ = _embed_run(ref, W, idx, dout)
        _close(dW, rdW, f"Embedding.grads[0] (dW) {_say('repeated')}",
               hint=[bugs.embedding_dW(dW, W.shape, idx, dout), EMBED_BACK_HINT])


def test_embedding_takes_ids_of_any_integer_dtype(student, ref):
    rng = draw.rng("cases")
    for dtype in INT_DTYPES:
        W, idx, dout = _embed_case(rng, int(rng.integers(3, 7)), dtype=dtype)
        _embedding_like_reference(student, ref, W, idx, dout, _say("ids_of", dtype=np.dtype(dtype).name))
    # Word ids are integers in 0..V-1 (README), whatever V: a vocabulary larger than int8 or uint8 can hold.
    for dtype in (np.int16, np.uint32, np.int64):
        W, dout = rng.normal(size=(LARGE_V, 2)), rng.normal(size=(4, 2))
        idx = _large_vocabulary_ids(rng, 4).astype(dtype)
        _embedding_like_reference(student, ref, W, idx, dout,
                                  f"{_say('ids_of', dtype=np.dtype(dtype).name)} {_embed_where(W, idx)}")


def _embedding_like_reference(student, ref, W, idx, dout, where):
    """Embedding's forward and dW on these ids against the reference's (the integer-ids checks)."""
    _, out, dW, _ = _embed_run(student, W, idx, dout)
    _, rout, rdW, _ = _embed_run(ref, W, idx, dout)
    _close(out, rout, f"Embedding.forward(idx) {where}", hint=[EMBED_HINT, "hidden.time.int_ids"])
    _close(dW, rdW, f"Embedding.grads[0] (dW) {where}", hint=[EMBED_BACK_HINT, "hidden.time.int_ids"])


def test_embedding_backward_zeroes_dw_before_adding(student, ref):
    rng = draw.rng("cases")
    W, idx, dout = _embed_case(rng, 4)
    later_idx = _repeat_some(rng.integers(0, W.shape[0], size=3), rng)
    later_dout = rng.normal(size=(3, W.shape[1]))
    layer = student.Embedding(W)
    layer.forward(idx)
    layer.backward(dout)
    layer.forward(later_idx)
    layer.backward(later_dout)
    _, _, rdW, _ = _embed_run(ref, W, later_idx, later_dout)
    _, _, first, _ = _embed_run(ref, W, idx, dout)
    dW = _grads(layer, ["dW"], "Embedding")[0]
    _close(dW, rdW, f"Embedding.grads[0] (dW) {_say('second_backward')}",
           hint=[hints.accumulates(dW, rdW, "dW", first), "hidden.time.zero_first"])


def test_embedding_reused_on_a_new_batch_size_before_backward(student, ref):
    rng = draw.rng("cases")
    W, first, _ = _embed_case(rng, 5)
    second = _repeat_some(rng.integers(0, W.shape[0], size=3), rng)
    dout = rng.normal(size=(3, W.shape[1]))
    layer = student.Embedding(W)
    layer.forward(first)
    out = layer.forward(second)
    layer.backward(dout)
    _, rout, rdW, _ = _embed_run(ref, W, second, dout)
    _close(out, rout, f"Embedding.forward(idx) {_say('second_forward')}", hint=EMBED_HINT)
    _close(_grads(layer, ["dW"], "Embedding")[0], rdW, f"Embedding.grads[0] (dW) {_say('new_batch')}",
           hint="hidden.time.latest_forward")
    # ... and after that backward, the larger batch again (nothing sized by an earlier backward may stay)
    dout = rng.normal(size=(len(first), W.shape[1]))
    layer.forward(first)
    layer.backward(dout)
    _, _, rdW, _ = _embed_run(ref, W, first, dout)
    _close(_grads(layer, ["dW"], "Embedding")[0], rdW, f"Embedding.grads[0] (dW) {_say('new_batch_after_backward')}",
           hint="hidden.time.latest_forward")


def test_embedding_backward_twice_gives_the_same_dw(student, ref):
    rng = draw.rng("cases")
    W, idx, dout = _embed_case(rng, 5)
    layer = student.Embedding(W)
    layer.forward(idx)
    layer.backward(dout)
    layer.backward(dout)
    _, _, rdW, _ = _embed_run(ref, W, idx, dout)
    dW = _grads(layer, ["dW"], "Embedding")[0]
    _close(dW, rdW, f"Embedding.grads[0] (dW) {_say('second_backward')}",
           hint=[hints.accumulates(dW, rdW, "dW"), "hidden.time.zero_first"])


def test_embedding_grads_are_written_in_place(student, ref):
    rng = draw.rng("cases")
    W, idx, dout = _embed_case(rng, 4)
    layer = student.Embedding(W)
    _same_grads(student, layer, lambda: (layer.forward(idx), layer.backward(dout)), "Embedding")
    _, _, rdW, _ = _embed_run(ref, W, idx, dout)
    _close(_grads(layer, ["dW"], "Embedding")[0], rdW, "Embedding.grads[0] (dW)", hint=EMBED_BACK_HINT)


def test_embedding_gradient_matches_numerical_gradient(student, ref):
    rng = draw.rng("cases")
    W, idx, dout = _embed_case(rng, 6)
    _, _, dW, _ = _embed_run(student, W, idx, dout)
    _, _, rdW, _ = _embed_run(ref, W, idx, dout)
    num = _numerical(lambda v: student.Embedding(v).forward(idx), W, dout, "Embedding.forward(idx)")
    _gradients({"Embedding.grads[0] (dW)": (dW, num)}, "Embedding.backward(dout)",
               [bugs.embedding_dW(dW, W.shape, idx, dout), EMBED_BACK_HINT], {"Embedding.grads[0] (dW)": rdW})


# -- TimeEmbedding ----------------------------------------------------------------------

TIME_EMBED_HINT = "hidden.time.time_embed"
TIME_EMBED_BACK_HINT = "hidden.time.time_embed_back"


def _time_embed_case(rng, n, t, dtype=np.int64):
    """(W (V, D), xs (N, T), dout (N, T, D)): V from 3 to 8, D from 2 to 5, some id repeated."""
    v, d = int(rng.integers(3, 9)), int(rng.integers(2, 6))
    xs = _repeat_some(rng.integers(0, v, size=(n, t)), rng)
    return rng.normal(size=(v, d)), xs.astype(dtype), rng.normal(size=(n, t, d))


def _time_embed_run(module, W, xs, dout):
    layer = module.TimeEmbedding(W)
    out = layer.forward(xs)
    returned = layer.backward(dout)
    return layer, out, _grads(layer, ["dW"], "TimeEmbedding")[0], returned


def _time_embed_where(W, xs):
    (v, d), (n, t) = W.shape, xs.shape
    return _say("time_embed_where", n=n, t=t, v=v, d=d)


def _time_embed_sizes(rng):
    """(N, T): N == T first (xs[t] has the shape of xs[:, t]), a single step of one, then odd sizes."""
    square = int(rng.integers(2, 5))
    return [(square, square), (1, 1), (int(rng.integers(2, 4)), int(rng.integers(4, 7))),
            (int(rng.integers(4, 7)), int(rng.integers(2, 4)))]


def test_time_embedding_forward_matches_reference(student, ref):
    rng = draw.rng("cases")
    for n, t in _time_embed_sizes(rng):
        W, xs, _ = _time_embed_case(rng, n, t)
        out = student.TimeEmbedding(W).forward(xs)
        _close(out, ref.TimeEmbedding(W).forward(xs), f"TimeEmbedding.forward(xs) {_time_embed_where(W, xs)}",
               hint=[bugs.time_embedding_out(out, W, xs), TIME_EMBED_HINT])


def test_time_embedding_grad_sums_over_time_steps(student, ref):
    rng = draw.rng("cases")
    for n, t in _time_embed_sizes(rng)[1:]:
        W, xs, dout = _time_embed_case(rng, n, t)
        _, _, dW, returned = _time_embed_run(student, W, xs, dout)
        _, _, rdW, _ = _time_embed_run(ref, W, xs, dout)
        _close(dW, rdW, f"TimeEmbedding.grads[0] (dW) {_time_embed_where(W, xs)}",
               hint=[bugs.time_embedding_dW(dW, W.shape, xs, dout), TIME_EMBED_BACK_HINT])
        _none(returned, "TimeEmbedding.backward(dout)")


def test_time_embedding_takes_ids_of_any_integer_dtype(student, ref):
    rng = draw.rng("cases")
    for dtype in INT_DTYPES:
        W, xs, dout = _time_embed_case(rng, int(rng.integers(2, 4)), int(rng.integers(2, 5)), dtype)
        _time_embedding_like_reference(student, ref, W, xs, dout, _say("ids_of", dtype=np.dtype(dtype).name))
    # A vocabulary larger than int8 or uint8 can hold (README: ids in 0..V-1).
    W, dout = rng.normal(size=(LARGE_V, 2)), rng.normal(size=(2, 3, 2))
    xs = _large_vocabulary_ids(rng, (2, 3))
    _time_embedding_like_reference(student, ref, W, xs, dout, _time_embed_where(W, xs))


def _time_embedding_like_reference(student, ref, W, xs, dout, where):
    """TimeEmbedding's forward and dW on these ids against the reference's (the integer-ids checks)."""
    _, out, dW, _ = _time_embed_run(student, W, xs, dout)
    _, rout, rdW, _ = _time_embed_run(ref, W, xs, dout)
    _close(out, rout, f"TimeEmbedding.forward(xs) {where}", hint=[TIME_EMBED_HINT, "hidden.time.int_ids"])
    _close(dW, rdW, f"TimeEmbedding.grads[0] (dW) {where}", hint=[TIME_EMBED_BACK_HINT, "hidden.time.int_ids"])


def test_time_embedding_reused_on_a_new_n_and_t_before_backward(student, ref):
    rng = draw.rng("cases")
    W, first, _ = _time_embed_case(rng, 4, 5)
    v, d = W.shape
    second = _repeat_some(rng.integers(0, v, size=(2, 3)), rng)
    dout = rng.normal(size=(2, 3, d))
    layer = student.TimeEmbedding(W)
    layer.forward(first)
    out = layer.forward(second)
    layer.backward(dout)
    _, rout, rdW, _ = _time_embed_run(ref, W, second, dout)
    _close(out, rout, f"TimeEmbedding.forward(xs) {_say('second_forward')}", hint=TIME_EMBED_HINT)
    _close(_grads(layer, ["dW"], "TimeEmbedding")[0], rdW, f"TimeEmbedding.grads[0] (dW) {_say('new_n_t')}",
           hint="hidden.time.latest_forward")
    # ... and after that backward, the larger N and T again (nothing sized by an earlier backward may stay)
    dout = rng.normal(size=(*first.shape, d))
    layer.forward(first)
    layer.backward(dout)
    _, _, rdW, _ = _time_embed_run(ref, W, first, dout)
    _close(_grads(layer, ["dW"], "TimeEmbedding")[0], rdW,
           f"TimeEmbedding.grads[0] (dW) {_say('new_n_t_after_backward')}", hint="hidden.time.latest_forward")


def test_time_embedding_backward_twice_gives_the_same_dw(student, ref):
    rng = draw.rng("cases")
    W, xs, dout = _time_embed_case(rng, 2, 3)
    earlier = rng.normal(size=dout.shape)
    layer = student.TimeEmbedding(W)
    layer.forward(xs)
    layer.backward(earlier)
    layer.backward(dout)
    _, _, rdW, _ = _time_embed_run(ref, W, xs, dout)
    _, _, first, _ = _time_embed_run(ref, W, xs, earlier)
    dW = _grads(layer, ["dW"], "TimeEmbedding")[0]
    _close(dW, rdW, f"TimeEmbedding.grads[0] (dW) {_say('second_backward')}",
           hint=[hints.accumulates(dW, rdW, "dW", first), REPLACE_HINT])


def test_time_embedding_grads_are_written_in_place(student, ref):
    rng = draw.rng("cases")
    W, xs, dout = _time_embed_case(rng, 2, 3)
    layer = student.TimeEmbedding(W)
    _same_grads(student, layer, lambda: (layer.forward(xs), layer.backward(dout)), "TimeEmbedding")
    _, _, rdW, _ = _time_embed_run(ref, W, xs, dout)
    _close(_grads(layer, ["dW"], "TimeEmbedding")[0], rdW, "TimeEmbedding.grads[0] (dW)", hint=TIME_EMBED_BACK_HINT)


def test_time_embedding_gradient_matches_numerical_gradient(student, ref):
    rng = draw.rng("cases")
    W, xs, dout = _time_embed_case(rng, 2, 4)
    _, _, dW, _ = _time_embed_run(student, W, xs, dout)
    _, _, rdW, _ = _time_embed_run(ref, W, xs, dout)
    num = _numerical(lambda v: student.TimeEmbedding(v).forward(xs), W, dout, "TimeEmbedding.forward(xs)")
    name = "TimeEmbedding.grads[0] (dW)"
    _gradients({name: (dW, num)}, "TimeEmbedding.backward(dout)",
               [bugs.time_embedding_dW(dW, W.shape, xs, dout), TIME_EMBED_BACK_HINT], {name: rdW})


# -- TimeRNN -----------------------------------------------------------------------------

RNN_NAMES = ("dWx", "dWh", "db")
RNN_FORWARD_HINT = "hidden.time.rnn_forward"
BPTT_HINT = "hidden.time.bptt"
SUM_HINT = "hidden.time.sum"
DH_HINT = "hidden.time.dh"


def _dims(rng):
    """(D, H): two different sizes from 2 to 5."""
    d, h = rng.choice(np.arange(2, 6), size=2, replace=False)
    return int(d), int(h)


def _rnn_case(rng, n, t, d=None, h=None):
    """((Wx, Wh, b), xs (N, T, D), dhs (N, T, H)), D != H unless given."""
    if d is None:
        d, h = _dims(rng)
    params = (rng.normal(scale=0.5, size=(d, h)), rng.normal(scale=0.5, size=(h, h)), rng.normal(scale=0.3, size=h))
    return params, rng.normal(size=(n, t, d)), rng.normal(size=(n, t, h))


def _rnn_sizes(rng):
    """(N, T): a batch of one with a single step, then longer and odd ones."""
    return [(1, 1), (int(rng.integers(2, 5)), int(rng.integers(3, 7))), (int(rng.integers(1, 4)), 2)]


def _rnn_state(rng, n, h):
    return rng.uniform(0.2, 0.9, size=(n, h)) * rng.choice([-1.0, 1.0], size=(n, h))


def _dh(layer):
    dh = layer.dh
    if dh is None:
        fail("hidden.time.still_none", what="TimeRNN.dh", hint=[hints.hint("hint.time.store_dh"), DH_HINT])
    return dh


def _rnn_run(module, params, xs, dhs, h0=None, stateful=False):
    """A new module.TimeRNN: (set_state(h0)), forward, backward -> (layer, hs, dxs, grads)."""
    layer = module.TimeRNN(*params, stateful=stateful)
    if h0 is not None:
        layer.set_state(h0)
    hs = layer.forward(xs)
    dxs = layer.backward(dhs)
    return layer, hs, dxs, _grads(layer, RNN_NAMES, "TimeRNN")


def _rnn_where(xs, params):
    (n, t, d), h = xs.shape, params[1].shape[0]
    return _say("rnn_where", n=n, t=t, d=d, h=h)


def _rnn_all(student_run, expected, params, xs, dhs, what, h0=None, hint=None):
    """dxs, every grad and dh of a student's run against the reference's run."""
    layer, _, dxs, grads = student_run
    rlayer, _, rdxs, rgrads = expected
    _close(dxs, rdxs, f"TimeRNN.backward(dhs) {what}", hint=[bugs.bptt("dxs", dxs, params, xs, dhs, h0), hint, BPTT_HINT])
    for i, name in enumerate(RNN_NAMES):
        _close(grads[i], rgrads[i], f"TimeRNN.grads[{i}] ({name}) {what}",
               hint=[bugs.bptt(name, grads[i], params, xs, dhs, h0), hint, SUM_HINT])
    dh = _dh(layer)
    _close(dh, rlayer.dh, f"TimeRNN.dh {what}", hint=[bugs.bptt("dh", dh, params, xs, dhs, h0), hint, DH_HINT])


def test_time_rnn_forward_matches_reference(student, ref):
    rng = draw.rng("cases")
    for n, t in _rnn_sizes(rng):
        params, xs, _ = _rnn_case(rng, n, t)
        hs = student.TimeRNN(*params).forward(xs)
        _close(hs, ref.TimeRNN(*params).forward(xs), f"TimeRNN.forward(xs) {_rnn_where(xs, params)}",
               hint=[bugs.hs_shifted(hs, params, xs), RNN_FORWARD_HINT])


def test_time_rnn_backward_dxs_matches_reference(student, ref):
    rng = draw.rng("cases")
    for n, t in _rnn_sizes(rng):
        params, xs, dhs = _rnn_case(rng, n, t)
        (_, _, dxs, _), (_, _, rdxs, _) = _rnn_run(student, params, xs, dhs), _rnn_run(ref, params, xs, dhs)
        _close(dxs, rdxs, f"TimeRNN.backward(dhs) {_rnn_where(xs, params)}",
               hint=[bugs.bptt("dxs", dxs, params, xs, dhs), BPTT_HINT])
    # A large upstream gradient (an exploding one): dxs is linear in dhs, so nothing in backward may cut it
    # (gradient clipping belongs to the optimizer, outside the layer).
    params, xs, dhs = _rnn_case(rng, 3, 4)
    dhs *= 100.0
    (_, _, dxs, _), (_, _, rdxs, _) = _rnn_run(student, params, xs, dhs), _rnn_run(ref, params, xs, dhs)
    _close(dxs, rdxs, f"TimeRNN.backward(dhs) {_say('large_dhs')}", hint=["hidden.time.linear_in_dhs", BPTT_HINT])


def test_time_rnn_gradient_flows_back_from_later_steps(student, ref):
    rng = draw.rng("cases")
    params, xs, dhs = _rnn_case(rng, int(rng.integers(1, 4)), int(rng.integers(3, 6)))
    dhs[:, :-1, :] = 0.0  # only the last hidden state feeds the loss
    (_, _, dxs, _), (_, _, rdxs, _) = _rnn_run(student, params, xs, dhs), _rnn_run(ref, params, xs, dhs)
    hint = [bugs.bptt("dxs", dxs, params, xs, dhs), BPTT_HINT]
    if isinstance(dxs, np.ndarray) and dxs.shape == xs.shape and not np.any(dxs[:, 0, :]):
        fail("hidden.time.no_flow", hint=[*hint, "hidden.time.flow"])
    _close(dxs, rdxs, f"TimeRNN.backward(dhs) {_say('last_only')}", hint=hint)


def test_time_rnn_grads_sum_over_time_steps(student, ref):
    rng = draw.rng("cases")
    for n, t in _rnn_sizes(rng):
        params, xs, dhs = _rnn_case(rng, n, t)
        (*_, grads), (*_, rgrads) = _rnn_run(student, params, xs, dhs), _rnn_run(ref, params, xs, dhs)
        for i, name in enumerate(RNN_NAMES):
            _close(grads[i], rgrads[i], f"TimeRNN.grads[{i}] ({name}) {_rnn_where(xs, params)}",
                   hint=[bugs.bptt(name, grads[i], params, xs, dhs), SUM_HINT, BPTT_HINT])
    # From a state given by set_state: the first step's dWh term is h_0.T @ dt, not zeros (a BPTT written
    # from the cached hs alone that takes h_0 as zeros is right only from zeros).
    params, xs, dhs = _rnn_case(rng, 2, 3)
    h0 = _rnn_state(rng, 2, params[1].shape[0])
    (*_, grads), (*_, rgrads) = (_rnn_run(student, params, xs, dhs, h0, stateful=True),
                                 _rnn_run(ref, params, xs, dhs, h0, stateful=True))
    for i, name in enumerate(RNN_NAMES):
        _close(grads[i], rgrads[i], f"TimeRNN.grads[{i}] ({name}) {_say('after_set_state')}",
               hint=[bugs.bptt(name, grads[i], params, xs, dhs, h0), SUM_HINT, BPTT_HINT])
    # ... and from the state a stateful layer carried out of its previous forward: backward uses that h_0 too.
    earlier = rng.normal(size=xs.shape)

    def carried(module):
        layer = module.TimeRNN(*params, stateful=True)
        layer.forward(earlier)
        layer.forward(xs)
        layer.backward(dhs)
        return _grads(layer, RNN_NAMES, "TimeRNN")

    grads, rgrads = carried(student), carried(ref)
    for i, name in enumerate(RNN_NAMES):
        _close(grads[i], rgrads[i], f"TimeRNN.grads[{i}] ({name}) {_say('stateful_second')}", hint=[SUM_HINT, BPTT_HINT])


def test_time_rnn_dh_is_the_gradient_of_the_initial_state(student, ref):
    rng = draw.rng("cases")
    for stateful in (False, True):
        params, xs, dhs = _rnn_case(rng, int(rng.integers(2, 4)), 3)
        h0 = _rnn_state(rng, xs.shape[0], params[1].shape[0]) if stateful else None
        layer, *_ = _rnn_run(student, params, xs, dhs, h0, stateful)
        expected, *_ = _rnn_run(ref, params, xs, dhs, h0, stateful)
        dh = _dh(layer)
        what = _say("after_set_state") if stateful else _say("from_zeros")
        _close(dh, expected.dh, f"TimeRNN.dh {what}", hint=[bugs.bptt("dh", dh, params, xs, dhs, h0), DH_HINT])


def test_time_rnn_h_is_the_last_hidden_state_after_forward_and_backward(student, ref):
    rng = draw.rng("cases")
    for n in (2, 1):  # a batch of one too: h is (1, H), never squeezed to (H,)
        params, xs, dhs = _rnn_case(rng, n, 3)
        layer = student.TimeRNN(*params)
        layer.forward(xs)
        expected = ref.TimeRNN(*params)
        expected.forward(xs)
        hint = "hidden.time.keep_h"
        if layer.h is None:
            fail("hidden.time.h_none", hint=hint)
        where = _rnn_where(xs, params)
        _close(layer.h, expected.h, f"TimeRNN.h {_say('after_forward')} {where}", hint=hint)
        layer.backward(dhs)  # backward reads the cache: it must leave the state alone
        _close(layer.h, expected.h, f"TimeRNN.h {_say('after_backward')} {where}", hint="hidden.time.cache")


def _two_calls(module, params, first, second, stateful):
    layer = module.TimeRNN(*params, stateful=stateful)
    layer.forward(first)
    return layer.forward(second)


def test_time_rnn_stateful_layer_carries_h_into_the_next_forward(student, ref):
    rng = draw.rng("cases")
    params, first, _ = _rnn_case(rng, 2, 3)
    second = rng.normal(size=(2, int(rng.integers(1, 5)), first.shape[2]))  # the same batch, any length
    hs = _two_calls(student, params, first, second, True)
    expected = _two_calls(ref, params, first, second, True)
    _close(hs, expected, f"TimeRNN.forward(xs) {_say('stateful_second')}",
           hint=[bugs.second_forward(hs, params, first, second, True), "hidden.time.stateful"])


def test_time_rnn_layer_that_is_not_stateful_starts_from_zeros_every_time(student, ref):
    rng = draw.rng("cases")
    params, first, _ = _rnn_case(rng, 2, 3)
    for n in (2, int(rng.integers(3, 6))):  # the same batch size, then another one
        second = rng.normal(size=(n, int(rng.integers(1, 5)), first.shape[2]))
        hs = _two_calls(student, params, first, second, False)
        expected = ref.TimeRNN(*params).forward(second)
        _close(hs, expected, f"TimeRNN.forward(xs) {_say('not_stateful_second')}",
               hint=[bugs.second_forward(hs, params, first, second, False) if n == 2 else None,
                     "hidden.time.not_stateful"])
    # set_state gives the state a *stateful* forward starts from (README): this layer still starts from zeros.
    h0 = _rnn_state(rng, first.shape[0], params[1].shape[0])
    layer = student.TimeRNN(*params)
    layer.set_state(h0)
    hs = layer.forward(first)
    _close(hs, ref.TimeRNN(*params).forward(first), f"TimeRNN.forward(xs) {_say('not_stateful_set_state')}",
           hint="hidden.time.not_stateful")


def test_time_rnn_set_state_gives_the_initial_state(student, ref):
    rng = draw.rng("cases")
    params, xs, _ = _rnn_case(rng, 3, 2)
    h0 = _rnn_state(rng, 3, params[1].shape[0])
    layer = student.TimeRNN(*params, stateful=True)
    layer.set_state(h0)
    hs = layer.forward(xs)
    expected = ref.TimeRNN(*params, stateful=True)
    expected.set_state(h0)
    _close(hs, expected.forward(xs), f"TimeRNN.forward(xs) {_say('after_set_state')}", hint="hidden.time.set_state")
    # set_state gives the next forward's start only: the forward after it carries on from that forward's end
    following = rng.normal(size=(3, int(rng.integers(1, 4)), xs.shape[2]))
    hs = layer.forward(following)
    _close(hs, expected.forward(following), f"TimeRNN.forward(xs) {_say('after_set_state_second')}",
           hint="hidden.time.stateful")


def test_time_rnn_reset_state_forgets_h_and_starts_again_from_zeros(student, ref):
    rng = draw.rng("cases")
    params, first, _ = _rnn_case(rng, 2, 3)
    layer = student.TimeRNN(*params, stateful=True)
    layer.forward(first)
    layer.reset_state()
    if layer.h is not None:  # the README: reset_state() sets self.h = None
        fail("hidden.time.not_reset", hint=[hints.hint("hint.time.reset_state"), "hidden.time.reset"])
    second = rng.normal(size=(int(rng.integers(3, 6)), 2, first.shape[2]))  # a new batch size after the reset
    hs = layer.forward(second)
    _close(hs, ref.TimeRNN(*params).forward(second), f"TimeRNN.forward(xs) {_say('after_reset')}",
           hint="hidden.time.reset")
    # reset_state forgets h only: the layer is still stateful, so the next call goes on from where this one ended
    third = rng.normal(size=(second.shape[0], int(rng.integers(1, 4)), first.shape[2]))
    hs = layer.forward(third)
    _close(hs, _two_calls(ref, params, second, third, True), f"TimeRNN.forward(xs) {_say('after_reset_carry')}",
           hint=[bugs.second_forward(hs, params, second, third, True), "hidden.time.stateful"])


def test_time_rnn_reused_on_a_new_n_and_t_before_backward(student, ref):
    rng = draw.rng("cases")
    params, first, _ = _rnn_case(rng, 4, 5)
    d, h = params[0].shape
    # A shorter sequence, then a longer one than the first: nothing sized by an earlier call may stay.
    shorter = rng.normal(size=(2, 3, d))
    xs, dhs = rng.normal(size=(3, 7, d)), rng.normal(size=(3, 7, h))
    layer = student.TimeRNN(*params)
    layer.forward(first)
    layer.forward(shorter)
    hs = layer.forward(xs)
    dxs = layer.backward(dhs)
    expected = _rnn_run(ref, params, xs, dhs)
    _close(hs, expected[1], f"TimeRNN.forward(xs) {_say('second_forward')}", hint=RNN_FORWARD_HINT)
    _rnn_all((layer, hs, dxs, _grads(layer, RNN_NAMES, "TimeRNN")), expected, params, xs, dhs,
             _say("new_n_t"), hint="hidden.time.latest_forward")
    # ... and after that backward, a smaller batch of fewer steps (nothing sized by an earlier backward either)
    dhs_shorter = rng.normal(size=(2, 3, h))
    hs = layer.forward(shorter)
    dxs = layer.backward(dhs_shorter)
    _rnn_all((layer, hs, dxs, _grads(layer, RNN_NAMES, "TimeRNN")), _rnn_run(ref, params, shorter, dhs_shorter),
             params, shorter, dhs_shorter, _say("new_n_t_after_backward"), hint="hidden.time.latest_forward")


def test_time_rnn_backward_twice_gives_the_same_gradients(student, ref):
    rng = draw.rng("cases")
    params, xs, dhs = _rnn_case(rng, 2, 3)
    earlier = rng.normal(size=dhs.shape)
    expected = _rnn_run(ref, params, xs, dhs)
    *_, first = _rnn_run(ref, params, xs, earlier)
    # stateful too: the state carries across forward calls, never the gradient (each backward starts from dh = 0)
    for stateful in (False, True):
        layer = student.TimeRNN(*params, stateful=stateful)
        layer.forward(xs)
        layer.backward(earlier)
        dxs = layer.backward(dhs)
        grads = _grads(layer, RNN_NAMES, "TimeRNN")
        for i, (name, grad) in enumerate(zip(RNN_NAMES, grads)):
            _close(grad, expected[3][i], f"TimeRNN.grads[{i}] ({name}) {_say('second_backward')}",
                   hint=[hints.accumulates(grad, expected[3][i], name, first[i]), REPLACE_HINT, BPTT_HINT])
        _rnn_all((layer, None, dxs, grads), expected, params, xs, dhs, _say("second_backward"),
                 hint="hidden.time.cache")


def test_time_rnn_grads_are_written_in_place(student, ref):
    rng = draw.rng("cases")
    params, xs, dhs = _rnn_case(rng, 2, 3)
    layer = student.TimeRNN(*params)
    _same_grads(student, layer, lambda: (layer.forward(xs), layer.backward(dhs)), "TimeRNN")
    # the arrays stay the layer's for its whole life: reset_state and set_state change h only (README)
    before = student.identities(layer, "grads")
    layer.reset_state()
    layer.set_state(_rnn_state(rng, 2, params[1].shape[0]))
    layer.reset_state()
    layer.forward(xs)
    layer.backward(dhs)
    if student.identities(layer, "grads") != before:
        fail("hidden.time.rebound", what="TimeRNN.reset_state / set_state + forward + backward",
             hint="hidden.time.keep_grads")
    *_, rgrads = _rnn_run(ref, params, xs, dhs)
    for i, (name, grad) in enumerate(zip(RNN_NAMES, _grads(layer, RNN_NAMES, "TimeRNN"))):
        _close(grad, rgrads[i], f"TimeRNN.grads[{i}] ({name})", hint=SUM_HINT)


def test_time_rnn_dxs_and_dh_match_numerical_gradient(student, ref):
    rng = draw.rng("cases")
    params, xs, dhs = _rnn_case(rng, 2, 3)
    h0 = _rnn_state(rng, 2, params[1].shape[0])
    layer, _, dxs, _ = _rnn_run(student, params, xs, dhs, h0, stateful=True)
    expected, _, rdxs, _ = _rnn_run(ref, params, xs, dhs, h0, stateful=True)

    def from_state(state):
        fresh = student.TimeRNN(*params, stateful=True)
        fresh.set_state(state)
        return fresh.forward(xs)

    def from_inputs(inputs):
        fresh = student.TimeRNN(*params, stateful=True)
        fresh.set_state(h0)
        return fresh.forward(inputs)

    num = _numerical(from_inputs, xs, dhs, "TimeRNN.forward(xs)", linear=False)
    dh = _dh(layer)
    num_dh = _numerical(from_state, h0, dhs, "TimeRNN.forward(xs)", linear=False)
    _gradients({"dxs": (dxs, num), "dh": (dh, num_dh)}, "TimeRNN.backward(dhs)",
               [bugs.bptt("dxs", dxs, params, xs, dhs, h0), bugs.bptt("dh", dh, params, xs, dhs, h0), BPTT_HINT],
               {"dxs": rdxs, "dh": expected.dh})


def test_time_rnn_parameter_gradients_match_numerical_gradient(student, ref):
    rng = draw.rng("cases")
    (Wx, Wh, b), xs, dhs = _rnn_case(rng, 2, 3)
    *_, grads = _rnn_run(student, (Wx, Wh, b), xs, dhs)
    *_, rgrads = _rnn_run(ref, (Wx, Wh, b), xs, dhs)
    builds = [lambda v: student.TimeRNN(v, Wh, b), lambda v: student.TimeRNN(Wx, v, b),
              lambda v: student.TimeRNN(Wx, Wh, v)]
    checks, reference, hint = {}, {}, []
    for i, (name, build, param) in enumerate(zip(RNN_NAMES, builds, (Wx, Wh, b))):
        num = _numerical(lambda v, build=build: build(v).forward(xs), param, dhs, "TimeRNN.forward(xs)",
                         linear=False)  # build bound now: the check evaluates it after the loop
        checks[f"grads[{i}] ({name})"] = (grads[i], num)
        reference[f"grads[{i}] ({name})"] = rgrads[i]
        hint.append(bugs.bptt(name, grads[i], (Wx, Wh, b), xs, dhs))
    _gradients(checks, "TimeRNN.backward(dhs)", [*hint, SUM_HINT, BPTT_HINT], reference)


# -- TimeAffine ----------------------------------------------------------------------------

AFFINE_NAMES = ("dW", "db")
AFFINE_HINT = "hidden.time.affine"
AFFINE_BACK_HINT = "hidden.time.affine_back"


def _affine_case(rng, n, t, m=None):
    """((W (D, M), b (M,)), x (N, T, D), dout (N, T, M)): D != M unless M is given."""
    d, m2 = _dims(rng)
    m = m2 if m is None else m
    return (rng.normal(size=(d, m)), rng.normal(size=m)), rng.normal(size=(n, t, d)), rng.normal(size=(n, t, m))


def _affine_cases(rng):
    """A batch of one with a single step, odd sizes, a single output."""
    return [_affine_case(rng, 1, 1), _affine_case(rng, int(rng.integers(2, 5)), int(rng.integers(3, 7))),
            _affine_case(rng, int(rng.integers(2, 4)), int(rng.integers(2, 4)), m=1)]


def _affine_run(module, params, x, dout):
    layer = module.TimeAffine(*params)
    out = layer.forward(x)
    dx = layer.backward(dout)
    return layer, out, dx, _grads(layer, AFFINE_NAMES, "TimeAffine")


def _affine_where(params, x):
    (n, t, d), m = x.shape, params[0].shape[1]
    return _say("affine_where", n=n, t=t, d=d, m=m)


def _affine_hints(params, x, dout, out=None, db=None):
    """The bug hints of TimeAffine for its output or its db."""
    (W, b), (n, t, d), m = params, x.shape, params[0].shape[1]
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
    for params, x, dout in _affine_cases(draw.rng("cases")):
        out = student.TimeAffine(*params).forward(x)
        _close(out, ref.TimeAffine(*params).forward(x), f"TimeAffine.forward(x) {_affine_where(params, x)}",
               hint=[*_affine_hints(params, x, dout, out=out), AFFINE_HINT])


def test_time_affine_backward_dx_matches_reference(student, ref):
    for params, x, dout in _affine_cases(draw.rng("cases")):
        (_, _, dx, _), (_, _, rdx, _) = _affine_run(student, params, x, dout), _affine_run(ref, params, x, dout)
        _close(dx, rdx, f"TimeAffine.backward(dout) {_affine_where(params, x)}", hint="hidden.time.affine_dx")


def test_time_affine_dw_matches_reference(student, ref):
    for params, x, dout in _affine_cases(draw.rng("cases")):
        (*_, grads), (*_, rgrads) = _affine_run(student, params, x, dout), _affine_run(ref, params, x, dout)
        _close(grads[0], rgrads[0], f"TimeAffine.grads[0] (dW) {_affine_where(params, x)}", hint="hidden.time.affine_dW")


def test_time_affine_db_sums_over_batch_and_time(student, ref):
    for params, x, dout in _affine_cases(draw.rng("cases")):
        (*_, grads), (*_, rgrads) = _affine_run(student, params, x, dout), _affine_run(ref, params, x, dout)
        _close(grads[1], rgrads[1], f"TimeAffine.grads[1] (db) {_affine_where(params, x)}",
               hint=[*_affine_hints(params, x, dout, db=grads[1]), "hidden.time.affine_db"])


def _affine_all(got, expected, what, hint):
    layer, _, dx, grads = got
    _close(dx, expected[2], f"TimeAffine.backward(dout) {what}", hint=hint)
    for i, name in enumerate(AFFINE_NAMES):
        _close(grads[i], expected[3][i], f"TimeAffine.grads[{i}] ({name}) {what}", hint=hint)


def test_time_affine_reused_on_a_new_n_and_t_before_backward(student, ref):
    rng = draw.rng("cases")
    params, first, _ = _affine_case(rng, 4, 5)
    d, m = params[0].shape
    x, dout = rng.normal(size=(2, 3, d)), rng.normal(size=(2, 3, m))
    layer = student.TimeAffine(*params)
    layer.forward(first)
    out = layer.forward(x)
    dx = layer.backward(dout)
    expected = _affine_run(ref, params, x, dout)
    _close(out, expected[1], f"TimeAffine.forward(x) {_say('second_forward')}", hint=AFFINE_HINT)
    _affine_all((layer, out, dx, _grads(layer, AFFINE_NAMES, "TimeAffine")), expected, _say("new_n_t"),
                "hidden.time.latest_forward")
    # ... and after that backward, the larger N and T again (nothing sized by an earlier backward may stay)
    dout = rng.normal(size=(*first.shape[:2], m))
    out = layer.forward(first)
    dx = layer.backward(dout)
    _affine_all((layer, out, dx, _grads(layer, AFFINE_NAMES, "TimeAffine")), _affine_run(ref, params, first, dout),
                _say("new_n_t_after_backward"), "hidden.time.latest_forward")


def test_time_affine_backward_twice_gives_the_same_gradients(student, ref):
    rng = draw.rng("cases")
    params, x, dout = _affine_case(rng, 2, 3)
    earlier = rng.normal(size=dout.shape)
    layer = student.TimeAffine(*params)
    layer.forward(x)
    layer.backward(earlier)
    dx = layer.backward(dout)
    expected = _affine_run(ref, params, x, dout)
    *_, first = _affine_run(ref, params, x, earlier)
    grads = _grads(layer, AFFINE_NAMES, "TimeAffine")
    for i, name in enumerate(AFFINE_NAMES):
        _close(grads[i], expected[3][i], f"TimeAffine.grads[{i}] ({name}) {_say('second_backward')}",
               hint=[hints.accumulates(grads[i], expected[3][i], name, first[i]), REPLACE_HINT])
    _affine_all((layer, None, dx, grads), expected, _say("second_backward"), "hidden.time.cache")


def test_time_affine_grads_are_written_in_place(student, ref):
    rng = draw.rng("cases")
    params, x, dout = _affine_case(rng, 2, 3)
    layer = student.TimeAffine(*params)
    _same_grads(student, layer, lambda: (layer.forward(x), layer.backward(dout)), "TimeAffine")
    *_, rgrads = _affine_run(ref, params, x, dout)
    for i, (name, grad) in enumerate(zip(AFFINE_NAMES, _grads(layer, AFFINE_NAMES, "TimeAffine"))):
        _close(grad, rgrads[i], f"TimeAffine.grads[{i}] ({name})", hint="hidden.time.affine_db" if i else "hidden.time.affine_dW")


def test_time_affine_gradients_match_numerical_gradient(student, ref):
    rng = draw.rng("cases")
    (W, b), x, dout = _affine_case(rng, 2, 3)
    _, _, dx, grads = _affine_run(student, (W, b), x, dout)
    _, _, rdx, rgrads = _affine_run(ref, (W, b), x, dout)
    checks, reference = {}, {}
    for what, analytic, expected, f, point in [
        ("TimeAffine.backward(dout)", dx, rdx, lambda v: student.TimeAffine(W, b).forward(v), x),
        ("TimeAffine.grads[0] (dW)", grads[0], rgrads[0], lambda v: student.TimeAffine(v, b).forward(x), W),
        ("TimeAffine.grads[1] (db)", grads[1], rgrads[1], lambda v: student.TimeAffine(W, v).forward(x), b),
    ]:
        checks[what] = (analytic, _numerical(f, point, dout, "TimeAffine.forward(x)"))
        reference[what] = expected
    _gradients(checks, "TimeAffine.backward(dout)", AFFINE_BACK_HINT, reference)
