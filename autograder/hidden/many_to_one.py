"""Hidden tests for 07_many_to_one: one_hot, make_dataset, bce_loss, ManyToOneRNN.

The property matrix these tests cover is docs/property-matrix/07_many_to_one.md.

Models are built on both sides with the same constructor arguments: the
constructor is given to the student and draws its parameters from
np.random.seed(seed), so the student's model and the reference start from the
same arrays without any copying. The seeds, sizes, sequences and targets are
drawn per submission (hidden/draw.py); the README's published example (the
default model on ("as", "as", "soon")) stays fixed, always next to drawn
sentences, so that hard-coding its two figures earns nothing. Data are built
here, never through the student's one_hot or make_dataset.

make_dataset's order: the worker runs with PYTHONHASHSEED=0
(autograder/sandbox/launch.py), under which every usual way of taking the
distinct permutations through a set (set, set comprehension, frozenset, a set
of joined strings) comes out unsorted, the same way on every run, and
dict.fromkeys keeps the permutations' own unsorted order: a submission that
relies on either fails the sorted-order test every time, never 1 run in 6.
tests/test_set_order.py keeps that true (the ordering of a set cannot be
observed from here, so the guarantee rests on the worker's fixed seed).

Tolerances (fixed, whatever the submission returns): rtol 1e-4 and atol 1e-6
times the largest |entry| of the expected value; for the five gradients, 1e-6
times the largest entry of all five (through saturated tanh units a gradient
can be 1e-5 of the others, and float32 hidden states lose 1 - h ** 2 to
cancellation there: an error of 3e-4 relative to that array's own largest
entry, but never above 3e-7 of the largest gradient). Measured over 3000 drawn
cases of the sizes used here (N up to 6, T up to 5, H up to 5) on the variants
in tests/mutants/07_many_to_one.toml: the model with float32 hidden states uses
at most 26 % of that budget on its gradients, the model in float32 throughout
at most 30 % on forward, loss and five epochs of fit; bce_loss with the
textbook's epsilon of 1e-7 inside the logs 25 % (a shift of about 1e-7 on
losses of order 0.1 to 1); float64 rewrites about 1e-9. With large inputs,
the logits are beyond +-1000 (see _large_case), so every probability there is
exactly 0 or 1 in any dtype. A systematic error of 0.1 % uses 1000 % of it in any dtype.
The 300 epochs of training on the three sentences are compared with the
reference's losses at rtol 1e-2: the float32 variants drift by at most 1e-5
there and a gradient off by 0.1 % by about 2e-3 (the gradient tests catch it
once), while a constant or hard-coded loss curve is off by far more. A few
epochs of fit (the losses, and params and attributes afterwards) are compared
at rtol 2e-3 (atol 2e-3 of the parameters' scale) on draws where every epoch
moves the loss by 1 % or more (see _moving_fit): a fit bug is off by 5 times
that or more under every seed, while a gradient off by 0.1 % (which the
gradient tests catch) is not counted a second time there.
Central differences of the student's own loss: parameters drawn at scale 0.5
(so that the states stay off the flat ends of tanh, where float32 loses
1 - h ** 2 to cancellation) and every gradient at least 0.1 somewhere; steps of
3e-2 and 6e-2 combined by Richardson extrapolation, (4 D(h) - D(2h)) / 3, which
cancels the h ** 2 error of central differences. Against the engine's one
allowed error for every submission (assertions.GRADIENT_TOLERANCE, 2e-2, with a
floor of 1e-2 of each gradient's largest entry), measured over 400 such draws:
float32 models use at most 26 % of it (the loss cast to float32 18 %, float32
hidden states 18 %), whereas one step of 1e-2 on the constructor's parameters
used up to 20 times it.
These checks count only where the student's loss depends on the parameter:
the reference's gradient goes along as `reference`. Each parameter is checked
along random directions first (autograder/directional.py), at the same steps:
over the suite's and the corpus's correct submissions (12 draws each) models
in float32 throughout reach 3.5e-3 along a direction against the 2e-3
allowed there on 0.7 % of their parameters, which the per-entry check then
judges (2e-2 and 4e-2 did worse: rounding below, truncation above). The
per-entry check steps 1e-2 and 2e-2: at 3e-2, the truncation left after
extrapolation reached 2.5e-2 on one entry of a float64 model's dWxh: correct
files lost 2 points in 4 of 660 grades (every correct 07 file of the suite and
the corpus under 30 course secrets). At 1e-2 the reference's error stays below
1e-4 in float64 and 2e-4 in float32 over 300 cases.

Losses and gradients are tested with output_size = 1: "mean over the batch"
then means the same thing for np.mean and for a sum divided by N.
"""

import numpy as np

from autograder import hints
from autograder.fault import EngineError
from autograder.assertions import assert_close, fail, kind_of, not_an_array
from autograder.directional import Numerical, check_gradients
from autograder.hidden import draw
from autograder.messages import text
from autograder.bugs import many_to_one as bugs

NAMES = ("Wxh", "Whh", "Bh", "Wy", "By")
SENTENCES = [("as", "as", "soon"), ("as", "soon", "as"), ("soon", "as", "as")]  # sorted order
LABELS = np.array([[0.0], [1.0], [0.0]])                                       # 1 for "as soon as"
CODE = {"as": [1.0, 0.0], "soon": [0.0, 1.0]}
LR, EPOCHS = 0.2, 300  # the training settings the README gives
PUBLISHED = ("as", "as", "soon")  # the README's example: the default model, against target 0

RTOL, ATOL_SCALE = 1e-4, 1e-6  # measured above
TRAINING_RTOL = 1e-2
FIT_RTOL = 2e-3  # a few epochs of fit: see _moving_fit
STEP = 3e-2        # along a direction (module docstring)
ENTRY_STEP = 1e-2  # entry by entry, where a direction was in doubt (module docstring)

FORWARD_HINT = "hidden.many.forward"
BPTT_HINT = "hidden.many.bptt"
GRADS_HINT = "hidden.many.grads_order"
LOSSES_HINT = "hidden.many.losses"


def _say(key, **fields):
    return text(f"hidden.many.{key}", **fields)


# -- checks ----------------------------------------------------------------------



def _close(actual, expected, what, hint=None, rtol=RTOL, scale=None, atol_scale=ATOL_SCALE):
    """actual against the reference's value at the fixed tolerance (an ndarray where expected is one).

    scale: the magnitude atol is relative to, by default the largest |entry| of expected.
    """
    expected = np.asarray(expected, dtype=np.float64)
    if expected.ndim and not isinstance(actual, np.ndarray):
        not_an_array(actual, what, hint)
    if scale is None:
        scale = float(np.max(np.abs(expected), initial=0.0))
    assert_close(actual, expected, what, rtol=rtol, atol=max(atol_scale * scale, 1e-12), hint=hint)


def _number(value, expected, what, hint=None):
    """A loss: one number (a float, a numpy scalar or a 0-d array), close to the reference's."""
    if not (isinstance(value, (float, np.floating)) or (isinstance(value, np.ndarray) and value.shape == ())):
        shape = getattr(value, "shape", None)
        fail("hidden.many.not_a_number", what=what, kind=kind_of(value) if shape is None else f"{kind_of(value)} {shape}",
             hint=hint)
    _close(value, expected, what, hint)


def _list(value, length, what, hint):
    if not isinstance(value, (list, tuple)):
        kind = kind_of(value)
        if hint == LOSSES_HINT:
            hint = [hints.hint("hint.fit.losses_list", kind=kind), hint]
        fail("hidden.many.not_a_list", what=what, kind=kind, hint=hint)
    if len(value) != length:
        fail("hidden.many.list_length", what=what, count=len(value), expected=length, hint=hint)
    return list(value)


def _gradients(checks, what, hint, reference):
    """The gradient check, counting only where the student's loss is not degenerate (rule 2).

    checks: {name: (analytic, Numerical)}; reference: {name: the reference's gradient}.
    Every submission gets the same allowed error (module docstring).
    """
    check_gradients(checks, what, hint=hint, reference=reference, through="ManyToOneRNN.loss")


# -- data ------------------------------------------------------------------------

def _sentences(rng, n, length):
    return [tuple(str(w) for w in rng.choice(["as", "soon"], size=length)) for _ in range(n)]


def _encode(sentences):
    return np.array([[CODE[w] for w in s] for s in sentences])


def _targets(rng, n, as_int=False):
    t = rng.integers(0, 2, size=(n, 1))
    return t if as_int else t.astype(float)


def _config(rng, n=None, steps=None):
    """Model sizes and a seed: D from 2 to 4, H from 2 to 5 (H != D), O = 1; N and T drawn unless given."""
    d = int(rng.integers(2, 5))
    h = int(rng.choice([v for v in range(2, 6) if v != d]))
    n = int(rng.integers(2, 7)) if n is None else n
    steps = int(rng.integers(2, 6)) if steps is None else steps
    return {"input_size": d, "hidden_size": h, "output_size": 1, "seed": int(rng.integers(1, 2**31 - 1))}, n, steps


def _batch(rng, sizes, n, steps, scale=1.0):
    xs = scale * rng.normal(size=(n, steps, sizes["input_size"]))
    return xs, _targets(rng, n)


def _where(xs, sizes):
    return _say("xs_sizes", shape=xs.shape, h=sizes["hidden_size"], o=sizes["output_size"])


# -- models ----------------------------------------------------------------------

def _models(student, ref, sizes):
    return student.ManyToOneRNN(**sizes), ref.ManyToOneRNN(**sizes)


def _holding(model, params):
    """model with `params` set both as attributes and as the params list: whichever forward reads, it sees them."""
    for name, value in zip(NAMES, params):
        setattr(model, name, value)
    model.params = list(params)
    return model


def _model_with(student, sizes, params):
    """A new student model holding `params`."""
    return _holding(student.ManyToOneRNN(**sizes), params)


def _grads(model, xs, t):
    model.loss(xs, t)
    model.backward()
    return model.grads


def _assert_grads(grads, expected, what, hint, only=range(5)):
    """The five gradients against the reference's; atol is relative to the largest entry of all five."""
    grads = _list(grads, 5, f"{what}: grads", GRADS_HINT)
    scale = max(float(np.max(np.abs(e), initial=0.0)) for e in expected)
    for i in only:
        _close(grads[i], expected[i], f"{what}: grads[{i}] (d{NAMES[i]})", hint=hint, scale=scale)


def _bug(model_grads, expected, xs, t):
    """The BPTT bug hint of the student's gradients (expected: the reference model, same parameters)."""
    grads = model_grads if isinstance(model_grads, (list, tuple)) and len(model_grads) == 5 else None
    return bugs.gradients(grads, expected.params, xs, t) if grads is not None else None


# -- one_hot ---------------------------------------------------------------------

def _one_hot_cases(rng):
    """(sentences, N, T): a batch of one, a single word, odd sizes; tuples and lists of words; "soon" alone."""
    cases = []
    for k, (n, length) in enumerate([(1, int(rng.integers(2, 6))), (int(rng.integers(2, 5)), 1),
                                     (int(rng.integers(3, 8)), int(rng.integers(2, 6)))]):
        sentences = _sentences(rng, n, length)
        if k % 2:
            sentences = [list(s) for s in sentences]  # sentences may be lists of words too
        cases.append((sentences, n, length))
    # Last, a batch of "soon" alone: a vocabulary built from the words given would code it [1, 0].
    # Appended after the drawn cases, so that their draws and the float test's case [2] stay as they were.
    rest = draw.rng("one_word")
    n, length = int(rest.integers(1, 4)), int(rest.integers(1, 4))
    cases.append(([("soon",) * length for _ in range(n)], n, length))
    return cases


def test_one_hot_codes_as_as_1_0_and_soon_as_0_1(student, ref):
    for sentences, n, length in _one_hot_cases(draw.rng("cases")):
        got, right = student.one_hot(sentences), ref.one_hot(sentences)
        _close(got, right, _say("one_hot_of", n=n, length=length),
               hint=[bugs.one_hot(got, right), "hidden.many.codes", "hidden.many.one_hot_shape"])


def test_one_hot_returns_a_float_array(student, ref):
    sentences, n, length = _one_hot_cases(draw.rng("cases"))[2]
    got = student.one_hot(sentences)
    what = _say("one_hot_of", n=n, length=length)
    if isinstance(got, np.ndarray) and got.dtype.kind != "f":
        fail("hidden.many.not_float", what=what, dtype=got.dtype, hint="hidden.many.float_codes")
    _close(got, ref.one_hot(sentences), what, hint="hidden.many.codes")


# -- make_dataset ----------------------------------------------------------------

def _dataset(student):
    value = student.make_dataset()
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        fail("hidden.many.dataset_tuple")
    return value


def _own_order(sentences):
    """The student's order of the three sentences if it holds exactly them, else the sorted one.

    X and t are judged against the sentences make_dataset returned, so that a
    wrong order costs points once (in the test below), not three times.
    """
    try:
        got = [tuple(str(w) for w in s) for s in sentences]
    except TypeError:
        return SENTENCES
    return got if sorted(got) == SENTENCES else SENTENCES


def test_make_dataset_lists_the_three_orders_in_sorted_order(student, ref):
    sentences, X, _ = _dataset(student)
    hint = [bugs.sentences(sentences) if isinstance(sentences, (list, tuple)) else None, "hidden.many.permutations"]
    sentences = _list(sentences, 3, "make_dataset(): sentences", hint)
    if not all(isinstance(s, tuple) for s in sentences):  # README: a list of tuples
        fail("hidden.many.sentence_tuples")
    got = list(sentences)
    if sorted(got) != SENTENCES:
        fail("hidden.many.not_the_orders", hint=hint)
    if got != SENTENCES:
        fail("hidden.many.not_sorted", hint=hint)
    # The README prints this list: it earns its points together with what is computed from it.
    _close(X, _encode(SENTENCES), "make_dataset(): X", hint="hidden.many.X")


def test_make_dataset_x_is_the_one_hot_code_of_the_sentences(student, ref):
    sentences, X, _ = _dataset(student)
    right = _encode(_own_order(sentences))
    _close(X, right, "make_dataset(): X", hint=[bugs.one_hot(X, right), "hidden.many.X"])


def test_make_dataset_labels_are_1_only_for_as_soon_as(student, ref):
    sentences, _, t = _dataset(student)
    order = _own_order(sentences)
    labels = np.array([[1.0] if s == ("as", "soon", "as") else [0.0] for s in order])
    _close(t, labels, "make_dataset(): t", hint=[bugs.labels(t, labels, order), "hidden.many.t"])


# -- bce_loss --------------------------------------------------------------------

def _probabilities(rng, n):
    """(y_hat, t): probabilities from 0.05 to 0.95 and 0/1 targets with both classes (n > 1)."""
    y_hat = rng.uniform(0.05, 0.95, size=(n, 1))
    t = _targets(rng, n)
    if n > 1:
        t[:2] = [[0.0], [1.0]]
    return y_hat, t


def test_bce_loss_of_one_example_matches_reference(student, ref):
    rng = draw.rng("cases")
    for target in (0, 1, 0, 1):
        y_hat, t = rng.uniform(0.05, 0.95, size=(1, 1)), np.array([[float(target)]])
        loss = student.bce_loss(y_hat, t)
        _close(loss, ref.bce_loss(y_hat, t), f"bce_loss {_say('one_row')}", hint=[bugs.bce(loss, y_hat, t), "hidden.many.bce"])


def test_bce_loss_averages_over_the_batch(student, ref):
    rng = draw.rng("cases")
    for n in (int(rng.integers(3, 6)), int(rng.integers(7, 12))):
        y_hat, t = _probabilities(rng, n)
        if n > 6:
            t = t.astype(int)  # targets may be integers
        loss = student.bce_loss(y_hat, t)
        _close(loss, ref.bce_loss(y_hat, t), f"bce_loss {_say('batch_of', n=n)}",
               hint=[bugs.bce(loss, y_hat, t), "hidden.many.bce_mean"])
    # Integer targets of any dtype (README), unsigned ones too: -t wraps around there (-1 is 255 in uint8),
    # so -t * log(y_hat) is wrong for them while -(t * log(y_hat)) is right.
    y_hat, t = _probabilities(draw.rng("unsigned"), 5)
    t = t.astype(np.uint8)
    loss = student.bce_loss(y_hat, t)
    _close(loss, ref.bce_loss(y_hat, t), f"bce_loss {_say('unsigned_targets', n=5)}",
           hint=[bugs.bce(loss, y_hat, t), "hidden.many.bce_unsigned"])


def test_bce_loss_is_finite_and_right_when_a_probability_is_exactly_0_or_1(student, ref):
    rng = draw.rng("cases")
    for n in (int(rng.integers(4, 8)), int(rng.integers(8, 12))):
        y_hat, t = _probabilities(rng, n)
        y_hat[:2] = [[1.0], [0.0]]  # sure and right: a saturated sigmoid
        t[:2] = [[1.0], [0.0]]
        loss = student.bce_loss(y_hat, t)
        what = f"bce_loss {_say('sure', n=n)}"
        changed = student.mutated_arguments()  # README: y_hat and y stay as given (clip into a new array)
        value = np.asarray(loss, dtype=np.float64) if isinstance(loss, (float, np.floating, np.ndarray)) else None
        if value is not None and not np.all(np.isfinite(value)):
            fail("hidden.many.not_finite", what=what, hint=[hints.hint("hint.bce.clip"), "hidden.many.clip"])
        _close(loss, ref.bce_loss(y_hat, t), what, hint=[bugs.bce(loss, y_hat, t), "hidden.many.clip"])
        if changed:
            fail("hidden.many.bce_changed_inputs", what=what, hint="hidden.many.clip_copy")


def test_bce_loss_returns_one_number(student, ref):
    rng = draw.rng("cases")
    for n in (int(rng.integers(3, 7)), int(rng.integers(7, 10))):  # two cases: no constant matches both
        y_hat, t = _probabilities(rng, n)
        _number(student.bce_loss(y_hat, t), ref.bce_loss(y_hat, t), f"bce_loss {_say('batch_of', n=n)}",
                hint="hidden.many.one_number")


# -- ManyToOneRNN: forward and loss ----------------------------------------------

def test_published_example_is_reproduced(student, ref):
    xs, t = _encode([PUBLISHED]), np.array([[0.0]])
    model, expected = student.ManyToOneRNN(), ref.ManyToOneRNN()
    y_hat = model.forward(xs)
    hint = [bugs.forward(y_hat, expected.params, xs), "hidden.many.constructor", FORWARD_HINT]
    _close(y_hat, expected.forward(xs), _say("published_forward"), hint=hint)
    loss = model.loss(xs, t)
    _close(loss, expected.loss(xs, t), _say("published_loss"), hint=[hint[0], bugs.bce(loss, expected.forward(xs), t), *hint[1:]])
    # The same default model on other sentences: the two published figures alone earn nothing.
    rng = draw.rng("sentences")
    sentences = _sentences(rng, int(rng.integers(2, 6)), 3)
    xs, t = _encode(sentences), _targets(rng, len(sentences))
    y_hat = model.forward(xs)
    _close(y_hat, expected.forward(xs), _say("default_forward", n=len(sentences)),
           hint=[bugs.forward(y_hat, expected.params, xs), FORWARD_HINT])
    _close(model.loss(xs, t), expected.loss(xs, t), _say("default_loss", n=len(sentences)), hint="hidden.many.loss")


def test_forward_matches_reference(student, ref):
    rng = draw.rng("cases")
    configs = [_config(rng, n=1), _config(rng, steps=1), _config(rng)]
    wide, n, steps = _config(rng)
    configs.append(({**wide, "output_size": 2}, n, steps))  # two outputs: forward only
    for sizes, n, steps in configs:
        model, expected = _models(student, ref, sizes)
        xs, _ = _batch(rng, sizes, n, steps)
        y_hat = model.forward(xs)
        _close(y_hat, expected.forward(xs), f"forward(xs) {_where(xs, sizes)}",
               hint=[bugs.forward(y_hat, expected.params, xs), FORWARD_HINT, "hidden.many.read_out"])


def test_forward_starts_every_batch_from_a_zero_hidden_state(student, ref):
    rng = draw.rng("cases")
    sizes, n, steps = _config(rng)
    model, expected = _models(student, ref, sizes)
    first, _ = _batch(rng, sizes, n, steps)
    model.forward(first)
    for later_n, later_steps in ((n, steps), (n + int(rng.integers(1, 4)), steps + 1)):  # then a new N and T
        second, _ = _batch(rng, sizes, later_n, later_steps)
        y_hat = model.forward(second)
        _close(y_hat, expected.forward(second), f"forward(xs) {_say('second_call', shape=second.shape)}",
               hint=[bugs.forward(y_hat, expected.params, second, previous=first) if later_n == n else None,
                     "hidden.many.zero_state"])


def _large_case(rng, ref):
    """(sizes, params, xs): inputs of 2000 to 5000 in size (tanh saturates to +-1) and Wy of one size M
    from 2000 to 5000 with drawn signs, H odd, so that a saturated h_T @ Wy is an odd multiple of M:
    logits beyond +1000 and below -1000 in every case drawn. exp(a) overflows for some rows under
    every seed, and the probabilities are exactly 1 for some rows and 0 for others, in any dtype.
    (No drawn value is below 2000 in size, so none can be mistaken for a line number in a message.)
    """
    for _ in range(200):
        sizes, n, steps = _config(rng, n=8)
        sizes["hidden_size"] = 5 if sizes["input_size"] == 3 else int(rng.choice([3, 5]))
        expected = ref.ManyToOneRNN(**sizes)
        params = [p.copy() for p in expected.params]
        params[3] = rng.uniform(2000, 5000) * rng.choice([-1.0, 1.0], size=params[3].shape)
        shape = (n, steps, sizes["input_size"])
        xs = rng.uniform(2000, 5000, size=shape) * rng.choice([-1.0, 1.0], size=shape)
        _holding(expected, params)
        with np.errstate(over="ignore"):
            expected.forward(xs)
        logits = np.asarray(expected.hs[-1]) @ params[3] + params[4]
        if np.any(logits > 1000) and np.any(logits < -1000):
            return sizes, params, xs
    raise EngineError("no large case found in 200 draws")  # the grader's fault, not the student's (fault.py)


def test_forward_is_finite_and_right_for_large_inputs(student, ref):
    sizes, params, xs = _large_case(draw.rng("cases"), ref)
    expected = _holding(ref.ManyToOneRNN(**sizes), params)
    y_hat = _model_with(student, sizes, params).forward(xs)
    what = f"forward(xs) {_say('large_inputs', shape=xs.shape)}"
    if isinstance(y_hat, np.ndarray) and y_hat.dtype.kind == "f" and not np.all(np.isfinite(y_hat)):
        fail("hidden.many.not_finite", what=what, hint="hidden.many.stable")
    with np.errstate(over="ignore"):  # the reference's exp(-a) overflows to inf, and 1 / (1 + inf) is 0
        right = expected.forward(xs)
    _close(y_hat, right, what, hint="hidden.many.stable")


def test_loss_matches_reference(student, ref):
    rng = draw.rng("cases")
    for k, (sizes, n, steps) in enumerate([_config(rng, n=1), _config(rng, steps=1), _config(rng)]):
        model, expected = _models(student, ref, sizes)
        xs, t = _batch(rng, sizes, n, steps)
        if k == 2:
            t = t.astype(int)  # integer targets, as make_dataset may give
        loss = model.loss(xs, t)
        _number(loss, expected.loss(xs, t), f"loss(xs, t) {_say('xs_of', shape=xs.shape)}",
                hint=[bugs.bce(loss, expected.forward(xs), t), "hidden.many.loss"])


# -- ManyToOneRNN: backward ------------------------------------------------------

def test_backward_matches_reference(student, ref):
    rng = draw.rng("cases")
    for sizes, n, steps in [_config(rng, n=1), _config(rng, steps=1), _config(rng), _config(rng, steps=5)]:
        model, expected = _models(student, ref, sizes)
        xs, t = _batch(rng, sizes, n, steps)
        model.loss(xs, t)
        expected.loss(xs, t)
        model.backward()
        expected.backward()
        _assert_grads(model.grads, expected.grads, f"backward() {_say('after_loss', shape=xs.shape)}",
                      [_bug(model.grads, expected, xs, t), BPTT_HINT, "hidden.many.grad_shapes"])




def _gentle_case(rng, ref, n, steps):
    """(sizes, params, xs, t, the reference model after backward): parameters drawn at scale 0.5 (the
    states stay off the flat ends of tanh) and every parameter's gradient at least 0.1 somewhere.

    Central differences are then exact enough for any float32 submission (module docstring).
    """
    for _ in range(200):
        sizes, _, _ = _config(rng)
        shapes = [p.shape for p in ref.ManyToOneRNN(**sizes).params]
        params = [0.5 * rng.normal(size=shape) for shape in shapes]
        xs, t = _batch(rng, sizes, n, steps)
        expected = _holding(ref.ManyToOneRNN(**sizes), params)
        _grads(expected, xs, t)
        if min(float(np.max(np.abs(g))) for g in expected.grads) >= 0.1:
            return sizes, params, xs, t, expected
    raise EngineError("no gentle case found in 200 draws")  # the grader's fault, not the student's (fault.py)


def _richardson(f, x, what):
    """Central differences at h and 2 * h combined to cancel their h ** 2 error: (4 D(h) - D(2h)) / 3; h is
    STEP along a direction, ENTRY_STEP entry by entry."""
    return Numerical(f, x, what=what, step=ENTRY_STEP, extrapolated=True, along_step=STEP)


def test_backward_matches_numerical_gradient_of_your_loss(student, ref):
    rng = draw.rng("cases")
    for n, steps in ((3, 3), (2, 4)):
        sizes, params, xs, t, expected = _gentle_case(rng, ref, n, steps)
        model = _model_with(student, sizes, params)
        model.loss(xs, t)
        model.backward()
        grads = _list(model.grads, 5, "grads", GRADS_HINT)
        checks, reference = {}, {}
        for i, name in enumerate(NAMES):
            def loss_at(value, i=i):
                changed = params[:i] + [value] + params[i + 1:]
                return _model_with(student, sizes, changed).loss(xs, t)
            checks[f"grads[{i}] (d{name})"] = (grads[i], _richardson(loss_at, params[i], "loss(xs, t)"))
            reference[f"grads[{i}] (d{name})"] = expected.grads[i]
        _gradients(checks, f"backward() {_say('xs_of', shape=xs.shape)}", [_bug(grads, expected, xs, t), BPTT_HINT],
                   reference)


def test_whh_gradient_flows_back_through_every_time_step(student, ref):
    rng = draw.rng("cases")
    sizes, n, steps = _config(rng, steps=5)
    model, expected = _models(student, ref, sizes)
    xs, t = _batch(rng, sizes, n, steps)
    _grads(model, xs, t)
    _grads(expected, xs, t)
    _assert_grads(model.grads, expected.grads, f"backward() {_say('five_steps')}",
                  [_bug(model.grads, expected, xs, t), "hidden.many.all_steps"], only=(1, 0))


def test_backward_twice_gives_the_same_gradients(student, ref):
    rng = draw.rng("cases")
    sizes, n, steps = _config(rng)
    model, expected = _models(student, ref, sizes)
    xs, t = _batch(rng, sizes, n, steps)
    _grads(model, xs, t)
    model.backward()
    _grads(expected, xs, t)
    grads = _list(model.grads, 5, "grads", GRADS_HINT)
    _assert_grads(grads, expected.grads, f"backward() {_say('second_backward')}",
                  [*(hints.accumulates(g, e, f"d{name}") for g, e, name in zip(grads, expected.grads, NAMES)),
                   "hidden.many.afresh", "hidden.many.cache"])


def test_backward_uses_only_the_latest_loss_call(student, ref):
    rng = draw.rng("cases")
    sizes, n, steps = _config(rng)
    model, expected = _models(student, ref, sizes)
    first_xs, first_t = _batch(rng, sizes, n, steps)
    xs, t = _batch(rng, sizes, n + int(rng.integers(1, 4)), steps + int(rng.integers(1, 3)))  # a new N and T
    _grads(model, first_xs, first_t)
    previous = [g.copy() for g in _grads(ref.ManyToOneRNN(**sizes), first_xs, first_t)]
    _grads(model, xs, t)
    _grads(expected, xs, t)
    grads = _list(model.grads, 5, "grads", GRADS_HINT)
    _assert_grads(grads, expected.grads, f"backward() {_say('second_loss', shape=xs.shape)}",
                  [*(hints.accumulates(g, e, f"d{name}", p) for g, e, p, name in zip(grads, expected.grads, previous, NAMES)),
                   "hidden.many.afresh"])
    # Two models side by side: another model's loss call between this model's loss and backward changes
    # nothing here (hidden states or targets kept on the class or the module are shared by every model).
    other_xs, other_t = _batch(draw.rng("other_model"), sizes, n + 1, steps + 1)
    model.loss(xs, t)
    student.ManyToOneRNN(**sizes).loss(other_xs, other_t)
    model.backward()
    grads = _list(model.grads, 5, "grads", GRADS_HINT)
    _assert_grads(grads, expected.grads, f"backward() {_say('other_model_between', shape=xs.shape, other=other_xs.shape)}",
                  "hidden.many.own_state")


def test_backward_writes_grads_in_place(student, ref):
    rng = draw.rng("cases")
    sizes, n, steps = _config(rng)
    model, expected = _models(student, ref, sizes)
    xs, t = _batch(rng, sizes, n, steps)
    before = student.identities(model, "grads")
    _grads(model, xs, t)
    if student.identities(model, "grads") != before:
        fail("hidden.many.rebound", hint=hints.rebound())
    _grads(expected, xs, t)
    _assert_grads(model.grads, expected.grads, f"backward() {_say('xs_of', shape=xs.shape)}", BPTT_HINT)


# -- ManyToOneRNN: fit and predict -----------------------------------------------

def _moving_fit(rng, ref):
    """(sizes, xs, t, lr, epochs, params before, reference model after fit, its losses): every epoch
    moves the reference's loss by 1 % or more, by 40 % at most in all, and the parameters by 2 % to
    100 % of their scale, each of the five by 10 FIT_RTOL of it or more (a fit that forgets one is caught).

    A fit that records the loss after the update, climbs, or leaves params behind is then off by 5
    to 10 times FIT_RTOL under every seed, while a gradient off by 0.1 % (which the gradient tests
    catch) changes the losses by at most 0.1 % of how far they fell (0.07 %), and the parameters by
    0.1 % of how far they moved: a third and a half of FIT_RTOL.
    """
    for _ in range(500):
        sizes, n, steps = _config(rng)
        xs, t = _batch(rng, sizes, n, steps)
        epochs, lr = int(rng.integers(3, 7)), float(rng.uniform(0.5, 1.0))
        expected = ref.ManyToOneRNN(**sizes)
        before = [p.copy() for p in expected.params]
        losses = np.asarray(expected.fit(xs, t, lr, epochs), dtype=float)
        scale = max(float(np.max(np.abs(p))) for p in before)
        moved = max(float(np.max(np.abs(a - b))) for a, b in zip(expected.params, before))
        steady = np.all(np.abs(np.diff(losses)) >= 1e-2 * losses[:-1]) and abs(losses[0] - losses[-1]) <= 0.4 * losses[-1]
        # each of the five parameters moves by 10 FIT_RTOL of the scale after fit: one left behind is off
        # by 5 times the in-place test's tolerance (FIT_RTOL of that scale and of the entry)
        after = max(float(np.max(np.abs(p))) for p in expected.params)
        each = min(float(np.max(np.abs(a - b))) for a, b in zip(expected.params, before)) >= 10 * FIT_RTOL * after
        if steady and each and 0.02 * scale <= moved <= scale:
            return sizes, xs, t, lr, epochs, before, expected, losses
    raise EngineError("no moving fit found in 500 draws")  # the grader's fault, not the student's (fault.py)


def test_fit_follows_plain_gradient_descent(student, ref):
    sizes, xs, t, lr, epochs, params, trained, expected = _moving_fit(draw.rng("cases"), ref)
    model = student.ManyToOneRNN(**sizes)
    losses = _list(model.fit(xs, t, lr, epochs), epochs, f"fit(xs, t, lr, {epochs})", LOSSES_HINT)
    _close(np.asarray(losses, dtype=float), expected, f"fit(xs, t, lr, {epochs}): {_say('the_losses')}",
           hint=[bugs.fit_losses(losses, params, xs, t, lr), "hidden.many.descent"], rtol=FIT_RTOL)
    # fit again on the same model, for fewer epochs: its own losses only, going on from the trained
    # parameters (a list or an epoch count kept on the model or its class gives more or fewer).
    more = 2
    what = f"fit(xs, t, lr, {more}) {_say('second_fit', epochs=epochs)}"
    again = _list(model.fit(xs, t, lr, more), more, what, [LOSSES_HINT, "hidden.many.fit_again"])
    _close(np.asarray(again, dtype=float), trained.fit(xs, t, lr, more), f"{what}: {_say('the_losses')}",
           hint=["hidden.many.fit_again", "hidden.many.descent"], rtol=FIT_RTOL)


def test_fit_updates_params_and_attributes_in_place(student, ref):
    sizes, xs, t, lr, epochs, _, expected, _ = _moving_fit(draw.rng("cases"), ref)
    model = student.ManyToOneRNN(**sizes)
    before = student.identities(model, "params")
    model.fit(xs, t, lr, epochs)
    advice = "hidden.many.in_place"
    params = _list(model.params, 5, f"params {_say('after_fit')}", advice)
    attributes = [getattr(model, name) for name in NAMES]
    hint = [bugs.fit_arrays(params, attributes), advice]
    # README: in place, so params holds the very arrays it held (rebuilding params from new arrays
    # keeps the values right but leaves behind whoever holds the arrays, an optimizer or a plot).
    if student.identities(model, "params") != before:
        fail("hidden.many.fit_rebound", hint=hint)
    scale = max(float(np.max(np.abs(p))) for p in expected.params)
    for i, name in enumerate(NAMES):
        for value, what in ((params[i], f"params[{i}]"), (attributes[i], name)):
            _close(value, expected.params[i], f"{what} {_say('after_fit')}", hint=hint, rtol=FIT_RTOL, scale=scale,
                   atol_scale=FIT_RTOL)


def test_fit_learns_as_soon_as(student, ref):
    X = _encode(SENTENCES)
    model, expected = student.ManyToOneRNN(), ref.ManyToOneRNN()
    losses = _list(model.fit(X, LABELS, LR, EPOCHS), EPOCHS, f"fit(X, t, {LR}, {EPOCHS})", LOSSES_HINT)
    losses = np.asarray(losses, dtype=float)
    if not np.all(np.isfinite(losses)):
        fail("hidden.many.fit_not_finite")
    if not losses[-1] < 0.1 * losses[0]:
        fail("hidden.many.fit_no_progress", lr=LR, epochs=EPOCHS,
             hint=[hints.hint("hint.fit.ascent") if losses[-1] > losses[0] else None, "hidden.many.descent_sign"])
    _close(losses, expected.fit(X, LABELS, LR, EPOCHS), f"fit(X, t, {LR}, {EPOCHS}): {_say('the_losses')}",
           hint="hidden.many.descent", rtol=TRAINING_RTOL)
    _close(model.predict(X), LABELS.astype(int), f"predict(X) {_say('after_training', lr=LR, epochs=EPOCHS)}",
           hint="hidden.many.classify")


def _spread_model(rng, ref):
    """(sizes, xs) whose reference probabilities fall on both sides of 0.5, some within 0.02 of it.

    A threshold anywhere but 0.5 (0.6, 0.51, 0) then misclassifies some row under every seed.
    """
    for _ in range(200):
        sizes, _, steps = _config(rng, n=60)
        xs, _ = _batch(rng, sizes, 60, steps)
        p = ref.ManyToOneRNN(**sizes).forward(xs)
        if all(np.any((lo < p) & (p < hi)) for lo, hi in ((0.48, 0.5), (0.5, 0.52), (0.0, 0.3), (0.7, 1.0))):
            return sizes, xs
    raise EngineError("no spread of probabilities found in 200 draws")  # the grader's fault, not the student's (fault.py)


def test_predict_thresholds_probabilities_at_one_half(student, ref):
    sizes, xs = _spread_model(draw.rng("cases"), ref)
    model, expected = _models(student, ref, sizes)
    labels = model.predict(xs)
    _close(labels, expected.predict(xs), f"predict(xs) {_say('xs_of', shape=xs.shape)}",
           hint=[bugs.predict(labels, expected.forward(xs)), "hidden.many.predict"])
    # predict after a loss call on another batch: it classifies the xs it is given, not what loss kept.
    other, t = _batch(draw.rng("other_batch"), sizes, 3, xs.shape[1])
    model.loss(other, t)
    labels = model.predict(xs)
    _close(labels, expected.predict(xs), f"predict(xs) {_say('after_other_loss', shape=xs.shape, other=other.shape)}",
           hint=[bugs.predict(labels, expected.forward(xs)), "hidden.many.predict_own_input"])


def _int_labels(labels, right, what):
    """predict's labels: an integer array (where an array), equal to the reference's."""
    if isinstance(labels, np.ndarray) and labels.dtype.kind not in "iu":
        fail("hidden.many.not_int", what=what, dtype=labels.dtype, hint="hidden.many.predict_kind")
    _close(labels, right, what, hint="hidden.many.predict")


def test_predict_returns_an_int_array(student, ref):
    sizes, xs = _spread_model(draw.rng("cases"), ref)  # both classes: constant labels are wrong somewhere
    model, expected = _models(student, ref, sizes)
    _int_labels(model.predict(xs), expected.predict(xs), f"predict(xs) {_say('xs_of', shape=xs.shape)}")
    # Saturated probabilities, exactly 0 and 1 (see _large_case): still labels 0 and 1, nothing else.
    sizes, params, xs = _large_case(draw.rng("large_predict"), ref)
    labels = _model_with(student, sizes, params).predict(xs)
    with np.errstate(over="ignore"):
        right = _holding(ref.ManyToOneRNN(**sizes), params).predict(xs)
    _int_labels(labels, right, f"predict(xs) {_say('large_inputs', shape=xs.shape)}")
