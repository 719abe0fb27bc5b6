"""Hidden tests for 08_rnnlm: TimeSoftmaxWithLoss, SimpleRnnlm, truncated_batches, perplexity, train, bptt.

The property matrix these tests cover is docs/property-matrix/08_rnnlm.md.

The time layers of 06 in the student's file are not graded here: while
SimpleRnnlm is tested, the reference TimeEmbedding, TimeRNN, TimeAffine and
TimeSoftmaxWithLoss take their place, and while train and perplexity are
tested, the reference SimpleRnnlm and truncated_batches (manifest
uses_reference), so one mistake costs points once. Models are built on both
sides from the same constructor arguments (the constructor's draws are given
and seeded), so the student's model and the reference start from the same
arrays without any copying.

Inputs are drawn per submission (hidden/draw.py): sizes from small ranges, with
N != T (a mean over the wrong axis cannot pass) and V != H; corpora of drawn
word ids whose length leaves a remainder (a count of windows computed from L
instead of L - 1 is one off on some draws and is drawn to be); targets of -1 at
drawn places, never all of them; corpora too short for one window (K = 0)
next to those of exactly one; large scores whose rows lie 1000 apart (one
shift for the whole batch underflows a row); int8 and int16 targets at
N * T * V past the dtype's range (a flat index in their dtype overflows).
perplexity's cases are chosen among drawn ones so that its two mistakes show
by 1 % or more (SPREAD): window losses that spread (the mean of their exp is
not exp of their mean) and a state, left by an earlier forward, that changes
the result. The README's published figure (the shipped corpus, the published
settings) stays fixed, always next to a drawn seed.

Tolerances are the engine's (checks.assert_close: rtol 1e-4 and 1e-4 of the
expected value's scale), the same for every submission. The textbook's
TimeSoftmaxWithLoss in float32 uses under 1 % of it on the shapes drawn here.
Central differences: the student's own TimeSoftmaxWithLoss.forward, on N = 2,
T = 3 (so the gradient's entries, divided by K <= 6, stay well above a float32
forward's rounding), with steps of 5e-2 and 1e-1 combined by Richardson
extrapolation, (4 D(h) - D(2h)) / 3, which cancels the h ** 2 error: a float32
forward's rounding (about 1e-7 of a loss near 2, divided by 0.1) then stays
near 1e-6 of the gradient, where a single step of 1e-3 gave errors of 1e-4
against a floor of 1e-3 (the float32 variant failed it); bptt against
central differences of the truncated loss the README defines, computed here
(float64, step 1e-4), so that check needs no degeneracy guard. Both go along
random directions first (autograder/directional.py), extrapolated: at the
same steps for TimeSoftmaxWithLoss (largest error along a direction over the
suite's correct submissions, 12 draws each: 1.3e-3 of the 2e-3 allowed, a
float32 forward), and from BPTT_ALONG_STEP = 1e-3 for the truncated loss
(at most 1e-5).
"""

import numpy as np

from autograder import hints
from autograder.assertions import assert_close, fail, kind_of, not_an_array
from autograder.directional import Numerical, check_gradients
from autograder.round_trips import evaluate_all
from autograder.hidden import draw
from autograder.messages import text
from autograder.bugs import rnnlm as bugs

LOSS_HINT = "hidden.rnnlm.loss"
IGNORE_HINT = "hidden.rnnlm.ignore"
BACKWARD_HINT = "hidden.rnnlm.backward"
MODEL_HINT = "hidden.rnnlm.model"
STATE_HINT = "hidden.rnnlm.state"
BATCHES_HINT = "hidden.rnnlm.batches"
TRAIN_HINT = "hidden.rnnlm.train"
BPTT_HINT = "hidden.rnnlm.bptt"
BPTT_STEP = 1e-4
BPTT_ALONG_STEP = 1e-3  # along a direction, extrapolated: truncation far below the allowed error
# Module attributes that hold the test's xs and ts in the worker while forward and backward run on them
SCORES_KEPT, TARGETS_KEPT = "_hidden_test_scores", "_hidden_test_targets"
SOFTMAX_STEP = 5e-2  # with Richardson extrapolation: see the module docstring
# The README's published training: the shipped corpus, SimpleRnnlm(V, 10, 10, seed=0), N 5, T 5, lr 0.5, 20 epochs.
# perplexity's cases where averaging the wrong thing or keeping a stale state shows: off by 1 % or more
# (the tolerance is 1e-4); on most drawn cases of an untrained model both stay under 1e-3
SPREAD = 1e-2
DRAWS_FOR_A_SPREAD = 200
PUBLISHED = {"wordvec": 10, "hidden": 10, "seed": 0, "batch_size": 5, "time_size": 5, "lr": 0.5, "epochs": 20}


def _say(key, **fields):
    return text(f"hidden.rnnlm.{key}", **fields)




def _array(actual, expected, what, hint=None):
    if not isinstance(actual, np.ndarray):
        not_an_array(actual, what, hint)
    assert_close(actual, expected, what, hint=hint)


def _number(value, expected, what, hint=None):
    """One number (a float, a numpy scalar or a 0-d array) close to the reference's."""
    if not (isinstance(value, (int, float, np.integer, np.floating)) or
            (isinstance(value, np.ndarray) and value.shape == ())):
        shape = getattr(value, "shape", None)
        fail("hidden.rnnlm.not_a_number", what=what, kind=kind_of(value) if shape is None else f"{kind_of(value)} {shape}",
             hint=hint)
    assert_close(value, float(expected), what, hint=hint)


def _list(value, count, what, hint=None):
    if not isinstance(value, (list, tuple)):
        fail("hidden.rnnlm.not_a_list", what=what, kind=kind_of(value), hint=hint)
    if len(value) != count:
        fail("hidden.rnnlm.list_length", what=what, count=len(value), expected=count, hint=hint)
    return list(value)


# -- TimeSoftmaxWithLoss -------------------------------------------------------------

def _scores(rng, n, t, v, scale=2.0):
    return rng.normal(scale=scale, size=(n, t, v))


def _targets(rng, n, t, v, ignored=0):
    """(N, T) ids in 0..V-1 with `ignored` of them -1 (never all)."""
    ts = rng.integers(0, v, size=(n, t))
    if ignored:
        flat = ts.reshape(-1)
        flat[rng.choice(flat.size, size=min(ignored, flat.size - 1), replace=False)] = -1
    return ts


def _sizes(rng):
    """(N, T, V): N != T, a batch of one with one step, then larger odd ones."""
    n, t = rng.choice(np.arange(2, 7), size=2, replace=False)
    return [(int(n), int(t), int(rng.integers(3, 9))), (1, 1, int(rng.integers(3, 9))),
            (int(rng.integers(2, 5)), 1, int(rng.integers(3, 9)))]


def _ignored(ts):
    return _say("with_ignored", count=int(np.sum(ts == -1)), total=ts.size)


def _softmax_where(xs):
    n, t, v = xs.shape
    return _say("scores_where", n=n, t=t, v=v)


def _softmax_run(module, xs, ts, dout=None):
    layer = module.TimeSoftmaxWithLoss()
    loss = layer.forward(xs, ts)
    dxs = layer.backward() if dout is None else layer.backward(dout)
    return layer, loss, dxs


def test_time_softmax_loss_forward_is_the_mean_over_every_target(student, ref):
    rng = draw.rng("cases")
    for n, t, v in _sizes(rng):
        xs, ts = _scores(rng, n, t, v), _targets(rng, n, t, v)
        loss = student.TimeSoftmaxWithLoss().forward(xs, ts)
        _number(loss, ref.TimeSoftmaxWithLoss().forward(xs, ts), f"TimeSoftmaxWithLoss.forward(xs, ts) {_softmax_where(xs)}",
                hint=[bugs.loss_mean(loss, xs, ts), LOSS_HINT])


def test_time_softmax_loss_ignores_targets_of_minus_one(student, ref):
    rng = draw.rng("cases")
    for n, t, v in _sizes(rng)[::2]:
        xs, ts = _scores(rng, n, t, v), _targets(rng, n, t, v, ignored=int(rng.integers(1, n * t)))
        loss = student.TimeSoftmaxWithLoss().forward(xs, ts)
        _number(loss, ref.TimeSoftmaxWithLoss().forward(xs, ts),
                f"TimeSoftmaxWithLoss.forward(xs, ts) {_ignored(ts)}",
                hint=[bugs.loss_mean(loss, xs, ts), IGNORE_HINT])


def test_time_softmax_loss_backward_matches_reference(student, ref):
    rng = draw.rng("cases")
    for (n, t, v), dout in zip(_sizes(rng), (None, float(rng.uniform(1.5, 3.0)), None)):
        xs, ts = _scores(rng, n, t, v), _targets(rng, n, t, v)
        _, _, dxs = _softmax_run(student, xs, ts, dout)
        _, _, rdxs = _softmax_run(ref, xs, ts, dout)
        _array(dxs, rdxs, f"TimeSoftmaxWithLoss.backward({'' if dout is None else 'dout'}) {_softmax_where(xs)}",
               hint=[bugs.dxs_mean(dxs, xs, ts, 1.0 if dout is None else dout), BACKWARD_HINT])
    # Two layers side by side: another layer's forward between this layer's forward and backward changes
    # nothing here (a cache kept on the class or the module is shared by every layer).
    two = draw.rng("two_layers")
    n, t, v = _sizes(two)[0]
    xs, ts = _scores(two, n, t, v), _targets(two, n, t, v)
    other = _scores(two, n + 1, t, v), _targets(two, n + 1, t, v)
    layer = student.TimeSoftmaxWithLoss()
    layer.forward(xs, ts)
    student.TimeSoftmaxWithLoss().forward(*other)
    dxs = layer.backward()
    _array(dxs, _softmax_run(ref, xs, ts)[2], f"TimeSoftmaxWithLoss.backward() {_say('other_layer_between')}",
           hint="hidden.rnnlm.own_cache")


def test_time_softmax_loss_backward_gives_ignored_targets_no_gradient(student, ref):
    rng = draw.rng("cases")
    n, t, v = _sizes(rng)[0]
    xs, ts = _scores(rng, n, t, v), _targets(rng, n, t, v, ignored=int(rng.integers(1, n * t)))
    _, _, dxs = _softmax_run(student, xs, ts)
    _, _, rdxs = _softmax_run(ref, xs, ts)
    _array(dxs, rdxs, f"TimeSoftmaxWithLoss.backward() {_ignored(ts)}",
           hint=[bugs.dxs_mean(dxs, xs, ts), IGNORE_HINT])


def test_time_softmax_loss_gradient_matches_numerical_gradient(student, ref):
    rng = draw.rng("cases")
    n, t, v = 2, 3, int(rng.integers(3, 9))
    xs, ts = _scores(rng, n, t, v, scale=1.0), _targets(rng, n, t, v, ignored=1)
    _, _, dxs = _softmax_run(student, xs, ts)
    _, _, rdxs = _softmax_run(ref, xs, ts)

    num = Numerical(lambda s: student.TimeSoftmaxWithLoss().forward(s, ts), xs, None,
                    "TimeSoftmaxWithLoss.forward(xs, ts)", step=SOFTMAX_STEP, extrapolated=True)  # Richardson
    check_gradients({"dxs": (dxs, num)}, "TimeSoftmaxWithLoss.backward()", hint=BACKWARD_HINT,
                     reference={"dxs": rdxs})


def _scales_apart(rng, n, t):
    """(N, T, 1) offsets of -c, 0 or +c per row, c near 1000; at least one row at +c and one at -c or 0.

    exp overflows without a shift; with one shift for the whole batch (its largest
    score), or for each sequence, instead of each row's own, a row 1000 below it
    underflows to exp = 0 everywhere, and its loss to log(0).
    """
    sides = rng.choice([-1.0, 0.0, 1.0], size=n * t)
    high, low = rng.choice(n * t, size=2, replace=False)
    sides[high], sides[low] = 1.0, rng.choice([-1.0, 0.0])
    # The sequence of the row at +c holds a row below it too (T >= 2 here), so that one shift per
    # sequence (its largest score) underflows that row as well; no draw is taken for it.
    mate = (high // t) * t + (high % t + 1) % t
    if t > 1 and sides[mate] == 1.0:
        sides[mate] = 0.0
    return (sides * rng.uniform(800, 1200, size=n * t)).reshape(n, t, 1)


def test_time_softmax_loss_is_finite_and_right_for_large_scores(student, ref):
    rng = draw.rng("cases")
    n, t, v = _sizes(rng)[0]
    xs = _scores(rng, n, t, v) + _scales_apart(rng, n, t)
    ts = _targets(rng, n, t, v)
    layer, loss, dxs = _softmax_run(student, xs, ts)
    _, rloss, rdxs = _softmax_run(ref, xs, ts)
    what = _say("large_scores", n=n, t=t, v=v)
    _number(loss, rloss, f"TimeSoftmaxWithLoss.forward(xs, ts) {what}", hint="hidden.rnnlm.stable")
    _array(dxs, rdxs, f"TimeSoftmaxWithLoss.backward() {what}", hint="hidden.rnnlm.stable")
    # Targets far below their row's largest score (30 to 60 below: a probability of 1e-26 to 1e-13, which
    # float32 holds too): each costs its full -log y, which a guard such as log(y + 1e-7) caps near 16.
    far = draw.rng("far_targets")
    xs = _scores(far, n, t, v) + _scales_apart(far, n, t)
    rows = xs.reshape(n * t, v)
    flat = ts.reshape(n * t)
    rows[np.arange(n * t), flat] = rows.max(axis=1) - far.uniform(30, 60, size=n * t)
    _, loss, dxs = _softmax_run(student, xs, ts)
    _, rloss, rdxs = _softmax_run(ref, xs, ts)
    what = _say("far_targets", n=n, t=t, v=v)
    _number(loss, rloss, f"TimeSoftmaxWithLoss.forward(xs, ts) {what}", hint="hidden.rnnlm.exact_log")
    _array(dxs, rdxs, f"TimeSoftmaxWithLoss.backward() {what}", hint="hidden.rnnlm.exact_log")


def _wide_vocabulary(rng, n, t, dtype):
    """An odd V < the dtype's largest value with N * T * V past it (a flat index N * T * V in the dtype overflows).

    V odd: N * T * V is then no multiple of 2 ** bits, where a wrapped flat index would
    land on the right entry again through negative indexing.
    """
    top = np.iinfo(dtype).max
    low = -(-2 * (top + 1) // (n * t))  # N * T * V at least twice the range
    return min(int(rng.integers(low, low + 40)) | 1, top - (top % 2 == 0))


def _dtype_sizes(rng, dtype):
    """(N, T, V) for targets of `dtype`: drawn as elsewhere, and V wide where the flat index could overflow."""
    n, t, v = _sizes(rng)[0]
    if dtype == np.int16:
        n, t = int(rng.integers(4, 9)), int(rng.integers(20, 33))  # N * T * V near 65536: 0.5 MB of scores
    if dtype in (np.int8, np.int16):
        v = _wide_vocabulary(rng, n, t, dtype)
    return n, t, v


def _favour_targets(xs, ts, by=6.0):
    """Raise each counted target's score by `by`, as a trained model's scores do (in place).

    A probability read from any other entry is then smaller than the target's, so
    reading wrong entries moves the loss one way: a few hundred of them cannot cancel out.
    """
    n, t = np.nonzero(ts != -1)
    xs[n, t, ts[n, t]] += by


def test_time_softmax_loss_takes_targets_of_any_signed_integer_dtype(student, ref):
    rng = draw.rng("cases")
    for dtype in (np.int8, np.int16, np.int32, np.int64):
        n, t, v = _dtype_sizes(rng, dtype)
        xs, ts = _scores(rng, n, t, v), _targets(rng, n, t, v, ignored=1).astype(dtype)
        _favour_targets(xs, ts)
        _, loss, dxs = _softmax_run(student, xs, ts)
        _, rloss, rdxs = _softmax_run(ref, xs, ts)
        where = _say("targets_of", dtype=np.dtype(dtype).name)
        _number(loss, rloss, f"TimeSoftmaxWithLoss.forward(xs, ts) {where}", hint=[LOSS_HINT, "hidden.rnnlm.int_ids"])
        _array(dxs, rdxs, f"TimeSoftmaxWithLoss.backward() {where}", hint=[BACKWARD_HINT, "hidden.rnnlm.int_ids"])


def test_time_softmax_loss_reused_on_a_new_n_and_t_before_backward(student, ref):
    rng = draw.rng("cases")
    (n, t, v), (n2, t2, _) = _sizes(rng)[0], _sizes(rng)[2]
    first = _scores(rng, n, t, v), _targets(rng, n, t, v)
    xs, ts = _scores(rng, n2, t2, v), _targets(rng, n2, t2, v)
    layer = student.TimeSoftmaxWithLoss()
    layer.forward(*first)
    loss = layer.forward(xs, ts)
    dxs = layer.backward()
    _, rloss, rdxs = _softmax_run(ref, xs, ts)
    _number(loss, rloss, f"TimeSoftmaxWithLoss.forward(xs, ts) {_say('second_forward')}", hint=LOSS_HINT)
    _array(dxs, rdxs, f"TimeSoftmaxWithLoss.backward() {_say('new_n_t')}", hint="hidden.rnnlm.latest_forward")


def test_time_softmax_loss_leaves_scores_and_targets_unmodified(student, ref):
    rng = draw.rng("cases")
    n, t, v = _sizes(rng)[0]
    xs, ts = _scores(rng, n, t, v), _targets(rng, n, t, v, ignored=2)
    layer = student.TimeSoftmaxWithLoss()
    loss = layer.forward(xs, ts)
    changed = student.mutated_arguments()
    _number(loss, ref.TimeSoftmaxWithLoss().forward(xs, ts), "TimeSoftmaxWithLoss.forward(xs, ts)", hint=LOSS_HINT)
    if changed:
        fail("hidden.rnnlm.changed_inputs", hint="hidden.rnnlm.inputs")
    dxs = layer.backward()
    _array(dxs, _softmax_run(ref, xs, ts)[2], "TimeSoftmaxWithLoss.backward()", hint=BACKWARD_HINT)
    kept_xs, kept_ts = _inputs_after_backward(student, xs, ts)
    if not (np.array_equal(kept_xs, xs) and np.array_equal(kept_ts, ts)):
        fail("hidden.rnnlm.changed_inputs_backward", hint="hidden.rnnlm.inputs")


def _inputs_after_backward(student, xs, ts):
    """The worker's own xs and ts as they are after forward(xs, ts) and backward(): one program.

    Arguments cross as copies, so the copies a layer keeps from forward are only
    seen by reading them in the worker after backward: the test parks xs and ts on
    the student's module, passes those very arrays to forward, and reads them back
    at the end of the same program (round_trips.evaluate_all records the steps).
    """
    def run(which):  # a program returns one value per evaluation: xs (0) or ts (1), each its own forward
        setattr(student, SCORES_KEPT, xs)
        setattr(student, TARGETS_KEPT, ts)
        kept = getattr(student, SCORES_KEPT), getattr(student, TARGETS_KEPT)
        layer = student.TimeSoftmaxWithLoss()
        layer.forward(*kept)
        layer.backward()
        return kept[which]

    kept_xs, kept_ts = evaluate_all(run, [0, 1])
    return kept_xs, kept_ts


def test_time_softmax_loss_returns_one_number(student, ref):
    rng = draw.rng("cases")
    n, t, v = _sizes(rng)[0]
    xs, ts = _scores(rng, n, t, v), _targets(rng, n, t, v)
    loss = student.TimeSoftmaxWithLoss().forward(xs, ts)
    if isinstance(loss, np.ndarray) and loss.shape != ():
        fail("hidden.rnnlm.not_a_number", what="TimeSoftmaxWithLoss.forward(xs, ts)", kind=f"ndarray {loss.shape}",
             hint="hidden.rnnlm.one_number")
    _number(loss, ref.TimeSoftmaxWithLoss().forward(xs, ts), "TimeSoftmaxWithLoss.forward(xs, ts)",
            hint="hidden.rnnlm.one_number")


# -- SimpleRnnlm ----------------------------------------------------------------------

PARAM_NAMES = ("embed W", "Wx", "Wh", "b", "affine W", "affine b")


def _model_sizes(rng):
    """(V, D, H, seed): V, D and H all different."""
    v, d, h = rng.choice(np.arange(3, 10), size=3, replace=False)
    return int(v), int(d), int(h), int(rng.integers(0, 2**31 - 1))


def _windows(rng, v, n, t, count):
    """`count` windows (xs, ts) of word ids, each (N, T)."""
    return [(rng.integers(0, v, size=(n, t)), rng.integers(0, v, size=(n, t))) for _ in range(count)]


def _model_where(sizes, n, t):
    v, d, h, _ = sizes
    return _say("model_where", v=v, d=d, h=h, n=n, t=t)


def _nt(rng):
    n, t = rng.choice(np.arange(2, 6), size=2, replace=False)
    return int(n), int(t)


def _grads_of(model, what):
    return _list(model.grads, 6, f"{what}.grads", hint="hidden.rnnlm.params")


def _check_grads(grads, rgrads, what, hint):
    for i, (name, grad) in enumerate(zip(PARAM_NAMES, grads)):
        _array(grad, rgrads[i], f"SimpleRnnlm.grads[{i}] ({name}) {what}", hint=hint)


def test_simple_rnnlm_forward_matches_reference(student, ref):
    rng = draw.rng("cases")
    for n, t in (_nt(rng), (1, 1)):
        sizes = _model_sizes(rng)
        (xs, ts), = _windows(rng, sizes[0], n, t, 1)
        loss = student.SimpleRnnlm(*sizes).forward(xs, ts)
        _number(loss, ref.SimpleRnnlm(*sizes).forward(xs, ts), f"SimpleRnnlm.forward(xs, ts) {_model_where(sizes, n, t)}",
                hint=MODEL_HINT)


def _check_params(student, ref, rng, also=None):
    """A new model's six params against the reference's, then `also(model)`, then a forward on the same params."""
    sizes = _model_sizes(rng)
    model, expected = student.SimpleRnnlm(*sizes), ref.SimpleRnnlm(*sizes)
    params = _list(model.params, 6, "SimpleRnnlm.params", hint="hidden.rnnlm.params")
    for i, (name, param) in enumerate(zip(PARAM_NAMES, params)):
        _array(param, expected.params[i], f"SimpleRnnlm.params[{i}] ({name})", hint="hidden.rnnlm.params")
    if also is not None:
        also(model)
    n, t = _nt(rng)
    (xs, ts), = _windows(rng, sizes[0], n, t, 1)
    _number(model.forward(xs, ts), expected.forward(xs, ts), f"SimpleRnnlm.forward(xs, ts) {_model_where(sizes, n, t)}",
            hint=MODEL_HINT)


def test_simple_rnnlm_params_are_the_six_arrays_in_order(student, ref):
    _check_params(student, ref, draw.rng("cases"))


def test_simple_rnnlm_params_are_the_layers_own_arrays(student, ref):
    """train updates model.params in place: only the layers' own arrays (not copies) pass the update on."""

    def held_by_the_layers(model):
        layers = _list(model.layers, 3, "SimpleRnnlm.layers", hint=MODEL_HINT)
        held = [identity for layer in layers for identity in student.identities(layer, "params")]
        if sorted(student.identities(model, "params")) != sorted(held):
            fail("hidden.rnnlm.params_not_the_layers", hint="hidden.rnnlm.params")

    _check_params(student, ref, draw.rng("cases"), also=held_by_the_layers)


def test_simple_rnnlm_backward_matches_reference(student, ref):
    rng = draw.rng("cases")
    for n, t in (_nt(rng), (1, 1)):
        sizes = _model_sizes(rng)
        (xs, ts), = _windows(rng, sizes[0], n, t, 1)
        model, expected = student.SimpleRnnlm(*sizes), ref.SimpleRnnlm(*sizes)
        model.forward(xs, ts)
        model.backward()
        expected.forward(xs, ts)
        expected.backward()
        _check_grads(_grads_of(model, "SimpleRnnlm"), expected.grads, _model_where(sizes, n, t), BACKWARD_HINT)


def test_simple_rnnlm_backward_scales_with_dout(student, ref):
    rng = draw.rng("cases")
    sizes, (n, t) = _model_sizes(rng), _nt(rng)
    (xs, ts), = _windows(rng, sizes[0], n, t, 1)
    dout = float(rng.uniform(1.5, 3.0))
    model, expected = student.SimpleRnnlm(*sizes), ref.SimpleRnnlm(*sizes)
    model.forward(xs, ts)
    model.backward(dout)
    expected.forward(xs, ts)
    expected.backward(dout)
    _check_grads(_grads_of(model, "SimpleRnnlm"), expected.grads, _say("with_dout"), "hidden.rnnlm.dout")


def _carried(module, sizes, windows, backward=False):
    """The losses of one model over consecutive windows; with backward, a backward after each, as in training."""
    model = module.SimpleRnnlm(*sizes)
    losses = []
    for xs, ts in windows:
        losses.append(model.forward(xs, ts))
        if backward:
            model.backward()
    return model, losses


def test_simple_rnnlm_carries_the_hidden_state_into_the_next_window(student, ref):
    """Forward after forward, then forward after backward: backward cuts the gradient, not the state (README)."""
    rng = draw.rng("cases")
    sizes, (n, t) = _model_sizes(rng), _nt(rng)
    windows = _windows(rng, sizes[0], n, t, 3)
    for backward in (False, True):
        _check_carried(student, ref, sizes, windows, backward)


def _check_carried(student, ref, sizes, windows, backward):
    _, losses = _carried(student, sizes, windows, backward)
    _, expected = _carried(ref, sizes, windows, backward)
    for k in range(1, 3):
        fresh = ref.SimpleRnnlm(*sizes).forward(*windows[k])
        hint = ["hidden.rnnlm.backward_keeps_state" if backward else bugs.state_not_carried(losses[k], fresh, expected[k]),
                STATE_HINT]
        what = f"SimpleRnnlm.forward(xs, ts) {_say('window', k=k)}" + (f" {_say('after_backward')}" if backward else "")
        _number(losses[k], expected[k], what, hint=hint)
        # The given constructor's word vectors are randn / 100, so the carried state moves the loss by
        # little: also within 1 % of how far the reference's carried loss is from a fresh one (the
        # loss comes from the reference layers in float64, exact to 1e-12 for a right wiring).
        assert_close(losses[k], expected[k], what, hint=hint,
                     rtol=0, atol=max(0.01 * abs(float(expected[k]) - float(fresh)), 1e-12))


def test_simple_rnnlm_backward_stops_at_the_window_edge(student, ref):
    rng = draw.rng("cases")
    sizes, (n, t) = _model_sizes(rng), _nt(rng)
    windows = _windows(rng, sizes[0], n, t, 2)
    model, _ = _carried(student, sizes, windows)
    model.backward()
    expected, _ = _carried(ref, sizes, windows)
    expected.backward()
    _check_grads(_grads_of(model, "SimpleRnnlm"), expected.grads, _say("after_two_windows"), [STATE_HINT, BACKWARD_HINT])


def test_simple_rnnlm_reset_state_starts_again_from_zeros(student, ref):
    rng = draw.rng("cases")
    sizes, (n, t) = _model_sizes(rng), _nt(rng)
    (first,) = _windows(rng, sizes[0], n, t, 1)
    model = student.SimpleRnnlm(*sizes)
    model.forward(*first)
    model.reset_state()
    (xs, ts), = _windows(rng, sizes[0], n + 1, t, 1)  # a new batch size: nothing of the old state may remain
    expected = ref.SimpleRnnlm(*sizes)
    _number(model.forward(xs, ts), expected.forward(xs, ts),
            f"SimpleRnnlm.forward(xs, ts) {_say('after_reset')}", hint="hidden.rnnlm.reset")
    # The gradients after the reset land in model.grads: reset_state forgets the state and keeps the layers
    # (a new TimeRNN would hold new gradient arrays, which grads does not list).
    model.backward()
    expected.backward()
    _check_grads(_grads_of(model, "SimpleRnnlm"), expected.grads, _say("after_reset"),
                 "hidden.rnnlm.reset_keeps_layers")


def test_simple_rnnlm_windows_of_one_step(student, ref):
    rng = draw.rng("cases")
    sizes = _model_sizes(rng)
    windows = _windows(rng, sizes[0], int(rng.integers(2, 5)), 1, 4)
    model, losses = _carried(student, sizes, windows)
    model.backward()
    expected, rlosses = _carried(ref, sizes, windows)
    expected.backward()
    for k, (loss, rloss) in enumerate(zip(losses, rlosses)):
        _number(loss, rloss, f"SimpleRnnlm.forward(xs, ts) {_say('one_step_window', k=k)}", hint=STATE_HINT)
    _check_grads(_grads_of(model, "SimpleRnnlm"), expected.grads, _say('one_step_window', k=3), BACKWARD_HINT)


def test_simple_rnnlm_grads_are_written_in_place(student, ref):
    rng = draw.rng("cases")
    sizes, (n, t) = _model_sizes(rng), _nt(rng)
    (xs, ts), = _windows(rng, sizes[0], n, t, 1)
    model = student.SimpleRnnlm(*sizes)
    before = student.identities(model, "grads")
    model.forward(xs, ts)
    model.backward()
    if student.identities(model, "grads") != before:
        fail("hidden.rnnlm.rebound", hint=hints.rebound())
    expected = ref.SimpleRnnlm(*sizes)
    expected.forward(xs, ts)
    expected.backward()
    _check_grads(_grads_of(model, "SimpleRnnlm"), expected.grads, "", "hidden.rnnlm.params")


# -- truncated_batches ---------------------------------------------------------------

def _corpus(rng, v=None, length=None):
    """Word ids: V from 4 to 12, a length from 30 to 80."""
    v = int(rng.integers(4, 13)) if v is None else v
    length = int(rng.integers(30, 81)) if length is None else length
    return rng.integers(0, v, size=length), v


def _batch_sizes(rng):
    """(N, T) with N != T, both from 2 to 5."""
    return _nt(rng)


def _batches(value, what):
    return _list(value, len(value) if isinstance(value, (list, tuple)) else -1, what, hint=BATCHES_HINT)


def _check_batches(got, expected, what, corpus, n, t, hint=None):
    got = _list(got, len(expected), what, hint=[hint, "hidden.rnnlm.count"])
    for k, (pair, (rxs, rts)) in enumerate(zip(got, expected)):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            fail("hidden.rnnlm.not_a_pair", what=f"{what} {_say('window_k', k=k)}", hint=BATCHES_HINT)
        _array(pair[0], rxs, f"{what}: xs {_say('window_k', k=k)}", hint=[hint, BATCHES_HINT])
        _array(pair[1], rts, f"{what}: ts {_say('window_k', k=k)}", hint=[hint, BATCHES_HINT])


def _where_batches(corpus, n, t):
    return _say("batches_where", length=len(corpus), n=n, t=t)


def test_truncated_batches_match_reference(student, ref):
    rng = draw.rng("cases")
    for _ in range(2):
        (corpus, _), (n, t) = _corpus(rng), _batch_sizes(rng)
        got = student.truncated_batches(corpus, n, t)
        _check_batches(got, ref.truncated_batches(corpus, n, t), f"truncated_batches(corpus, {n}, {t})",
                       corpus, n, t, hint=bugs.offsets(got, corpus, n, t))


def test_truncated_batches_rows_start_at_their_offsets(student, ref):
    rng = draw.rng("cases")
    (corpus, _), (n, t) = _corpus(rng), _batch_sizes(rng)
    got = student.truncated_batches(corpus, n, t)
    expected = ref.truncated_batches(corpus, n, t)
    batches = _list(got, len(expected), f"truncated_batches(corpus, {n}, {t})", hint="hidden.rnnlm.count")
    if not batches or not isinstance(batches[0], (list, tuple)):
        fail("hidden.rnnlm.not_a_pair", what=f"truncated_batches(corpus, {n}, {t})[0]", hint=BATCHES_HINT)
    _array(batches[0][0], expected[0][0], f"truncated_batches(corpus, {n}, {t}): xs {_say('window_k', k=0)} {_where_batches(corpus, n, t)}",
           hint=[bugs.offsets(got, corpus, n, t), "hidden.rnnlm.offsets"])


def test_truncated_batches_consecutive_windows_continue(student, ref):
    rng = draw.rng("cases")
    (corpus, _), (n, t) = _corpus(rng, length=int(rng.integers(60, 90))), _batch_sizes(rng)
    got = student.truncated_batches(corpus, n, t)
    expected = ref.truncated_batches(corpus, n, t)
    batches = _list(got, len(expected), f"truncated_batches(corpus, {n}, {t})", hint="hidden.rnnlm.count")
    for k in range(1, len(expected)):
        if not isinstance(batches[k], (list, tuple)) or len(batches[k]) != 2:
            fail("hidden.rnnlm.not_a_pair", what=f"truncated_batches(corpus, {n}, {t}) {_say('window_k', k=k)}",
                 hint=BATCHES_HINT)
        _array(batches[k][0], expected[k][0], f"truncated_batches(corpus, {n}, {t}): xs {_say('window_k', k=k)}",
               hint="hidden.rnnlm.continue")


def test_truncated_batches_targets_are_the_next_words(student, ref):
    rng = draw.rng("cases")
    (corpus, _), (n, t) = _corpus(rng), _batch_sizes(rng)
    expected = ref.truncated_batches(corpus, n, t)
    batches = _list(student.truncated_batches(corpus, n, t), len(expected), f"truncated_batches(corpus, {n}, {t})",
                    hint="hidden.rnnlm.count")
    for k, pair in enumerate(batches):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            fail("hidden.rnnlm.not_a_pair", what=f"truncated_batches(corpus, {n}, {t}) {_say('window_k', k=k)}",
                 hint=BATCHES_HINT)
        _array(pair[1], expected[k][1], f"truncated_batches(corpus, {n}, {t}): ts {_say('window_k', k=k)}", hint="hidden.rnnlm.next")


def _edges_of_one_window(rng):
    """(L, N, T) at K = 0 and K = 1: the README's 'empty list when K = 0', for two drawn (N, T).

    L = N * T (no window, though a count from L finds one), a drawn L from 2 to N * T - 1,
    L = N * T + 1 (exactly one window) and L = 2 * N * T (one window and a remainder).
    """
    cases = []
    for _ in range(2):
        n, t = _batch_sizes(rng)
        cases += [(n * t, n, t), (int(rng.integers(2, n * t)), n, t), (n * t + 1, n, t), (2 * n * t, n, t)]
    return cases


def test_truncated_batches_count_the_windows_of_one_epoch(student, ref):
    rng = draw.rng("cases")
    n, t = _batch_sizes(rng)
    # (L - 1) a multiple of N * T, where a count from L is the same, and L a multiple, where it is one more;
    # then corpora too short for a window (K = 0: an empty list) and long enough for one
    cases = [(n * t * int(rng.integers(3, 6)) + 1, n, t), (n * t * int(rng.integers(3, 6)), n, t)]
    for length, n, t in cases + _edges_of_one_window(rng):
        corpus, _ = _corpus(rng, length=length)
        _check_batches(student.truncated_batches(corpus, n, t), ref.truncated_batches(corpus, n, t),
                       f"truncated_batches(corpus, {n}, {t}) {_where_batches(corpus, n, t)}", corpus, n, t,
                       hint="hidden.rnnlm.count")


def test_truncated_batches_windows_of_one_step(student, ref):
    rng = draw.rng("cases")
    corpus, _ = _corpus(rng, length=int(rng.integers(12, 30)))
    n = int(rng.integers(2, 5))
    _check_batches(student.truncated_batches(corpus, n, 1), ref.truncated_batches(corpus, n, 1),
                   f"truncated_batches(corpus, {n}, 1)", corpus, n, 1)


def test_truncated_batches_returns_int_arrays(student, ref):
    rng = draw.rng("cases")
    (corpus, _), (n, t) = _corpus(rng), _batch_sizes(rng)
    expected = ref.truncated_batches(corpus, n, t)
    got = student.truncated_batches(corpus, n, t)
    _check_batches(got, expected, f"truncated_batches(corpus, {n}, {t})", corpus, n, t)
    for k, pair in enumerate(got):
        for name, array in zip(("xs", "ts"), pair):
            if not np.issubdtype(array.dtype, np.integer):
                fail("hidden.rnnlm.not_int", what=f"truncated_batches(...): {name} {_say('window_k', k=k)}",
                     dtype=str(array.dtype),
                     hint="hidden.rnnlm.int_batches")


# -- perplexity and train -----------------------------------------------------------

def _training_case(rng):
    """((V, D, H, seed), corpus, N, T): a corpus of 40 to 70 words over V ids."""
    (v, d, h, seed), (n, t) = _model_sizes(rng), _nt(rng)
    corpus, _ = _corpus(rng, v=v, length=int(rng.integers(40, 71)))
    return (v, d, h, seed), corpus, n, t


def _window_losses(ref, sizes, corpus, n, t, before=None):
    """The reference model's loss on every window of truncated_batches, from a fresh state or after forward(*before)."""
    model = ref.SimpleRnnlm(*sizes)
    model.reset_state()
    if before is not None:
        model.forward(*before)
    return np.array([float(model.forward(xs, ts)) for xs, ts in ref.truncated_batches(corpus, n, t)])


def _relative_gap(a, b) -> float:
    return abs(a / b - 1.0)


def _spread_case(rng, ref, gap):
    """The first of up to DRAWS_FOR_A_SPREAD training cases (and a window for forward before perplexity) on which
    gap(fresh window losses, window losses after that forward) reaches SPREAD; else the one that came closest."""
    best = (-1.0, None)
    for _ in range(DRAWS_FOR_A_SPREAD):
        sizes, corpus, n, t = case = _training_case(rng)
        (before,) = _windows(rng, sizes[0], n, t, 1)
        spread = gap(_window_losses(ref, *case), lambda: _window_losses(ref, *case, before=before))
        if spread >= SPREAD:
            return case, before
        best = max(best, (spread, (case, before)), key=lambda pair: pair[0])
    return best[1]


def _jensen_gap(losses, _) -> float:
    """How far the mean of exp(loss) lies from exp(mean loss): averaging perplexities instead of losses."""
    return _relative_gap(np.mean(np.exp(losses)), np.exp(np.mean(losses))) if len(losses) else 0.0


def _stale_gap(losses, stale) -> float:
    """How far the perplexity from the state an earlier forward left lies from the fresh one's."""
    return _relative_gap(np.exp(np.mean(stale())), np.exp(np.mean(losses))) if len(losses) else 0.0


def test_perplexity_matches_reference(student, ref):
    rng = draw.rng("cases")
    # a drawn case, then one whose window losses spread: exp of their mean and the mean of their exp differ
    for sizes, corpus, n, t in (_training_case(rng), _spread_case(rng, ref, _jensen_gap)[0]):
        got = student.perplexity(student.SimpleRnnlm(*sizes), corpus, n, t)
        _number(got, ref.perplexity(ref.SimpleRnnlm(*sizes), corpus, n, t),
                f"perplexity(model, corpus, {n}, {t}) {_where_batches(corpus, n, t)}", hint="hidden.rnnlm.perplexity")


def test_perplexity_starts_from_a_fresh_state(student, ref):
    rng = draw.rng("cases")
    # a case on which the state an earlier forward leaves behind changes the perplexity by SPREAD or more
    (sizes, corpus, n, t), (xs, ts) = _spread_case(rng, ref, _stale_gap)
    model = student.SimpleRnnlm(*sizes)
    model.forward(xs, ts)  # leaves a hidden state behind
    _number(student.perplexity(model, corpus, n, t), ref.perplexity(ref.SimpleRnnlm(*sizes), corpus, n, t),
            f"perplexity(model, corpus, {n}, {t}) {_say('after_a_forward')}", hint="hidden.rnnlm.fresh")


def _train_both(student, ref, sizes, corpus, n, t, lr, epochs):
    model = student.SimpleRnnlm(*sizes)
    got = student.train(model, corpus, n, t, lr, epochs)
    expected_model = ref.SimpleRnnlm(*sizes)
    expected = ref.train(expected_model, corpus, n, t, lr, epochs)
    return model, got, expected_model, expected


def _check_perplexities(got, expected, what, hint):
    got = _list(got, len(expected), what, hint=hint)
    for e, (value, right) in enumerate(zip(got, expected)):
        _number(value, right, f"{what} {_say('epoch', e=e)}", hint=hint)


_published_runs: dict[tuple, tuple] = {}  # (id(reference module), sizes, args) -> (the module, its perplexities)


def _published_reference(ref, sizes, corpus, args) -> tuple[float, ...]:
    """The reference's perplexities on the published run. Nothing of that run is drawn, so they are
    the same for every submission: a batch trains the reference once, not once per student."""
    key = (id(ref), sizes, args)  # the module is kept beside them: its id names no other
    if key not in _published_runs:
        _published_runs[key] = (ref, tuple(ref.train(ref.SimpleRnnlm(*sizes), corpus, *args)))
    return _published_runs[key][1]


def test_published_perplexity_is_reproduced(student, ref):
    corpus = ref.load_corpus()[0]  # the corpus rnnlm.py ships (CORPUS)
    p = PUBLISHED
    sizes = (int(corpus.max()) + 1, p["wordvec"], p["hidden"], p["seed"])
    args = (p["batch_size"], p["time_size"], p["lr"], p["epochs"])
    got = student.train(student.SimpleRnnlm(*sizes), corpus, *args)
    _check_perplexities(got, _published_reference(ref, sizes, corpus, args), _say("published"), TRAIN_HINT)
    rng = draw.rng("seed")
    drawn = (sizes[0], p["wordvec"], p["hidden"], int(rng.integers(1, 2**31 - 1)))
    _, got, _, expected = _train_both(student, ref, drawn, corpus, *args[:3], 3)
    _check_perplexities(got, expected, _say("published_other_seed"), TRAIN_HINT)


def test_train_matches_reference(student, ref):
    rng = draw.rng("cases")
    sizes, corpus, n, t = _training_case(rng)
    lr, epochs = float(rng.uniform(0.1, 0.5)), int(rng.integers(2, 5))
    _, got, _, expected = _train_both(student, ref, sizes, corpus, n, t, lr, epochs)
    _check_perplexities(got, expected, f"train(model, corpus, {n}, {t}, lr, {epochs})", TRAIN_HINT)


def test_train_resets_the_state_once_per_epoch(student, ref):
    rng = draw.rng("cases")
    sizes, corpus, n, t = _training_case(rng)
    lr, epochs = float(rng.uniform(0.1, 0.5)), 3
    _, got, _, expected = _train_both(student, ref, sizes, corpus, n, t, lr, epochs)
    hint = bugs.reset_place(got, ref, lambda: ref.SimpleRnnlm(*sizes), corpus, n, t, lr, epochs)
    _check_perplexities(got, expected, f"train(model, corpus, {n}, {t}, lr, {epochs})", [hint, "hidden.rnnlm.reset_epoch"])
    # A model that holds a hidden state from an earlier forward: the first epoch starts afresh all the same.
    model = student.SimpleRnnlm(*sizes)
    (xs, ts), = _windows(draw.rng("held_state"), sizes[0], n, t, 1)
    model.forward(xs, ts)
    got = student.train(model, corpus, n, t, lr, epochs)
    _check_perplexities(got, expected, f"train(model, corpus, {n}, {t}, lr, {epochs}) {_say('after_a_forward')}",
                        "hidden.rnnlm.reset_epoch")


def test_train_updates_the_model_in_place(student, ref):
    rng = draw.rng("cases")
    sizes, corpus, n, t = _training_case(rng)
    model, got, expected_model, expected = _train_both(student, ref, sizes, corpus, n, t, 0.3, 2)
    _check_perplexities(got, expected, f"train(model, corpus, {n}, {t}, lr, 2)", TRAIN_HINT)
    params = _list(model.params, 6, "SimpleRnnlm.params", hint="hidden.rnnlm.update")
    for i, (name, param) in enumerate(zip(PARAM_NAMES, params)):
        _array(param, expected_model.params[i], f"SimpleRnnlm.params[{i}] ({name}) {_say('after_train')}",
               hint="hidden.rnnlm.update")


# -- bptt ------------------------------------------------------------------------------

def _bptt_case(rng, t=None):
    """(U (H, C), V (C, H), W (H, H), x (T,), y (T,)): H != C, W scaled so that the gradient lives many steps."""
    h, c = rng.choice(np.arange(3, 8), size=2, replace=False)
    t = int(rng.integers(5, 9)) if t is None else t
    U = rng.normal(scale=1.0, size=(h, c))
    V = rng.normal(scale=1.0, size=(c, h))
    W = rng.normal(scale=1.2 / np.sqrt(h), size=(h, h))
    return U, V, W, [int(i) for i in rng.integers(0, c, size=t)], [int(i) for i in rng.integers(0, c, size=t)]


def _bptt_where(U, x, truncate):
    return _say("bptt_where", h=U.shape[0], c=U.shape[1], t=len(x), truncate=truncate)


def _bptt_grads(value, U, V, W, what, hint):
    grads = _list(value, 3, what, hint=[hint, "hidden.rnnlm.three"])
    return grads


def _check_bptt(student, ref, case, truncate, hint):
    U, V, W, x, y = case
    got = student.bptt(U, V, W, x, y, truncate)
    what = f"bptt(U, V, W, x, y, truncate) {_bptt_where(U, x, truncate)}"
    grads = _bptt_grads(got, U, V, W, what, hint)
    expected = ref.bptt(U, V, W, x, y, truncate)
    found = bugs.truncation(grads, ref, U, V, W, x, y, truncate)
    for name, grad, right in zip(("dU", "dV", "dW"), grads, expected):
        _array(grad, right, f"{what}: {name}", hint=[found, hint])
    return grads, expected


def test_bptt_full_length_matches_reference(student, ref):
    rng = draw.rng("cases")
    for _ in range(2):
        case = _bptt_case(rng)
        _check_bptt(student, ref, case, len(case[3]) + int(rng.integers(0, 3)), BPTT_HINT)


def test_bptt_truncated_matches_reference(student, ref):
    rng = draw.rng("cases")
    for _ in range(2):
        case = _bptt_case(rng)
        _check_bptt(student, ref, case, int(rng.integers(1, len(case[3]) - 2)), "hidden.rnnlm.truncate")


def truncated_loss(U, V, W, x, y, truncate, base):
    """The README's truncated loss: L_t from the constant state base[start] = s_(start-1), start = max(0, t - truncate)."""
    total = 0.0
    for t in range(len(x)):
        start = max(0, t - truncate)
        s = base[start]
        for j in range(start, t + 1):
            s = np.tanh(U[:, x[j]] + W @ s)
        z = V @ s
        z = z - z.max()
        total -= z[y[t]] - np.log(np.exp(z).sum())
    return total


def _states(U, W, x):
    """[s_(-1) = 0, s_0, ..., s_(T-1)]."""
    states = [np.zeros(W.shape[0])]
    for word in x:
        states.append(np.tanh(U[:, word] + W @ states[-1]))
    return states


def _truncated(f, x):
    """The numerical gradient of the README's truncated loss (float64, on the grader's side): at BPTT_STEP."""
    return Numerical(f, x, step=BPTT_STEP, along_step=BPTT_ALONG_STEP)


def test_bptt_matches_numerical_gradient_of_the_truncated_loss(student, ref):
    rng = draw.rng("cases")
    U, V, W, x, y = _bptt_case(rng)
    truncate = int(rng.integers(1, len(x) - 2))
    base = _states(U, W, x)
    grads = _bptt_grads(student.bptt(U, V, W, x, y, truncate), U, V, W, "bptt(U, V, W, x, y, truncate)", BPTT_HINT)
    checks = {
        "dU": (grads[0], _truncated(lambda u: truncated_loss(u, V, W, x, y, truncate, base), U)),
        "dV": (grads[1], _truncated(lambda v: truncated_loss(U, v, W, x, y, truncate, base), V)),
        "dW": (grads[2], _truncated(lambda w: truncated_loss(U, V, w, x, y, truncate, base), W)),
    }
    check_gradients(checks, f"bptt(U, V, W, x, y, truncate) {_bptt_where(U, x, truncate)}",
                     hint=[bugs.truncation(grads, ref, U, V, W, x, y, truncate), "hidden.rnnlm.truncate"])


def test_bptt_truncation_changes_du_and_dw_only_below_t_minus_one(student, ref):
    rng = draw.rng("cases")
    case = _bptt_case(rng)
    T = len(case[3])
    full, _ = _check_bptt(student, ref, case, T - 1, "hidden.rnnlm.truncate")  # T - 1 steps back: all of them
    short, expected = _check_bptt(student, ref, case, T - 2, "hidden.rnnlm.truncate")
    _array(short[1], full[1], f"bptt(..., truncate={T - 2}): dV {_say('same_as_full')}", hint="hidden.rnnlm.dv_full")
    _array(short[1], expected[1], f"bptt(..., truncate={T - 2}): dV", hint="hidden.rnnlm.dv_full")


def test_bptt_truncate_zero_keeps_only_the_current_step(student, ref):
    rng = draw.rng("cases")
    _check_bptt(student, ref, _bptt_case(rng), 0, "hidden.rnnlm.truncate")


def test_bptt_sentence_of_one_word(student, ref):
    rng = draw.rng("cases")
    for truncate in (0, int(rng.integers(1, 4))):
        _check_bptt(student, ref, _bptt_case(rng, t=1), truncate, BPTT_HINT)


def test_bptt_returns_three_arrays_of_the_parameters_shapes(student, ref):
    rng = draw.rng("cases")
    case = _bptt_case(rng)
    _check_bptt(student, ref, case, 2, "hidden.rnnlm.three")
