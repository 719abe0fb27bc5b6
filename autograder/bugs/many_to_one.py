"""Bug patterns of 07_many_to_one: each detector returns a Hint when the student's output matches a known bug."""

from __future__ import annotations

import numpy as np

from ..hints import Hint, detector, hint, matches

NAMES = ("Wxh", "Whh", "Bh", "Wy", "By")
SENTENCES = [("as", "as", "soon"), ("as", "soon", "as"), ("soon", "as", "as")]


# -- data and loss -----------------------------------------------------------------

def sentences(got) -> Hint | None:
    """The sentences of make_dataset: a set's order, or all six permutations with their duplicates."""
    try:
        got = [tuple(str(w) for w in s) for s in got]
    except TypeError:
        return None
    if sorted(got) == SENTENCES and got != SENTENCES:
        return hint("hint.dataset.unsorted")
    if len(got) == 6 and sorted(set(got)) == SENTENCES:
        return hint("hint.dataset.duplicates")
    return None


@detector
def one_hot(X, right) -> Hint | None:
    """The codes of "as" and "soon" swapped."""
    right = np.asarray(right, dtype=np.float64)
    if not matches(X, right) and matches(X, 1 - right):
        return hint("hint.dataset.swapped_codes")
    return None


@detector
def labels(t, right, order) -> Hint | None:
    """t of shape (3,), or marking another sentence than ("as", "soon", "as")."""
    right = np.asarray(right, dtype=np.float64)
    if np.shape(t) == (right.size,) and matches(np.reshape(t, right.shape), right):
        return hint("hint.dataset.label_shape", actual=np.shape(t), expected=right.shape)
    got = np.asarray(t, dtype=np.float64).reshape(-1)
    if got.size == len(order) and np.sum(got == 1) == 1 and np.sum(got == 0) == len(order) - 1 \
            and not matches(got, right.reshape(-1)):
        return hint("hint.dataset.wrong_label", sentence=str(order[int(np.argmax(got))]))
    return None


def _bce(y_hat, t) -> np.ndarray:
    y_hat, t = np.asarray(y_hat, dtype=np.float64), np.asarray(t, dtype=np.float64)
    return t * np.log(y_hat) + (1 - t) * np.log(1 - y_hat)


@detector
def bce(loss, y_hat, t) -> Hint | None:
    """The loss summed over the batch, without the minus sign, or nan where y_hat is exactly 0 or 1."""
    terms = _bce(np.clip(y_hat, 1e-12, 1 - 1e-12), t)
    if not np.all(np.isfinite(np.asarray(loss, dtype=np.float64))):
        return hint("hint.bce.clip")
    if matches(loss, -terms.mean()):
        return None
    if len(terms) > 1 and matches(loss, -terms.sum()):
        return hint("hint.bce.summed")
    if matches(loss, terms.mean()) or (len(terms) > 1 and matches(loss, terms.sum())):
        return hint("hint.bce.sign")
    return None


# -- the model ---------------------------------------------------------------------

def _floats(params):
    return [np.asarray(p, dtype=np.float64) for p in params]


def _states(params, xs, h0=None) -> list[np.ndarray]:
    Wxh, Whh, Bh, _, _ = _floats(params)
    xs = np.asarray(xs, dtype=np.float64)
    hs = [np.zeros((xs.shape[0], Whh.shape[0])) if h0 is None else h0]
    for t in range(xs.shape[1]):
        hs.append(np.tanh(xs[:, t] @ Wxh + hs[-1] @ Whh + Bh))
    return hs


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


@detector
def forward(y_hat, params, xs, previous=None) -> Hint | None:
    """y_hat from the first hidden state, or from a state carried over from the `previous` batch."""
    _, _, _, Wy, By = _floats(params)
    hs = _states(params, xs)
    if matches(y_hat, _sigmoid(hs[-1] @ Wy + By)):
        return None
    if len(hs) > 2 and matches(y_hat, _sigmoid(hs[1] @ Wy + By)):
        return hint("hint.many_to_one.first_state")
    if previous is not None:
        carried = _states(params, xs, _states(params, previous)[-1])
        if matches(y_hat, _sigmoid(carried[-1] @ Wy + By)):
            return hint("hint.many_to_one.carries_state")
    return None


def _backward(params, xs, t, mean=True, derivative=lambda h: 1 - h ** 2, steps=None, sum_steps=True,
              pair_next=False, transpose=True) -> list[np.ndarray]:
    """The five gradients of BPTT for the mean BCE loss, or of one of its common mistakes."""
    Wxh, Whh, Bh, Wy, By = _floats(params)
    xs, t = np.asarray(xs, dtype=np.float64), np.asarray(t, dtype=np.float64)
    hs = _states(params, xs)
    n, T = xs.shape[:2]
    da = (_sigmoid(hs[-1] @ Wy + By) - t) / (n if mean else 1)
    grads = [np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Bh), hs[-1].T @ da, np.full_like(By, da.sum())]
    dh = da @ Wy.T
    for step in (reversed(range(T)) if steps is None else steps(T)):
        dz = dh * derivative(hs[step + 1])
        parts = [xs[:, step].T @ dz, hs[step + 1 if pair_next else step].T @ dz, np.full_like(Bh, dz.sum())]
        grads[:3] = [g + p for g, p in zip(grads[:3], parts)] if sum_steps else [*parts[:2], grads[2] + parts[2]]
        dh = dz @ (Whh.T if transpose else Whh)
    return grads


MISTAKES = [
    ("hint.many_to_one.mean_gradient", {}, dict(mean=False)),
    ("hint.many_to_one.tanh_derivative", {}, dict(derivative=lambda h: 1 - h)),
    ("hint.many_to_one.last_step_only", {}, dict(steps=lambda T: [T - 1])),
    ("hint.time.one_step", {"name": "dWxh, dWhh"}, dict(sum_steps=False)),
    ("hint.many_to_one.dWhh_state", {}, dict(pair_next=True)),
    ("hint.many_to_one.whh_transpose", {}, dict(transpose=False)),
]


@detector
def gradients(grads, params, xs, t) -> Hint | None:
    """The five gradients against BPTT's common mistakes, and dBh's shape."""
    grads = list(grads)
    right = _backward(params, xs, t)
    if np.shape(grads[2]) != np.shape(right[2]):
        return hint("hint.many_to_one.bias_shape", actual=np.shape(grads[2]), expected=np.shape(right[2]))
    if all(matches(g, r) for g, r in zip(grads, right)):
        return None
    for key, fields, mistake in MISTAKES:
        wrong = _backward(params, xs, t, **mistake)
        differs = [i for i in range(5) if not matches(wrong[i], right[i])]
        if differs and all(matches(grads[i], wrong[i]) for i in differs):
            return hint(key, **fields)
    return None


# -- fit and predict ---------------------------------------------------------------

@detector
def fit_losses(losses, params, xs, t, lr: float) -> Hint | None:
    """Losses of gradient ascent (param += lr * grad) instead of descent."""
    params = _floats(params)
    climbed = []
    for _ in range(len(losses)):
        hs = _states(params, xs)
        y_hat = _sigmoid(hs[-1] @ params[3] + params[4])
        climbed.append(-_bce(np.clip(y_hat, 1e-12, 1 - 1e-12), t).mean())
        params = [p + lr * g for p, g in zip(params, _backward(params, xs, t))]
    if len(losses) > 1 and matches(np.asarray(losses, dtype=np.float64), climbed):
        return hint("hint.fit.ascent")
    return None


@detector
def fit_arrays(model_params, attributes) -> Hint | None:
    """params and the attributes no longer the same values after fit: one of the two was rebound."""
    if any(not matches(p, a) for p, a in zip(model_params, attributes)):
        return hint("hint.fit.in_place")
    return None


@detector
def predict(labels, probabilities) -> Hint | None:
    """Probabilities returned as they are, or thresholded somewhere else than 0.5."""
    p = np.asarray(probabilities, dtype=np.float64)
    if matches(labels, (p > 0.5).astype(float)):
        return None
    if matches(labels, p):
        return hint("hint.predict.probabilities")
    got = np.asarray(labels, dtype=np.float64)
    if got.shape == p.shape and np.all((got == 0) | (got == 1)) and np.all(np.diff(got[np.argsort(p, axis=0)], axis=0) >= 0):
        return hint("hint.predict.threshold")  # 0/1, monotone in the probability, but cut elsewhere
    return None
