"""Hidden tests for 04_softmax_loss: softmax, cross_entropy_error, SoftmaxWithLoss.

Tolerances. Values use assert_close's defaults, chosen from the dtype the
student returns (float64: rtol 1e-5, atol 1e-8; float32: rtol 1e-3, atol 1e-5),
except for losses: the textbook (and the reference) computes log(y + 1e-7), and
code without that delta is just as correct. The two differ by about
1e-7 / y_t per sample, where y_t is the probability of the target class, so
every loss here is compared with atol LOSS_ATOL = 1e-5 and the inputs keep
y_t >= 0.04 (scores get a lift on the target class): the delta then moves a
loss by at most 2.5e-6, while every loss bug in the mutants file is off by 0.02
or more. The same delta makes the numerical gradient of the reference's forward
differ from (y - t) / N by a relative 1e-7 / y_t, well inside assert_gradient's
1e-5 for float64. Measured on the variants in tests/mutants/04_softmax_loss.toml:
float64 rewrites agree with the reference to about 1e-15 (1e-6 on losses
without the delta), float32 ones to about 1e-7 relative. A SoftmaxWithLoss that
keeps y in float32 returns a float64 dx when t is one-hot float64, and is then
judged at the float64 tolerance: on these fixed inputs it uses at most 10 % of it.

SoftmaxWithLoss is backward(dout=1): the textbook's version ignores dout, so
backward is only ever called with its default here.
"""

import numpy as np

from autograder import hints
from autograder.patterns import softmax_loss as bugs
from autograder.student import StudentError
from autograder.checks import as_array, assert_close, assert_gradient, assert_shape, fail, numerical_gradient
from autograder.messages import text

LOSS_ATOL = 1e-5  # accepts log(y) and log(y + 1e-7) alike (see above)
SHAPES = [(1, 4), (5, 3), (7, 10)]  # (N, C): a batch of one, odd sizes, more classes than samples

SOFTMAX_HINT = "hidden.softmax.softmax"
ROWS_HINT = "hidden.softmax.rows"
STABLE_HINT = "hidden.softmax.stable"
LOSS_HINT = "hidden.softmax.loss"
LABEL_HINT = "hidden.softmax.labels"
DX_HINT = "hidden.softmax.dx"


def _say(key, **fields):
    return text(f"hidden.softmax.{key}", **fields)


# -- data ------------------------------------------------------------------------

def _scores(seed, shape, scale=1.5):
    return scale * np.random.default_rng(seed).normal(size=shape)


def _labels(seed, n, c):
    return np.random.default_rng(500 + seed).integers(0, c, size=n)


def _one_hot(labels, c):
    return np.eye(c)[labels]


def _problem(seed, n, c):
    """Scores x (N, C) with a lift on each target class, and its labels (N,): y_t stays >= 0.04."""
    labels = _labels(seed, n, c)
    x = _scores(seed, (n, c), scale=1.2)
    x[np.arange(n), labels] += 2.0
    return x, labels


def _probabilities(ref, seed, n, c):
    """Probabilities y (N, C) from the reference softmax, and labels (N,)."""
    x, labels = _problem(seed, n, c)
    return ref.softmax(x), labels


def _scalar(value, what):
    array = as_array(value, what)
    if array.size != 1:
        fail("hidden.softmax.not_a_number", what=what, shape=array.shape, hint=LOSS_HINT)
    return float(array.reshape(()))


# -- softmax ---------------------------------------------------------------------

def test_softmax_matches_reference(student, ref):
    for seed, shape in enumerate(SHAPES):
        x = _scores(100 + seed, shape, scale=3.0)
        y = student.softmax(x)
        assert_close(y, ref.softmax(x), f"softmax(x) {_say('for_x', shape=shape)}", hint=[bugs.softmax(y, x), SOFTMAX_HINT])


def test_softmax_normalises_each_row_separately(student, ref):
    for n, c in ((4, 4), (6, 4)):  # a square x first: row sums without keepdims broadcast the wrong way there
        x = _scores(200 + n, (n, c), scale=2.0)
        y = student.softmax(x)
        hint = [bugs.softmax(y, x), ROWS_HINT]
        y = assert_shape(y, (n, c), f"softmax(x) {_say('for_x', shape=(n, c))}", hint=hint)
        assert_close(np.sum(y, axis=1), np.ones(n), _say("row_sums"), hint=hint)


def _on_a_vector(call, key, advice, *args):
    """call(*args) on 1-D inputs; numpy's complaint about a missing axis gets the hint `key`."""
    try:
        return call(*args)
    except StudentError as exc:
        complaint = str(exc).lower()
        axis = any(word in complaint for word in ("out of bounds for array of dimension", "too many indices"))
        fail(str(exc), hint=[hints.hint(key) if axis else None, advice])


def test_softmax_of_a_vector(student, ref):
    advice = "hidden.softmax.vector_advice"
    for seed, c in enumerate((6, 9)):
        x = _scores(300 + seed, c, scale=3.0)
        y = _on_a_vector(student.softmax, "hint.softmax.vector_axis", advice, x)
        assert_close(y, ref.softmax(x), f"softmax(x) {_say('for_x', shape=(c,))}", hint=[bugs.softmax(y, x), advice])
    large = np.array([-998.0, 1000.0, 999.0, -1000.0, 1000.0])
    y = _on_a_vector(student.softmax, "hint.softmax.vector_axis", advice, large)
    assert_close(y, ref.softmax(large), f"softmax(x) {_say('large_vector')}", hint=[bugs.softmax(y, large), advice])


def test_softmax_gives_no_nan_or_inf_for_large_scores(student, ref):
    # Rows far apart from each other: subtracting one maximum for the whole array
    # would send the lower rows to exp(-2000) = 0 and then 0 / 0.
    x = np.array([[1000.0, 999.0, 997.5, -1000.0],
                  [-1000.0, -1001.0, -999.5, -1003.0],
                  [0.5, -1000.0, 1000.0, 2.0],
                  [-700.0, -700.0, -700.0, -700.0],
                  [800.0, 800.0, 799.0, 650.0]])
    y = student.softmax(x)
    assert_close(y, ref.softmax(x), f"softmax(x) {_say('large')}", hint=[bugs.softmax(y, x), STABLE_HINT])


# -- cross_entropy_error ---------------------------------------------------------

def test_cross_entropy_error_matches_reference_for_one_hot_targets(student, ref):
    for seed, (n, c) in enumerate(SHAPES):
        y, labels = _probabilities(ref, 400 + seed, n, c)
        t = _one_hot(labels, c)
        loss = student.cross_entropy_error(y, t)
        assert_close(loss, ref.cross_entropy_error(y, t), f"cross_entropy_error(y, t) {_say('one_hot', shape=(n, c))}",
                     atol=LOSS_ATOL, hint=[bugs.cross_entropy(loss, y, t), LOSS_HINT, "hidden.softmax.single_number"])


def test_cross_entropy_error_matches_reference_for_label_targets(student, ref):
    for seed, (n, c) in enumerate(SHAPES):
        y, t = _probabilities(ref, 500 + seed, n, c)
        loss = student.cross_entropy_error(y, t)
        assert_close(loss, ref.cross_entropy_error(y, t), f"cross_entropy_error(y, t) {_say('labels_of', shape=(n, c), n=n)}",
                     atol=LOSS_ATOL, hint=[bugs.cross_entropy(loss, y, t), LABEL_HINT])


def test_cross_entropy_error_is_the_mean_over_the_batch(student, ref):
    n, c = 6, 5
    y, labels = _probabilities(ref, 600, n, c)
    t = _one_hot(labels, c)
    what = f"cross_entropy_error(y, t) {_say('batch_of_one')}"
    mean = np.mean([_scalar(student.cross_entropy_error(y[i:i + 1], t[i:i + 1]), what) for i in range(n)])
    loss = student.cross_entropy_error(y, t)
    assert_close(loss, mean, f"cross_entropy_error(y, t) {_say('against_mean', n=n)}",
                 atol=LOSS_ATOL, hint=[bugs.cross_entropy(loss, y, t), "hidden.softmax.mean"])


def test_cross_entropy_error_treats_a_vector_as_a_batch_of_one(student, ref):
    for seed, c in enumerate((4, 7)):
        y, labels = _probabilities(ref, 700 + seed, 1, c)
        y, t = y[0], _one_hot(labels, c)[0]
        loss = _on_a_vector(student.cross_entropy_error, "hint.cross_entropy.vector", "hidden.softmax.reshape", y, t)
        assert_close(loss, ref.cross_entropy_error(y, t), f"cross_entropy_error(y, t) {_say('vector', c=c)}",
                     atol=LOSS_ATOL, hint=[bugs.cross_entropy(loss, y, t), "hidden.softmax.reshape"])


# -- SoftmaxWithLoss -------------------------------------------------------------

def _run(layers, x, t):
    """A new layers.SoftmaxWithLoss: forward(x, t), then backward() -> (layer, loss, dx)."""
    layer = layers.SoftmaxWithLoss()
    loss = layer.forward(x, t)
    dx = layer.backward()
    return layer, loss, dx


def _targets(labels, c):
    """Both kinds of target for the same labels: [(kind, t), ...]."""
    return [("one_hot_t", _one_hot(labels, c)), ("labels_t", labels)]


def _loss_hints(loss, x, t, ref):
    with np.errstate(all="ignore"):
        y = ref.softmax(x)
    return [hints.overflow(loss), bugs.cross_entropy(loss, y, t)]


def test_softmax_with_loss_forward_matches_reference(student, ref):
    for seed, (n, c) in enumerate(SHAPES):
        x, labels = _problem(800 + seed, n, c)
        for kind, t in _targets(labels, c):
            loss = student.SoftmaxWithLoss().forward(x, t)
            assert_close(loss, ref.SoftmaxWithLoss().forward(x, t),
                         f"SoftmaxWithLoss.forward(x, t) {_say('x_and', shape=(n, c), kind=_say(kind))}",
                         atol=LOSS_ATOL, hint=[*_loss_hints(loss, x, t, ref), "hidden.softmax.swl_forward"])


def test_softmax_with_loss_keeps_softmax_output_in_y(student, ref):
    n, c = SHAPES[1]
    x, labels = _problem(900, n, c)
    layer = student.SoftmaxWithLoss()
    layer.forward(x, labels)
    hint = "hidden.softmax.keep_y"
    y = layer.y
    if y is None:
        fail("hidden.softmax.still_none", what="SoftmaxWithLoss.y", hint=hint)
    assert_close(y, ref.softmax(x), f"SoftmaxWithLoss.y {_say('after_forward')}", hint=[bugs.softmax(y, x), hint])


def test_softmax_with_loss_backward_matches_reference_for_one_hot_targets(student, ref):
    for seed, (n, c) in enumerate(SHAPES):
        x, labels = _problem(1000 + seed, n, c)
        t = _one_hot(labels, c)
        _, _, dx = _run(student, x, t)
        _, _, rdx = _run(ref, x, t)
        assert_close(dx, rdx, f"SoftmaxWithLoss.backward() {_say('x_and', shape=(n, c), kind=_say('one_hot_t'))}",
                     hint=[bugs.softmax_with_loss_dx(dx, x, t), DX_HINT])


def test_softmax_with_loss_backward_matches_reference_for_label_targets(student, ref):
    for seed, (n, c) in enumerate(SHAPES):
        x, t = _problem(1100 + seed, n, c)
        _, _, dx = _run(student, x, t)
        _, _, rdx = _run(ref, x, t)
        assert_close(dx, rdx, f"SoftmaxWithLoss.backward() {_say('labels_of_x', shape=(n, c), n=n)}",
                     hint=[bugs.softmax_with_loss_dx(dx, x, t), "hidden.softmax.dx_labels"])


def test_softmax_with_loss_gradient_is_averaged_over_the_batch(student, ref):
    # The same batch twice over has the same mean loss, and each copy gets half the gradient.
    n, c = 3, 4
    x, labels = _problem(1200, n, c)
    _, _, dx = _run(student, x, labels)
    _, _, dx2 = _run(student, np.concatenate([x, x]), np.concatenate([labels, labels]))
    hint = [bugs.softmax_with_loss_dx(dx, x, labels), DX_HINT]
    dx = assert_shape(dx, (n, c), f"SoftmaxWithLoss.backward() {_say('for_x', shape=(n, c))}", hint=hint)
    assert_close(dx2, np.concatenate([dx, dx]) / 2, f"SoftmaxWithLoss.backward() {_say('repeated')}",
                 hint=[hint[0], "hidden.softmax.dx_mean"])


def test_softmax_with_loss_works_with_a_batch_of_one(student, ref):
    c = 5
    x, labels = _problem(1300, 1, c)
    for kind, t in _targets(labels, c):
        _, loss, dx = _run(student, x, t)
        _, rloss, rdx = _run(ref, x, t)
        hint = [*_loss_hints(loss, x, t, ref), bugs.softmax_with_loss_dx(dx, x, t), "hidden.softmax.one_row"]
        one = _say("one_and", kind=_say(kind))
        assert_close(loss, rloss, f"SoftmaxWithLoss.forward(x, t) {one}", atol=LOSS_ATOL, hint=hint)
        assert_close(dx, rdx, f"SoftmaxWithLoss.backward() {one}", hint=hint)


def test_softmax_with_loss_is_finite_for_large_scores(student, ref):
    x = np.array([[1000.0, 999.0, -1000.0],
                  [-1000.0, -999.0, -1000.5],
                  [3.0, 1000.0, -1000.0]])
    labels = np.argmax(x, axis=1)  # the targets are likely: every loss stays finite, with or without log's delta
    for kind, t in _targets(labels, 3):
        _, loss, dx = _run(student, x, t)
        _, rloss, rdx = _run(ref, x, t)
        large = _say("large_and", kind=_say(kind))
        hint = [*_loss_hints(loss, x, t, ref), hints.overflow(dx), bugs.softmax_with_loss_dx(dx, x, t), STABLE_HINT]
        assert_close(loss, rloss, f"SoftmaxWithLoss.forward(x, t) {large}", atol=LOSS_ATOL, hint=hint)
        assert_close(dx, rdx, f"SoftmaxWithLoss.backward() {large}", hint=hint)


def test_softmax_with_loss_gradient_matches_numerical_gradient(student, ref):
    n, c = 3, 4
    x, labels = _problem(1400, n, c)
    for kind, t in _targets(labels, c):
        _, _, dx = _run(student, x, t)
        num = numerical_gradient(lambda v: student.SoftmaxWithLoss().forward(v, t), x,
                                 what="SoftmaxWithLoss.forward(x, t)")
        assert_gradient(dx, num, f"SoftmaxWithLoss.backward() {_say('with', kind=_say(kind))}",
                        hint=[bugs.softmax_with_loss_dx(dx, x, t), DX_HINT])
