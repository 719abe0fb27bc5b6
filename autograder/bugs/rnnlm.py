"""Bug patterns of 08_rnnlm: each detector returns a Hint when the student's output matches a known bug.

The detectors compute the wrong formulas next to the right ones, some with the
reference module the hidden test passes in (`ref`), on the trusted side.
"""

from __future__ import annotations

import numpy as np

from ..hints import Hint, detector, hint, matches


def _log_probabilities(xs) -> np.ndarray:
    """log softmax over the last axis, in float64: (N, T, V)."""
    xs = np.asarray(xs, dtype=np.float64)
    shifted = xs - xs.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _costs(xs, ts) -> tuple[np.ndarray, np.ndarray]:
    """(-log y at each target (N, T), with 0 where the target is -1; the mask of targets that count)."""
    ts = np.asarray(ts)
    logp = _log_probabilities(xs)
    picked = np.take_along_axis(logp, np.where(ts < 0, 0, ts)[..., None], axis=-1)[..., 0]
    mask = ts != -1
    return -picked * mask, mask


@detector
def loss_mean(loss, xs, ts) -> Hint | None:
    """The sum of the costs divided by N (the batch only), or by N * T where some targets are ignored."""
    costs, mask = _costs(xs, ts)
    n, t = mask.shape
    right = costs.sum() / mask.sum()
    if matches(loss, right):
        return None
    if n * t != n and matches(loss, costs.sum() / n):
        return hint("hint.rnnlm.mean_over_n")
    if not mask.all():
        logp = _log_probabilities(xs)
        last = -logp[..., -1]  # ts == -1 read as the last word, as plain indexing does
        counted = np.where(mask, costs, last)
        if matches(loss, costs.sum() / (n * t)) or matches(loss, counted.sum() / (n * t)):
            return hint("hint.rnnlm.ignore_counted")
    return None


@detector
def dxs_mean(dxs, xs, ts, dout=1.0) -> Hint | None:
    """backward divided by N only, or by N * T (ignored rows counted) instead of the targets that count."""
    ts = np.asarray(ts)
    mask = ts != -1
    n, t = mask.shape
    ys = np.exp(_log_probabilities(xs))
    grad = ys.copy()
    rows = np.argwhere(mask)
    grad[rows[:, 0], rows[:, 1], ts[mask]] -= 1
    grad *= mask[..., None] * dout
    right = grad / mask.sum()
    if matches(dxs, right):
        return None
    if n * t != n and matches(dxs, grad / n):
        return hint("hint.rnnlm.mean_over_n")
    if not mask.all() and matches(dxs, grad / (n * t)):
        return hint("hint.rnnlm.ignore_counted")
    return None


@detector
def state_not_carried(second_loss, fresh_loss, carried_loss) -> Hint | None:
    """The second window's loss is that of a model starting from zeros: the hidden state was not carried."""
    # the loss comes from the reference layers in float64: a fresh start matches to the last digits
    exact = {"rtol": 1e-9, "atol": 0}
    if not matches(second_loss, carried_loss, **exact) and matches(second_loss, fresh_loss, **exact):
        return hint("hint.rnnlm.state_not_carried")
    return None


@detector
def offsets(batches, corpus, batch_size, time_size) -> Hint | None:
    """Every row reads from offset 0 (or windows that do not move on), instead of row i from i * jump."""
    corpus = np.asarray(corpus)
    first = np.asarray(batches[0][0])
    if batch_size > 1 and first.shape == (batch_size, time_size) and \
            all(np.array_equal(row, corpus[:time_size]) for row in first) and \
            not np.array_equal(corpus[:time_size], corpus[(len(corpus) - 1) // batch_size:][:time_size]):
        return hint("hint.rnnlm.offsets_at_zero")
    return None


def _train(ref, model, corpus, batch_size, time_size, lr, epochs, reset):
    """The reference's training loop with the reset at another place: 'batch' (every window) or 'never'."""
    batches = ref.truncated_batches(corpus, batch_size, time_size)
    ppl = []
    for _ in range(epochs):
        total = 0.0
        for xs, ts in batches:
            if reset == "batch":
                model.reset_state()
            total += model.forward(xs, ts)
            model.backward()
            for param, grad in zip(model.params, model.grads):
                param -= lr * grad
        ppl.append(float(np.exp(total / len(batches))))
    return ppl


@detector
def reset_place(ppl, ref, build, corpus, batch_size, time_size, lr, epochs) -> Hint | None:
    """train resets the state before every window, or never (not once per epoch)."""
    right = ref.train(build(), corpus, batch_size, time_size, lr, epochs)
    if matches(ppl, right):
        return None
    if matches(ppl, _train(ref, build(), corpus, batch_size, time_size, lr, epochs, "batch")):
        return hint("hint.rnnlm.reset_every_batch")
    if epochs > 1 and matches(ppl, _train(ref, build(), corpus, batch_size, time_size, lr, epochs, "never")):
        return hint("hint.rnnlm.reset_per_epoch")
    return None


@detector
def truncation(grads, ref, U, V, W, x, y, truncate) -> Hint | None:
    """bptt goes back one step fewer or one step more than `truncate` allows."""
    right = ref.bptt(U, V, W, x, y, truncate)
    if all(matches(g, r) for g, r in zip(grads, right)):
        return None
    for other in (truncate - 1, truncate + 1):
        wrong = ref.bptt(U, V, W, x, y, other)
        if all(matches(g, w) for g, w in zip(grads, wrong)) and \
                not all(matches(w, r) for w, r in zip(wrong, right)):
            return hint("hint.rnnlm.truncation_off_by_one")
    return None
