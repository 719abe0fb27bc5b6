"""Hidden tests for 07_many_to_one: one_hot, make_dataset, bce_loss, ManyToOneRNN.

Models are built on both sides with the same constructor arguments: the
constructor is given to the student and draws its parameters from
np.random.seed(seed), so the student's model and the reference start from the
same arrays without any copying. Data (sequences, targets, the three sentences)
are built here, never through the student's one_hot or make_dataset.

Tolerances: assert_close's defaults, chosen from the dtype the student returns
(float64: rtol 1e-5, atol 1e-8; float32: rtol 1e-3, atol 1e-5). A correct
float64 model agrees with the reference to about 1e-15. A model that keeps its
hidden states in float32 (the textbook's TimeRNN fills `np.empty(..., dtype='f')`)
or casts everything to float32 is only float32-accurate, yet its gradients land
in the float64 arrays the constructor made. `_precision` therefore judges a
model by its loss: float32 when the loss is float32, or when it is more than
1e-12 (relative) away from the reference's loss; its gradients are then compared
at float32 tolerance and its central differences taken in float32 (step 1e-2).
Measured on the variants in tests/mutants/07_many_to_one.toml: float64 variants
match the reference to rounding; the two float32 variants are within 3e-7
(relative) on forward and loss, and their gradients use 0.4 % of the float32
tolerance but 120 % of the float64 one (hence `_precision`). Every bug in the
mutants file is off by far more (or raises, or fails a shape or identity check).

Losses and gradients are only tested with output_size = 1: "mean over the
batch" then means the same thing for np.mean and for a sum divided by N.
"""

import numpy as np

from autograder import hints
from autograder.checks import as_array, assert_close, assert_gradients, assert_shape, at_precision, fail, numerical_gradient
from autograder.messages import text
from autograder.patterns import many_to_one as bugs

NAMES = ("Wxh", "Whh", "Bh", "Wy", "By")
SENTENCES = [("as", "as", "soon"), ("as", "soon", "as"), ("soon", "as", "as")]  # sorted order
LABELS = np.array([[0.0], [1.0], [0.0]])                                       # 1 for "as soon as"
CODE = {"as": [1.0, 0.0], "soon": [0.0, 1.0]}
LR, EPOCHS = 0.2, 300  # the training settings the README gives

# (input_size D, hidden_size H, output_size O, batch N, steps T, seed): a batch of
# one, H != D, a single time step (h_0 alone feeds Whh: its gradient is 0), long sequences.
CONFIGS = [(2, 3, 1, 1, 3, 11), (3, 5, 1, 4, 4, 12), (4, 2, 1, 7, 1, 13), (2, 4, 1, 5, 6, 14)]
WIDE = (3, 4, 2, 3, 2, 15)  # two outputs: forward only

FORWARD_HINT = "hidden.many.forward"
BPTT_HINT = "hidden.many.bptt"
GRADS_HINT = "hidden.many.grads_order"
LOSSES_HINT = "hidden.many.losses"


def _say(key, **fields):
    return text(f"hidden.many.{key}", **fields)


# -- data ------------------------------------------------------------------------

def _sentences(seed, n, length):
    rng = np.random.default_rng(seed)
    return [tuple(str(w) for w in rng.choice(["as", "soon"], size=length)) for _ in range(n)]


def _encode(sentences):
    return np.array([[CODE[w] for w in s] for s in sentences])


def _batch(seed, n, steps, d):
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(n, steps, d))
    t = rng.integers(0, 2, size=(n, 1)).astype(float)
    return xs, t


# -- models ----------------------------------------------------------------------

def _sizes(config):
    d, h, o = config[:3]
    return {"input_size": d, "hidden_size": h, "output_size": o, "seed": config[5]}


def _models(student, ref, config):
    return student.ManyToOneRNN(**_sizes(config)), ref.ManyToOneRNN(**_sizes(config))


def _data(config, offset=0):
    d, _, _, n, steps, seed = config
    return _batch(1000 + 10 * seed + offset, n, steps, d)


def _grads(model, xs, t):
    model.loss(xs, t)
    model.backward()
    return model.grads


def _list(value, length, what, hint):
    if not isinstance(value, (list, tuple)):
        kind = getattr(value, "remote_type", type(value).__name__)
        if hint == LOSSES_HINT:
            hint = [hints.hint("hint.fit.losses_list", kind=kind), hint]
        fail("hidden.many.not_a_list", what=what, kind=kind, hint=hint)
    if len(value) != length:
        fail("hidden.many.list_length", what=what, count=len(value), expected=length, hint=hint)
    return list(value)


def _precision(loss, expected):
    """'float32' if the student's loss is float32 or only float32-accurate, else 'float64'."""
    value = np.asarray(loss)
    if value.dtype.kind == "f" and value.dtype.itemsize <= 4:
        return "float32"
    if value.size == 1 and np.all(np.isfinite(value)):
        # float64 rewrites land within about 1e-15 of the reference, float32 ones about 1e-8 away
        if abs(float(value.reshape(())) - expected) > 1e-12 * max(abs(expected), 1.0):
            return "float32"
    return "float64"


def _assert_grads(grads, expected, kind, what, hint, only=range(5)):
    grads = _list(grads, 5, f"{what}: grads", GRADS_HINT)
    for i in only:
        assert_close(at_precision(grads[i], kind), expected[i], f"{what}: grads[{i}] (d{NAMES[i]})", hint=hint)


def _bug(model_grads, expected, xs, t):
    """The BPTT bug hint of the student's gradients (expected: the reference model, same parameters)."""
    grads = model_grads if isinstance(model_grads, (list, tuple)) and len(model_grads) == 5 else None
    return bugs.gradients(grads, expected.params, xs, t) if grads is not None else None


# -- one_hot ---------------------------------------------------------------------

ONE_HOT_CASES = [(1, 5, 21), (4, 2, 22), (6, 3, 23)]  # (N, T, seed)


def test_one_hot_has_shape_n_t_2(student, ref):
    for n, length, seed in ONE_HOT_CASES:
        sentences = _sentences(seed, n, length)
        if seed % 2:
            sentences = [list(s) for s in sentences]  # sentences may be lists of words too
        assert_shape(student.one_hot(sentences), (n, length, 2), _say("one_hot_of", n=n, length=length),
                     hint="hidden.many.one_hot_shape")


def test_one_hot_codes_as_as_1_0_and_soon_as_0_1(student, ref):
    for n, length, seed in ONE_HOT_CASES:
        sentences = _sentences(100 + seed, n, length)
        got, right = student.one_hot(sentences), ref.one_hot(sentences)
        assert_close(got, right, _say("one_hot_of", n=n, length=length),
                     hint=[bugs.one_hot(got, right), "hidden.many.codes"])


# -- make_dataset ----------------------------------------------------------------

def _dataset(student):
    value = student.make_dataset()
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        fail("hidden.many.dataset_tuple")
    return value


def test_make_dataset_lists_the_three_orders_in_sorted_order(student, ref):
    sentences = _dataset(student)[0]
    hint = [bugs.sentences(sentences) if isinstance(sentences, (list, tuple)) else None, "hidden.many.permutations"]
    sentences = _list(sentences, 3, "make_dataset(): sentences", hint)
    try:
        got = [tuple(s) for s in sentences]
    except TypeError:
        fail("hidden.many.sentence_tuples")
    if sorted(got) != SENTENCES:
        fail("hidden.many.not_the_orders", hint=hint)
    if got != SENTENCES:
        fail("hidden.many.not_sorted", hint=hint)


def _own_order(sentences):
    """The student's order of the three sentences if it holds exactly them, else the sorted one.

    X and t are judged against the sentences make_dataset returned, so that a
    wrong order costs points once (in the test above), not three times.
    """
    try:
        got = [tuple(str(w) for w in s) for s in sentences]
    except TypeError:
        return SENTENCES
    return got if sorted(got) == SENTENCES else SENTENCES


def test_make_dataset_x_is_the_one_hot_code_of_the_sentences(student, ref):
    sentences, X, _ = _dataset(student)
    right = _encode(_own_order(sentences))
    assert_close(X, right, "make_dataset(): X", hint=[bugs.one_hot(X, right), "hidden.many.X"])


def test_make_dataset_labels_are_1_only_for_as_soon_as(student, ref):
    sentences, _, t = _dataset(student)
    order = _own_order(sentences)
    labels = np.array([[1.0] if s == ("as", "soon", "as") else [0.0] for s in order])
    assert_close(t, labels, "make_dataset(): t", hint=[bugs.labels(t, labels, order), "hidden.many.t"])


# -- bce_loss --------------------------------------------------------------------

def _probabilities(seed, n):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.05, 0.95, size=(n, 1)), rng.integers(0, 2, size=(n, 1)).astype(float)


def test_bce_loss_of_one_example_matches_reference(student, ref):
    for y_hat, t in [([[0.8]], [[1.0]]), ([[0.3]], [[0.0]]), ([[0.9]], [[0.0]]), ([[0.15]], [[1.0]])]:
        y_hat, t = np.array(y_hat), np.array(t)
        loss = student.bce_loss(y_hat, t)
        assert_close(loss, ref.bce_loss(y_hat, t), f"bce_loss {_say('one_row')}",
                     hint=[bugs.bce(loss, y_hat, t), "hidden.many.bce"])


def test_bce_loss_averages_over_the_batch(student, ref):
    for seed, n in [(31, 4), (32, 9)]:
        y_hat, t = _probabilities(seed, n)
        loss = student.bce_loss(y_hat, t)
        assert_close(loss, ref.bce_loss(y_hat, t), f"bce_loss {_say('batch_of', n=n)}",
                     hint=[bugs.bce(loss, y_hat, t), "hidden.many.bce_mean"])


def test_bce_loss_is_finite_for_probabilities_of_exactly_0_or_1(student, ref):
    hint = "hidden.many.clip"
    for y_hat, t in [([[1.0]], [[1.0]]), ([[0.0]], [[0.0]])]:
        what = f"bce_loss(y_hat, t) {_say('sure', y_hat=f'{y_hat[0][0]:g}', t=f'{t[0][0]:g}')}"
        loss = as_array(student.bce_loss(np.array(y_hat), np.array(t)), what, hint)
        if loss.size != 1:
            fail("hidden.many.single_number", what=what, shape=loss.shape)
        value = float(loss.reshape(()))
        if not np.isfinite(value):
            fail("hidden.many.is_value", what=what, value=value, hint=[hints.hint("hint.bce.clip"), hint])
        if abs(value) > 1e-6:  # a sure and right prediction costs (almost) nothing, whatever small epsilon is used
            fail("hidden.many.not_zero", what=what, value=f"{value:.3g}")


# -- ManyToOneRNN: forward and loss ----------------------------------------------

def test_published_example_is_reproduced(student, ref):
    xs = _encode([("as", "as", "soon")])
    t = np.array([[0.0]])
    model, expected = student.ManyToOneRNN(), ref.ManyToOneRNN()
    y_hat = model.forward(xs)
    hint = [bugs.forward(y_hat, expected.params, xs), "hidden.many.constructor", FORWARD_HINT]
    assert_close(y_hat, expected.forward(xs), _say("published_forward"), hint=hint)
    loss = model.loss(xs, t)
    assert_close(loss, expected.loss(xs, t), _say("published_loss"),
                 hint=[hint[0], bugs.bce(loss, expected.forward(xs), t), *hint[1:]])


def test_forward_returns_one_row_of_probabilities_per_sequence(student, ref):
    for config in CONFIGS[:3] + [WIDE]:
        d, _, o, n, steps, _ = config
        model = student.ManyToOneRNN(**_sizes(config))
        xs, _ = _data(config)
        assert_shape(model.forward(xs), (n, o), f"forward(xs) {_say('xs_output', shape=xs.shape, o=o)}",
                     hint="hidden.many.read_out")


def test_forward_matches_reference(student, ref):
    for config in CONFIGS + [WIDE]:
        model, expected = _models(student, ref, config)
        xs, _ = _data(config)
        y_hat = model.forward(xs)
        assert_close(y_hat, expected.forward(xs), f"forward(xs) {_say('xs_sizes', shape=xs.shape, h=config[1], o=config[2])}",
                     hint=[bugs.forward(y_hat, expected.params, xs), FORWARD_HINT])


def test_forward_starts_every_batch_from_a_zero_hidden_state(student, ref):
    config = CONFIGS[1]
    model, expected = _models(student, ref, config)
    first, _ = _data(config)
    second, _ = _data(config, offset=1)
    model.forward(first)
    y_hat = model.forward(second)
    assert_close(y_hat, expected.forward(second), f"forward(xs) {_say('second_call')}",
                 hint=[bugs.forward(y_hat, expected.params, second, previous=first), "hidden.many.zero_state"])


def test_loss_matches_reference(student, ref):
    for config in CONFIGS:
        model, expected = _models(student, ref, config)
        xs, t = _data(config)
        loss = model.loss(xs, t)
        assert_close(loss, expected.loss(xs, t), f"loss(xs, t) {_say('xs_of', shape=xs.shape)}",
                     hint=[bugs.bce(loss, expected.forward(xs), t), "hidden.many.loss"])


# -- ManyToOneRNN: backward ------------------------------------------------------

def test_backward_matches_reference(student, ref):
    for config in CONFIGS:
        model, expected = _models(student, ref, config)
        xs, t = _data(config)
        kind = _precision(model.loss(xs, t), expected.loss(xs, t))
        model.backward()
        expected.backward()
        _assert_grads(model.grads, expected.grads, kind, f"backward() {_say('after_loss', shape=xs.shape)}",
                      [_bug(model.grads, expected, xs, t), BPTT_HINT])


def _model_with(student, config, params):
    """A new student model holding `params`, set both as attributes and as the params list."""
    model = student.ManyToOneRNN(**_sizes(config))
    for name, value in zip(NAMES, params):
        setattr(model, name, value)
    model.params = list(params)  # whichever of the two forward reads, it sees these values
    return model


def test_backward_matches_numerical_gradient_of_your_loss(student, ref):
    for config in [(2, 3, 1, 3, 3, 16), (3, 2, 1, 2, 4, 17)]:
        expected = ref.ManyToOneRNN(**_sizes(config))
        params = [p.copy() for p in expected.params]
        xs, t = _data(config)
        model = student.ManyToOneRNN(**_sizes(config))
        kind = _precision(model.loss(xs, t), expected.loss(xs, t))
        model.backward()
        grads = _list(model.grads, 5, "grads", GRADS_HINT)
        cast = np.float32 if kind == "float32" else np.float64
        checks = {}
        for i, name in enumerate(NAMES):
            def loss_at(value, i=i):
                changed = params[:i] + [value] + params[i + 1:]
                return cast(np.asarray(_model_with(student, config, changed).loss(xs, t), dtype=np.float64))
            num = numerical_gradient(loss_at, params[i], what="loss(xs, t)")
            checks[f"grads[{i}] (d{name})"] = (at_precision(grads[i], kind), num)
        assert_gradients(checks, f"backward() {_say('xs_of', shape=xs.shape)}",
                         hint=[_bug(grads, expected, xs, t), BPTT_HINT])


def test_whh_gradient_flows_back_through_every_time_step(student, ref):
    config = (2, 3, 1, 4, 5, 18)
    model, expected = _models(student, ref, config)
    xs, t = _data(config)
    kind = _precision(model.loss(xs, t), expected.loss(xs, t))
    model.backward()
    expected.backward()
    _assert_grads(model.grads, expected.grads, kind, f"backward() {_say('five_steps')}",
                  [_bug(model.grads, expected, xs, t), "hidden.many.all_steps"], only=(1, 0))


def test_grads_have_the_shapes_of_their_params(student, ref):
    config = CONFIGS[1]
    model, expected = _models(student, ref, config)
    xs, t = _data(config)
    grads = _list(_grads(model, xs, t), 5, "grads", GRADS_HINT)
    for i, name in enumerate(NAMES):
        assert_shape(grads[i], expected.params[i].shape, f"backward(): grads[{i}] (d{name})",
                     hint=[_bug(grads, expected, xs, t), "hidden.many.grad_shapes"])


def test_backward_writes_grads_in_place(student, ref):
    config = CONFIGS[0]
    model = student.ManyToOneRNN(**_sizes(config))
    xs, t = _data(config)
    before = student.identities(model, "grads")
    _grads(model, xs, t)
    if student.identities(model, "grads") != before:
        fail("hidden.many.rebound", hint=hints.rebound())


def test_backward_uses_only_the_latest_loss_call(student, ref):
    config = CONFIGS[1]
    model, expected = _models(student, ref, config)
    first_xs, first_t = _data(config)
    d, _, _, _, steps, seed = config
    xs, t = _batch(2000 + seed, 2, steps, d)
    _grads(model, first_xs, first_t)
    previous = [g.copy() for g in _grads(ref.ManyToOneRNN(**_sizes(config)), first_xs, first_t)]
    kind = _precision(model.loss(xs, t), expected.loss(xs, t))
    model.backward()
    expected.backward()
    grads = _list(model.grads, 5, "grads", GRADS_HINT)
    _assert_grads(grads, expected.grads, kind, f"backward() {_say('second_loss')}",
                  [*(hints.accumulates(g, e, f"d{name}", p) for g, e, p, name in zip(grads, expected.grads, previous, NAMES)),
                   "hidden.many.afresh"])


# -- ManyToOneRNN: fit and predict -----------------------------------------------

FIT_CONFIG = (3, 4, 1, 6, 3, 19)


def test_fit_returns_one_loss_per_epoch(student, ref):
    model = student.ManyToOneRNN(**_sizes(FIT_CONFIG))
    xs, t = _data(FIT_CONFIG)
    losses = model.fit(xs, t, 0.1, 7)
    losses = _list(losses, 7, "fit(xs, t, lr, 7)", LOSSES_HINT)
    assert_shape(np.asarray(losses, dtype=float), (7,), f"fit(xs, t, lr, 7): {_say('the_losses')}")


def test_fit_follows_plain_gradient_descent(student, ref):
    model, expected = _models(student, ref, FIT_CONFIG)
    xs, t = _data(FIT_CONFIG)
    params = [p.copy() for p in expected.params]
    losses = _list(model.fit(xs, t, 0.3, 5), 5, "fit(xs, t, lr, 5)", LOSSES_HINT)
    assert_close(np.asarray(losses, dtype=float), expected.fit(xs, t, 0.3, 5), f"fit(xs, t, lr, 5): {_say('the_losses')}",
                 hint=[bugs.fit_losses(losses, params, xs, t, 0.3), "hidden.many.descent"])


def test_fit_updates_params_and_attributes_in_place(student, ref):
    model, expected = _models(student, ref, FIT_CONFIG)
    xs, t = _data(FIT_CONFIG)
    model.fit(xs, t, 0.3, 5)
    expected.fit(xs, t, 0.3, 5)
    advice = "hidden.many.in_place"
    params = _list(model.params, 5, f"params {_say('after_fit')}", advice)
    attributes = [getattr(model, name) for name in NAMES]
    hint = [bugs.fit_arrays(params, attributes), advice]
    for i, name in enumerate(NAMES):
        assert_close(params[i], expected.params[i], f"params[{i}] {_say('after_fit')}", hint=hint)
        assert_close(attributes[i], expected.params[i], f"{name} {_say('after_fit')}", hint=hint)


def test_fit_learns_as_soon_as(student, ref):
    X = _encode(SENTENCES)
    model = student.ManyToOneRNN()
    losses = _list(model.fit(X, LABELS, LR, EPOCHS), EPOCHS, f"fit(X, t, {LR}, {EPOCHS})", LOSSES_HINT)
    losses = np.asarray(losses, dtype=float)
    if not np.all(np.isfinite(losses)):
        fail("hidden.many.fit_not_finite")
    if not losses[-1] < 0.1 * losses[0]:
        fail("hidden.many.fit_no_progress", lr=LR, epochs=EPOCHS,
             hint=[hints.hint("hint.fit.ascent") if losses[-1] > losses[0] else None, "hidden.many.descent_sign"])
    assert_close(model.predict(X), LABELS.astype(int), f"predict(X) {_say('after_training', lr=LR, epochs=EPOCHS)}",
                 hint="hidden.many.classify")


def test_predict_thresholds_probabilities_at_one_half(student, ref):
    config = (2, 4, 1, 40, 3, 21)  # probabilities on both sides of 0.5, several within 0.1 of it
    model, expected = _models(student, ref, config)
    xs, _ = _data(config)
    labels = model.predict(xs)
    assert_close(labels, expected.predict(xs), f"predict(xs) {_say('xs_of', shape=xs.shape)}",
                 hint=[bugs.predict(labels, expected.forward(xs)), "hidden.many.predict"])
