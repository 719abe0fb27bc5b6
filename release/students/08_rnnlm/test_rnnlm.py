"""Public tests for 08_rnnlm. Run them in this folder with
`python -m autograder check` (a table and an explanation of every failure) or `python -m pytest`.

SimpleRnnlm is built from your time layers: paste RNN, Embedding,
TimeEmbedding, TimeRNN and TimeAffine from 06_time_rnn into rnnlm.py first.
These tests check small worked examples, the windows of a short corpus, the
hidden state carried across windows, gradient checks and the published
figure; the autograder runs more tests of the same kind on other inputs.
"""

import numpy as np

from autograder import hints, messages
from autograder.assertions import assert_close, assert_gradients, assert_shape, fail, numerical_gradient
from rnnlm import SimpleRnnlm, TimeSoftmaxWithLoss, bptt, load_corpus, perplexity, train, truncated_batches

PUBLISHED_FIRST, PUBLISHED_SECOND, PUBLISHED_LAST = 12.9481, 8.0334, 2.7824  # the README's figures


def say(key: str, **fields) -> str:
    """A label in the language of the check (the public tests' words live in the catalogue)."""
    return messages.text(f"public.{key}", **fields)


def hint_if(condition, key: str, **fields):
    """The hint for `key` when the classic mistake it names is recognised, else None."""
    try:
        return hints.hint(key, **fields) if condition() else None
    except Exception:  # whatever the student returned: no pattern recognised
        return None


def richardson(f, x, step=5e-2):
    """Central differences at steps h and 2h combined, (4 D(h) - D(2h)) / 3: the h ** 2 error cancels,
    and a long step keeps float32 rounding of f far below the gradient."""
    return (4 * numerical_gradient(f, x, None, "SimpleRnnlm.forward", step=step)
            - numerical_gradient(f, x, None, "SimpleRnnlm.forward", step=2 * step)) / 3


def log_softmax(xs):
    shifted = xs - xs.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


# -- TimeSoftmaxWithLoss

def test_time_softmax_loss_small_example():
    xs = np.array([[[0.0, 1.0, 2.0], [1.0, 0.0, 0.0]],
                   [[2.0, 2.0, 0.0], [0.0, 3.0, 1.0]]])        # (N, T, V) = (2, 2, 3)
    ts = np.array([[2, 0], [1, 1]])
    logp = log_softmax(xs)
    costs = -np.array([[logp[0, 0, 2], logp[0, 1, 0]], [logp[1, 0, 1], logp[1, 1, 1]]])
    loss = TimeSoftmaxWithLoss().forward(xs, ts)
    assert_close(loss, costs.mean(), "TimeSoftmaxWithLoss.forward(xs, ts)", reveal=True,
                 hint=hint_if(lambda: hints.matches(loss, costs.sum() / 2), "hint.rnnlm.mean_over_n"))


def test_time_softmax_loss_leaves_out_targets_of_minus_one():
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(2, 3, 4))
    ts = np.array([[1, -1, 3], [0, 2, -1]])
    kept = ts != -1
    logp = log_softmax(xs)
    costs = -np.take_along_axis(logp, np.where(kept, ts, 0)[..., None], axis=-1)[..., 0] * kept
    layer = TimeSoftmaxWithLoss()
    loss = layer.forward(xs, ts.copy())
    as_last_word = np.where(kept, costs, -logp[..., -1])  # ts[n, t] = -1 indexes the last word
    counted = hint_if(lambda: hints.matches(loss, costs.sum() / 6) or hints.matches(loss, as_last_word.sum() / 6),
                      "hint.rnnlm.ignore_counted")
    assert_close(loss, costs.sum() / 4, "TimeSoftmaxWithLoss.forward(xs, ts) " + say("rnnlm_two_ignored"),
                 reveal=True, hint=counted)
    dxs = layer.backward()
    assert_shape(dxs, xs.shape, "TimeSoftmaxWithLoss.backward()")
    assert_close(dxs[~kept], np.zeros((2, 4)), "TimeSoftmaxWithLoss.backward(): " + say("rnnlm_ignored_rows"),
                 reveal=True)


def test_time_softmax_loss_gradient_matches_central_differences():
    rng = np.random.default_rng(1)
    xs = rng.normal(size=(3, 2, 5))
    ts = np.array([[4, 0], [-1, 2], [1, 1]])
    layer = TimeSoftmaxWithLoss()
    layer.forward(xs, ts)
    dxs = layer.backward(2.0)
    num = numerical_gradient(lambda v: TimeSoftmaxWithLoss().forward(v, ts), xs, None, "TimeSoftmaxWithLoss.forward")
    assert_gradients({"dxs": (dxs, 2.0 * num)}, "TimeSoftmaxWithLoss.backward(dout=2.0)", reveal=True,
                     hint=hint_if(lambda: hints.matches(dxs, 2.0 * num * 5 / 3), "hint.rnnlm.mean_over_n"))


# -- truncated_batches

def test_truncated_batches_of_a_short_corpus():
    corpus = np.arange(20)                       # L = 20: jump = 19 // 2 = 9, K = 19 // 6 = 3
    batches = truncated_batches(corpus, 2, 3)
    if not isinstance(batches, list) or len(batches) != 3:
        fail("check.public.rnnlm_windows", count=3, got=len(batches) if isinstance(batches, list) else type(batches).__name__)
    first_xs = batches[0][0]
    assert_close(first_xs, [[0, 1, 2], [9, 10, 11]], "truncated_batches(arange(20), 2, 3)[0] (xs)", reveal=True,
                 hint=hint_if(lambda: hints.matches(first_xs[1], [0, 1, 2]), "hint.rnnlm.offsets_at_zero"))
    assert_close(batches[0][1], [[1, 2, 3], [10, 11, 12]], "truncated_batches(arange(20), 2, 3)[0] (ts)", reveal=True)
    assert_close(batches[2][0], [[6, 7, 8], [15, 16, 17]], "truncated_batches(arange(20), 2, 3)[2] (xs)", reveal=True)


# -- SimpleRnnlm, perplexity and train

def test_simple_rnnlm_carries_the_hidden_state_across_windows():
    rng = np.random.default_rng(2)
    xs, ts = rng.integers(0, 7, size=(2, 6)), rng.integers(0, 7, size=(2, 6))
    whole = SimpleRnnlm(7, 4, 5, seed=3).forward(xs, ts)      # one window of 6 steps
    model = SimpleRnnlm(7, 4, 5, seed=3)
    halves = [model.forward(xs[:, :3], ts[:, :3]), model.forward(xs[:, 3:], ts[:, 3:])]
    fresh = SimpleRnnlm(7, 4, 5, seed=3).forward(xs[:, 3:], ts[:, 3:])
    assert_close(halves[1], second_half(whole, halves[0]), "SimpleRnnlm.forward " + say("rnnlm_second_window"),
                 reveal=True,
                 hint=hint_if(lambda: hints.matches(halves[1], fresh), "hint.rnnlm.state_not_carried"))
    model.reset_state()
    assert_close(model.forward(xs[:, 3:], ts[:, 3:]), fresh, "SimpleRnnlm.forward " + say("after_reset_state"), reveal=True)


def second_half(whole, first):
    """The mean over 6 steps is the mean of the two 3-step means: the second is 2 * whole - first."""
    return 2 * whole - first


def at_unit_scale(model):
    """The model with word vectors of unit scale (randn / 100 would make dWx tiny)."""
    model.params[0][...] *= 100   # the layers hold these arrays: TimeEmbedding sees the change
    return model


def test_simple_rnnlm_gradients_match_central_differences():
    rng = np.random.default_rng(4)
    xs, ts = rng.integers(0, 5, size=(2, 3)), rng.integers(0, 5, size=(2, 3))
    model = at_unit_scale(SimpleRnnlm(5, 3, 4, seed=5))
    model.forward(xs, ts)
    model.backward()
    names = ("embed_W", "Wx", "Wh", "b", "affine_W", "affine_b")
    if len(model.params) != 6 or len(model.grads) != 6:
        fail("check.public.rnnlm_params", count=len(model.params))

    def loss_with(i):
        def f(value):
            fresh = at_unit_scale(SimpleRnnlm(5, 3, 4, seed=5))
            fresh.params[i][...] = value
            return fresh.forward(xs, ts)
        return f

    checks = {name: (model.grads[i], richardson(loss_with(i), model.params[i])) for i, name in enumerate(names)}
    assert_gradients(checks, "SimpleRnnlm.backward", reveal=True)


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size():
    model = SimpleRnnlm(7, 3, 4, seed=1)
    model.params[4][...] = 0   # affine W and b at zero: every word gets probability 1 / 7
    model.params[5][...] = 0
    corpus = np.random.default_rng(7).integers(0, 7, size=40)
    assert_close(perplexity(model, corpus, 3, 4), 7.0, say("rnnlm_uniform_perplexity"),
                 reveal=True)


def train_resetting(model, corpus, reset_every_window, epochs):
    """The published training with the reset at a wrong place: before every window, or never (for the hints)."""
    batches = truncated_batches(corpus, 5, 5)
    ppl = []
    for _ in range(epochs):
        total = 0.0
        for xs, ts in batches:
            if reset_every_window:
                model.reset_state()
            total += model.forward(xs, ts)
            model.backward()
            for param, grad in zip(model.params, model.grads):
                param -= 0.5 * grad
        ppl.append(np.exp(total / len(batches)))
    return ppl


def test_train_and_perplexity_reproduce_the_published_figure():
    corpus, word_to_id, _ = load_corpus()
    model = SimpleRnnlm(len(word_to_id), 10, 10, seed=0)
    assert_close(perplexity(model, corpus, 5, 5), 17.9250, say("rnnlm_untrained_perplexity"), reveal=True,
                 rtol=1e-5, atol=0)
    ppl = train(model, corpus, batch_size=5, time_size=5, lr=0.5, epochs=20)
    if not isinstance(ppl, list) or len(ppl) != 20:
        fail("check.public.rnnlm_epochs", got=len(ppl) if isinstance(ppl, list) else type(ppl).__name__)
    got = np.round([ppl[0], ppl[1]], 4)

    def wrongly(every_window):
        other_model = SimpleRnnlm(len(word_to_id), 10, 10, seed=0)
        perplexity(other_model, corpus, 5, 5)  # as above: what it leaves behind is where a train without reset starts
        other = train_resetting(other_model, corpus, every_window, 2)
        return hints.matches(got, np.round(other, 4)) and not hints.matches(got, [PUBLISHED_FIRST, PUBLISHED_SECOND])

    def only(every_window):  # a reset_state that does nothing makes both wrong trainings alike: no hint then
        return wrongly(every_window) and not wrongly(not every_window)

    assert_close(np.round([ppl[0], ppl[1], ppl[-1]], 4), [PUBLISHED_FIRST, PUBLISHED_SECOND, PUBLISHED_LAST],
                 "train(...): " + say("rnnlm_published_epochs"), reveal=True,
                 rtol=1e-5, atol=0, hint=[hint_if(lambda: only(True), "hint.rnnlm.reset_every_batch"),
                                          hint_if(lambda: only(False), "hint.rnnlm.reset_per_epoch")])


# -- bptt

def truncated_total_loss(U, V, W, x, y, truncate, base):
    """The README's L_trunc: L_t from the constant state base[start] = s_(start-1), start = max(0, t - truncate)."""
    total = 0.0
    for t in range(len(x)):
        start = max(0, t - truncate)
        s = base[start]
        for j in range(start, t + 1):
            s = np.tanh(U[:, x[j]] + W @ s)
        total -= log_softmax(V @ s)[y[t]]
    return total


def test_bptt_matches_central_differences_of_the_truncated_loss():
    rng = np.random.default_rng(6)
    U, V, W = rng.normal(size=(4, 6)), rng.normal(size=(6, 4)), rng.normal(scale=0.6, size=(4, 4))
    x, y = [1, 3, 0, 5, 2, 2], [3, 0, 5, 2, 2, 4]
    base = [np.zeros(4)]
    for word in x:
        base.append(np.tanh(U[:, word] + W @ base[-1]))
    for truncate in (2, 5):
        dU, dV, dW = bptt(U, V, W, x, y, truncate)
        checks = {
            "dU": (dU, numerical_gradient(lambda u: truncated_total_loss(u, V, W, x, y, truncate, base), U, step=1e-4)),
            "dV": (dV, numerical_gradient(lambda v: truncated_total_loss(U, v, W, x, y, truncate, base), V, step=1e-4)),
            "dW": (dW, numerical_gradient(lambda w: truncated_total_loss(U, V, w, x, y, truncate, base), W, step=1e-4)),
        }
        off_by_one = [hint_if(lambda: all(hints.matches(a, b) for a, b in zip(
            (dU, dW), (bptt_steps(U, V, W, x, y, other)[0], bptt_steps(U, V, W, x, y, other)[2]))),
            "hint.rnnlm.truncation_off_by_one") for other in (truncate - 1, truncate + 1) if truncate < 5]
        assert_gradients(checks, f"bptt(U, V, W, x, y, truncate={truncate})", reveal=True, hint=off_by_one)


def bptt_steps(U, V, W, x, y, truncate):
    """Gradients of L_trunc by central differences: what bptt gives for another truncate (for the hint)."""
    base = [np.zeros(W.shape[0])]
    for word in x:
        base.append(np.tanh(U[:, word] + W @ base[-1]))
    return [numerical_gradient(lambda p, i=i: truncated_total_loss(*[p if j == i else q for j, q in enumerate((U, V, W))],
                                                                  x, y, truncate, base), param, step=1e-4)
            for i, param in enumerate((U, V, W))]
