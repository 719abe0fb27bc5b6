"""Hidden tests for 04_softmax_loss: softmax, cross_entropy_error, SoftmaxWithLoss.

The property matrix these tests cover is docs/property-matrix/04_softmax_loss.md.

Inputs. Every test draws its scores and targets from draw.rng (seeded by the
course secret, the submission and the test), with shapes chosen on purpose:
a batch of one, N != C (a sum over the wrong axis fails on shape), and a
square x (where row sums without keepdims broadcast the wrong way and still
fit). Scores that matter for a mask-free formula need no care; what needs care
is the probability of the target class, y_t: each target's score is lifted to
within 1.5 of its row's maximum, so y_t >= exp(-1.5) / C >= 0.02 for C <= 10,
while the target is not always the row's argmax (a label taken from y instead
of t does not vanish).

Tolerances. Values use assert_close's fixed defaults, the same for every
dtype. Losses get an explicit atol LOSS_ATOL = 1e-5: the textbook (and the
reference) computes log(y + 1e-7) and code without that delta is just as
correct; the two differ by at most 1e-7 / y_t <= 5e-6 per sample with
y_t >= 0.02, which the default (1e-4 of the loss, and a loss may be as small
as 0.01) would not always cover, while every loss bug in
tests/mutants/04_softmax_loss.toml is off by 0.02 or more. Scores of magnitude
700 to 1000 (where exp overflows without the max shift) are stored by a
float32 implementation with a spacing of 6.1e-5, which moves each probability,
and each entry of y - t, by up to 6.1e-5 relative. Measured on a float32
softmax, loss and dx against the float64 reference over 3000 draws of these
inputs: at most 24 % of the allowed error (loss and dx at large scores; 0.4 %
for y and the loss at unit scale, 23 % for dx, where y - 1 cancels). float64
rewrites agree to about 1e-15 (1e-6 on losses without the delta).

Gradient checks take central differences of the student's own forward at the
fixed steps STEP = 2e-2 and 2 * STEP, combined by Richardson extrapolation
((4 D(h) - D(2h)) / 3, _numerical), on scores of scale 1 with C = 4. Measured
over 300 draws in assert_gradients' measure (allowed 1e-2): worst error 7e-7
for a float64 forward (the 1e-7 inside the log) and 1.2e-3 for a float32 one;
a plain central difference at 1e-3 left the float32 forward at 1.6e-2. A
forward that does not depend on x (a constant loss) earns nothing there
(assert_gradients' reference=). The check goes along random directions first
(autograder/directional.py), at the same steps: the largest error along a
direction over the suite's and the corpus's correct submissions (20 draws
each) was 1.2e-3 of the 2e-3 allowed (a float32 forward).

SoftmaxWithLoss is backward(dout=1): the textbook's version ignores dout, so
backward is only ever called with its default here.
"""

import numpy as np

from autograder import hints
from autograder.hidden import draw
from autograder.bugs import softmax_loss as bugs
from autograder.proxy import StudentError
from autograder.assertions import as_array, assert_close, assert_shape, fail, not_an_array
from autograder.directional import Numerical, check_gradients
from autograder.messages import text

LOSS_ATOL = 1e-5  # accepts log(y) and log(y + 1e-7) alike (see above)
STEP = 2e-2       # central differences of SoftmaxWithLoss.forward, extrapolated (see above)

SOFTMAX_HINT = "hidden.softmax.softmax"
ROWS_HINT = "hidden.softmax.rows"
STABLE_HINT = "hidden.softmax.stable"
LOSS_HINT = "hidden.softmax.loss"
LABEL_HINT = "hidden.softmax.labels"
DX_HINT = "hidden.softmax.dx"


def _say(key, **fields):
    return text(f"hidden.softmax.{key}", **fields)


# -- data ------------------------------------------------------------------------

def _shapes(rng):
    """(N, C) of a batch of one, and two batches with N != C, N >= 2, C in 3..10."""
    shapes = [(1, int(rng.integers(3, 11)))]
    while len(shapes) < 3:
        n, c = int(rng.integers(2, 9)), int(rng.integers(3, 11))
        if n != c:
            shapes.append((n, c))
    return shapes


def _problem(rng, n, c, scale=1.5):
    """Scores x (N, C) and labels (N,) with each target's score within 1.5 of its row's max."""
    labels = rng.integers(0, c, size=n)
    x = scale * rng.normal(size=(n, c))
    rows = np.arange(n)
    x[rows, labels] = np.maximum(x[rows, labels], x.max(axis=1) - 1.5)
    return x, labels


def _one_hot(labels, c, dtype=float):
    return np.eye(c, dtype=dtype)[labels]


def _targets(labels, c, integer=False):
    """Both kinds of target for the same labels: [(kind, t), ...]; integer=True adds integer one-hot.

    Integer one-hot targets go to the value tests of forward and backward only, so
    that a layer that fails on them loses those points, not every test's.
    """
    kinds = [("one_hot_t", _one_hot(labels, c)), ("labels_t", labels)]
    return kinds + [("int_one_hot_t", _one_hot(labels, c, np.int64))] if integer else kinds


def _large(rng, n, c):
    """Scores of magnitude about 1000, rows far apart: at least one row near +1000, one near -1000."""
    x, labels = _problem(rng, n, c, scale=2.0)
    offsets = rng.uniform(900.0, 1000.0, size=n) * rng.choice([-1.0, 1.0], size=n)
    offsets[0], offsets[1] = abs(offsets[0]), -abs(offsets[1])
    return x + offsets[:, None], labels


def _loss(value, what, hint=None):
    """A loss the README calls a single number: a Python or numpy scalar, or a 0-d array."""
    array = as_array(value, what, hint)
    if array.ndim != 0:
        fail("hidden.softmax.not_a_number", what=what, shape=array.shape, hint=[hint, "hidden.softmax.single_number"])
    return float(array)


def _array(value, what, hint=None):
    """An ndarray, as the README says: a list of rows is not the array asked for."""
    if not isinstance(value, np.ndarray):
        not_an_array(value, what, hint)
    return value


def _numerical(f, x, what):
    """Central differences of the scalar f(x) at STEP and 2 * STEP, extrapolated: (4 D(h) - D(2h)) / 3."""
    return Numerical(f, x, what=what, step=STEP, extrapolated=True)


def _on_a_vector(call, key, advice, *args):
    """call(*args) on 1-D inputs; numpy's complaint about a missing axis gets the hint `key`."""
    try:
        return call(*args)
    except StudentError as exc:
        complaint = str(exc).lower()
        axis = any(word in complaint for word in ("out of bounds for array of dimension", "too many indices"))
        fail(str(exc), hint=[hints.hint(key) if axis else None, advice])


# -- softmax ---------------------------------------------------------------------

def test_softmax_matches_reference(student, ref):
    rng = draw.rng("scores")
    for shape in _shapes(rng):
        x = 3.0 * rng.normal(size=shape)
        y = student.softmax(x)
        assert_close(y, ref.softmax(x), f"softmax(x) {_say('for_x', shape=shape)}",
                     hint=[bugs.softmax(y, x), SOFTMAX_HINT])


def test_softmax_normalises_each_row_separately(student, ref):
    rng = draw.rng("rows")
    n = int(rng.integers(3, 7))
    for shape in ((n, n), (n + 2, n)):  # square first: row sums without keepdims broadcast the wrong way there
        x = 2.0 * rng.normal(size=shape)
        y = student.softmax(x)
        hint = [bugs.softmax(y, x), ROWS_HINT]
        y = assert_shape(y, shape, f"softmax(x) {_say('for_x', shape=shape)}", hint=hint)
        assert_close(np.sum(y, axis=1), np.ones(shape[0]), _say("row_sums"), hint=hint)
        assert_close(y, ref.softmax(x), f"softmax(x) {_say('for_x', shape=shape)}", hint=hint)


def test_softmax_of_a_vector(student, ref):
    advice = "hidden.softmax.vector_advice"
    rng = draw.rng("vectors")
    vectors = [3.0 * rng.normal(size=int(c)) for c in rng.integers(3, 11, size=2)]
    vectors.append(np.array([-998.0, 1000.0, 999.0, -1000.0, 1000.0]))  # large scores: the max shift in 1-D too
    vectors.append(rng.uniform(990.0, 1000.0, size=6) * rng.choice([-1.0, 1.0]))
    for x in vectors:
        y = _on_a_vector(student.softmax, "hint.softmax.vector_axis", advice, x)
        what = _say("large_vector", shape=x.shape) if np.max(np.abs(x)) > 100 else _say("for_x", shape=x.shape)
        assert_close(y, ref.softmax(x), f"softmax(x) {what}", hint=[bugs.softmax(y, x), advice])


def test_softmax_gives_no_nan_or_inf_for_large_scores(student, ref):
    # Rows far apart from each other: subtracting one maximum for the whole array
    # would send the lower rows to exp(-2000) = 0 and then 0 / 0.
    fixed = np.array([[1000.0, 999.0, 997.5, -1000.0],
                      [-1000.0, -1001.0, -999.5, -1003.0],
                      [0.5, -1000.0, 1000.0, 2.0],
                      [-700.0, -700.0, -700.0, -700.0],
                      [800.0, 800.0, 799.0, 650.0]])
    rng = draw.rng("large")
    drawn = [_large(rng, int(rng.integers(3, 7)), int(rng.integers(3, 8)))[0] for _ in range(2)]
    for x in (fixed, *drawn):
        y = student.softmax(x)
        assert_close(y, ref.softmax(x), f"softmax(x) {_say('large', shape=x.shape)}",
                     hint=[bugs.softmax(y, x), STABLE_HINT])


def test_softmax_returns_an_array_of_the_shape_of_x(student, ref):
    rng = draw.rng("kinds")
    for shape in ((int(rng.integers(2, 6)), int(rng.integers(6, 10))), (int(rng.integers(3, 9)),)):
        x = 2.0 * rng.normal(size=shape)
        what = f"softmax(x) {_say('for_x', shape=shape)}"
        y = _array(student.softmax(x), what, hint="hidden.softmax.returns_array")
        assert_close(y, ref.softmax(x), what, hint=[bugs.softmax(y, x), SOFTMAX_HINT])


def test_softmax_leaves_x_unchanged(student, ref):
    # x - np.max(...) makes a new array; x -= np.max(...) would change the caller's scores.
    rng = draw.rng("unchanged")
    for shape in ((int(rng.integers(2, 6)), int(rng.integers(3, 8))), (int(rng.integers(3, 9)),)):
        x = 2.0 * rng.normal(size=shape) + 5.0  # away from 0: subtracting a max changes every entry
        what = f"softmax(x) {_say('for_x', shape=shape)}"
        y = student.softmax(x)
        if 0 in student.mutated_arguments():
            fail("hidden.softmax.changed_x", what=what, hint="hidden.softmax.new_array")
        assert_close(y, ref.softmax(x), what, hint=[bugs.softmax(y, x), SOFTMAX_HINT])


# -- cross_entropy_error ---------------------------------------------------------

def _probabilities(ref, rng, n, c):
    """Probabilities y (N, C) from the reference softmax, and labels (N,)."""
    x, labels = _problem(rng, n, c)
    return ref.softmax(x), labels


def _unchanged(student, names, what):
    """Fail if the latest call into the student's code wrote into one of its arguments (the README forbids it)."""
    changed = [names[key] for key in student.mutated_arguments() if key in names]
    if changed:
        fail("hidden.softmax.changed_argument", what=what, name=changed[0], hint="hidden.softmax.keep_arguments")


def _cross_entropy_case(student, ref, y, t, what, advice):
    loss = student.cross_entropy_error(y, t)
    _unchanged(student, {0: "y", 1: "t", "y": "y", "t": "t"}, what)
    assert_close(loss, ref.cross_entropy_error(y, t), what, atol=LOSS_ATOL,
                 hint=[bugs.cross_entropy(loss, y, t), *advice])


def test_cross_entropy_error_matches_reference_for_one_hot_targets(student, ref):
    rng = draw.rng("one_hot")
    for n, c in _shapes(rng):
        y, labels = _probabilities(ref, rng, n, c)
        _cross_entropy_case(student, ref, y, _one_hot(labels, c),
                            f"cross_entropy_error(y, t) {_say('one_hot', shape=(n, c))}",
                            [LOSS_HINT, "hidden.softmax.single_number"])


def test_cross_entropy_error_matches_reference_for_label_targets(student, ref):
    rng = draw.rng("labels")
    for n, c in _shapes(rng):
        y, t = _probabilities(ref, rng, n, c)
        _cross_entropy_case(student, ref, y, t, f"cross_entropy_error(y, t) {_say('labels_of', shape=(n, c), n=n)}",
                            [LABEL_HINT])


def test_cross_entropy_error_accepts_integer_one_hot_targets(student, ref):
    # The textbook's own example writes t = [0, 0, 1, 0, ...]: an integer array.
    rng = draw.rng("integer_one_hot")
    for (n, c), dtype in zip(_shapes(rng), (np.int64, np.int32, np.int64)):
        y, labels = _probabilities(ref, rng, n, c)
        _cross_entropy_case(student, ref, y, _one_hot(labels, c, dtype),
                            f"cross_entropy_error(y, t) {_say('int_one_hot', shape=(n, c))}",
                            ["hidden.softmax.int_targets"])


def test_cross_entropy_error_is_the_mean_over_the_batch(student, ref):
    rng = draw.rng("mean")
    n, c = int(rng.integers(4, 8)), int(rng.integers(3, 7))
    y, labels = _probabilities(ref, rng, n, c)
    t = _one_hot(labels, c)
    what = f"cross_entropy_error(y, t) {_say('batch_of_one')}"
    ones = [student.cross_entropy_error(y[i:i + 1], t[i:i + 1]) for i in range(n)]
    for i, one in enumerate(ones):
        assert_close(one, ref.cross_entropy_error(y[i:i + 1], t[i:i + 1]), what, atol=LOSS_ATOL,
                     hint=[bugs.cross_entropy(one, y[i:i + 1], t[i:i + 1]), LOSS_HINT])
    mean = np.mean([as_array(one, what).reshape(-1)[0] for one in ones])  # its kind is another test's
    loss = student.cross_entropy_error(y, t)
    assert_close(loss, mean, f"cross_entropy_error(y, t) {_say('against_mean', n=n)}",
                 atol=LOSS_ATOL, hint=[bugs.cross_entropy(loss, y, t), "hidden.softmax.mean"])


def test_cross_entropy_error_treats_a_vector_as_a_batch_of_one(student, ref):
    rng = draw.rng("vector")
    for c in rng.integers(3, 11, size=2):
        y, labels = _probabilities(ref, rng, 1, int(c))
        y, t = y[0], _one_hot(labels, int(c))[0]
        loss = _on_a_vector(student.cross_entropy_error, "hint.cross_entropy.vector", "hidden.softmax.reshape", y, t)
        assert_close(loss, ref.cross_entropy_error(y, t), f"cross_entropy_error(y, t) {_say('vector', c=int(c))}",
                     atol=LOSS_ATOL, hint=[bugs.cross_entropy(loss, y, t), "hidden.softmax.reshape"])


def test_cross_entropy_error_returns_a_single_number(student, ref):
    rng = draw.rng("number")
    n, c = int(rng.integers(2, 6)), int(rng.integers(3, 8))
    y, labels = _probabilities(ref, rng, n, c)
    for kind, t in (("one_hot_t", _one_hot(labels, c)), ("labels_t", labels)):
        what = f"cross_entropy_error(y, t) {_say('x_and', shape=(n, c), kind=_say(kind))}"
        loss = student.cross_entropy_error(y, t)
        hint = [bugs.cross_entropy(loss, y, t), "hidden.softmax.single_number"]
        _loss(loss, what, hint)
        assert_close(loss, ref.cross_entropy_error(y, t), what, atol=LOSS_ATOL, hint=hint)


# -- SoftmaxWithLoss -------------------------------------------------------------

def _run(layers, x, t):
    """A new layers.SoftmaxWithLoss: forward(x, t), then backward() -> (layer, loss, dx)."""
    layer = layers.SoftmaxWithLoss()
    loss = layer.forward(x, t)
    dx = layer.backward()
    return layer, loss, dx


def _loss_hints(loss, x, t, ref):
    with np.errstate(all="ignore"):
        y = ref.softmax(x)
    return [hints.overflow(loss), bugs.cross_entropy(loss, y, t)]


def _where(shape, kind):
    return _say("x_and", shape=shape, kind=_say(kind))


def test_softmax_with_loss_forward_matches_reference(student, ref):
    rng = draw.rng("forward")
    for n, c in _shapes(rng):
        x, labels = _problem(rng, n, c)
        for kind, t in _targets(labels, c, integer=True):
            what = f"SoftmaxWithLoss.forward(x, t) {_where((n, c), kind)}"
            loss = student.SoftmaxWithLoss().forward(x, t)
            _unchanged(student, {0: "x", 1: "t", "x": "x", "t": "t"}, what)
            hint = [*_loss_hints(loss, x, t, ref), "hidden.softmax.swl_forward"]
            _loss(loss, what, hint)
            assert_close(loss, ref.SoftmaxWithLoss().forward(x, t), what, atol=LOSS_ATOL, hint=hint)


def test_softmax_with_loss_backward_matches_reference(student, ref):
    rng = draw.rng("backward")
    for n, c in _shapes(rng):
        x, labels = _problem(rng, n, c)
        for kind, t in _targets(labels, c, integer=True):
            _, _, dx = _run(student, x, t)
            _, _, rdx = _run(ref, x, t)
            advice = "hidden.softmax.dx_labels" if kind == "labels_t" else DX_HINT
            assert_close(dx, rdx, f"SoftmaxWithLoss.backward() {_where((n, c), kind)}",
                         hint=[bugs.softmax_with_loss_dx(dx, x, t), advice, "hidden.softmax.dx_mean"])


def test_softmax_with_loss_keeps_softmax_output_in_y(student, ref):
    # y is read after forward and again after backward: backward must not write into it
    # (the textbook's dx = self.y.copy() before subtracting 1 at the targets).
    rng = draw.rng("keep_y")
    n, c = int(rng.integers(3, 7)), int(rng.integers(3, 8))
    x, labels = _problem(rng, n, c)
    for kind, t in _targets(labels, c):
        layer = student.SoftmaxWithLoss()
        layer.forward(x, t)
        for moment, call in (("after_forward", None), ("after_backward", layer.backward)):
            if call is not None:
                call()
            y = layer.y
            if y is None:
                fail("hidden.softmax.still_none", what="SoftmaxWithLoss.y", hint="hidden.softmax.keep_y")
            hint = [bugs.softmax(y, x), "hidden.softmax.keep_y" if call is None else "hidden.softmax.copy_y"]
            assert_close(y, ref.softmax(x), f"SoftmaxWithLoss.y {_say(moment)} ({_say(kind)})", hint=hint)


def test_softmax_with_loss_backward_twice_gives_the_same_dx(student, ref):
    rng = draw.rng("twice")
    n, c = int(rng.integers(3, 7)), int(rng.integers(3, 8))
    x, labels = _problem(rng, n, c)
    for kind, t in _targets(labels, c):
        layer = student.SoftmaxWithLoss()
        layer.forward(x, t)
        layer.backward()
        dx = layer.backward()
        _, _, rdx = _run(ref, x, t)
        assert_close(dx, rdx, f"SoftmaxWithLoss.backward() {_say('second_backward')} ({_say(kind)})",
                     hint=[bugs.softmax_with_loss_dx(dx, x, t), "hidden.softmax.copy_y"])


def test_softmax_with_loss_reused_on_a_new_batch(student, ref):
    # One layer through a whole step on a batch of N1, then forwards on N1 and N2 (with
    # the other kind of target) and a backward: everything must come from the latest forward.
    rng = draw.rng("reuse")
    c = int(rng.integers(3, 8))
    n1, n2 = (int(n) for n in rng.choice(np.arange(2, 9), size=2, replace=False))
    x1, labels1 = _problem(rng, n1, c)
    x2, labels2 = _problem(rng, n2, c)
    for (kind1, t1), (kind2, t2) in zip(_targets(labels1, c), _targets(labels2, c)[::-1]):
        layer = student.SoftmaxWithLoss()
        layer.forward(x1, t1)
        layer.backward()
        layer.forward(x1, t1)
        loss = layer.forward(x2, t2)
        dx = layer.backward()
        what = _say("reused", n1=n1, n2=n2, kind=_say(kind2))
        _, rloss, rdx = _run(ref, x2, t2)
        assert_close(loss, rloss, f"SoftmaxWithLoss.forward(x, t) {what}", atol=LOSS_ATOL,
                     hint=[*_loss_hints(loss, x2, t2, ref), "hidden.softmax.latest"])
        assert_close(dx, rdx, f"SoftmaxWithLoss.backward() {what}",
                     hint=[bugs.softmax_with_loss_dx(dx, x2, t2), "hidden.softmax.latest"])
    # Two layers at once, as a network may hold: each keeps its own y and t, whatever the other does.
    first, second = student.SoftmaxWithLoss(), student.SoftmaxWithLoss()
    first.forward(x1, labels1)
    second.forward(x2, labels2)
    dx = first.backward()
    _, _, rdx = _run(ref, x1, labels1)
    assert_close(dx, rdx, f"SoftmaxWithLoss.backward() {_say('other_layer', n1=n1, n2=n2)}",
                 hint=[bugs.softmax_with_loss_dx(dx, x1, labels1), "hidden.softmax.own_state"])


def test_softmax_with_loss_is_finite_for_large_scores(student, ref):
    rng = draw.rng("large")
    n, c = int(rng.integers(3, 7)), int(rng.integers(3, 8))
    x, labels = _large(rng, n, c)
    for kind, t in _targets(labels, c):
        _, loss, dx = _run(student, x, t)
        _, rloss, rdx = _run(ref, x, t)
        large = _say("large_and", kind=_say(kind))
        hint = [*_loss_hints(loss, x, t, ref), hints.overflow(dx), bugs.softmax_with_loss_dx(dx, x, t), STABLE_HINT]
        assert_close(loss, rloss, f"SoftmaxWithLoss.forward(x, t) {large}", atol=LOSS_ATOL, hint=hint)
        assert_close(dx, rdx, f"SoftmaxWithLoss.backward() {large}", hint=hint)


def test_softmax_with_loss_gradient_matches_numerical_gradient(student, ref):
    rng = draw.rng("numerical")
    n, c = int(rng.integers(2, 5)), 4
    x, labels = _problem(rng, n, c, scale=1.0)
    for kind, t in _targets(labels, c):
        _, _, dx = _run(student, x, t)
        _, _, rdx = _run(ref, x, t)
        num = _numerical(lambda v: student.SoftmaxWithLoss().forward(v, t), x, "SoftmaxWithLoss.forward(x, t)")
        check_gradients({"dx": (dx, num)}, f"SoftmaxWithLoss.backward() {_say('with', kind=_say(kind))}",
                        reference={"dx": rdx}, hint=[bugs.softmax_with_loss_dx(dx, x, t), DX_HINT])
