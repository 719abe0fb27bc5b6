"""Public tests for 07_many_to_one. Run them in this folder with
`python -m autograder check` (a table and an explanation of every failure) or `python -m pytest`.

They check the dataset, a small loss example, the published worked example, a
gradient check and training on the three sentences; the autograder runs more
tests of the same kind on other inputs.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import classifier
from autograder import hints, messages
from autograder.assertions import (assert_close, assert_gradients, assert_shape, at_precision, fail, judged_precision,
                               numerical_gradient)
from classifier import ManyToOneRNN, bce_loss, make_dataset, one_hot

NAMES = ("Wxh", "Whh", "Bh", "Wy", "By")
PUBLISHED = np.array([[[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]])  # ("as", "as", "soon")
# A set of strings is ordered by hashes that Python draws anew in every process: make_dataset
# runs under these string-hash seeds, each in a Python of its own, and must give one order.
HASH_SEEDS = (1, 2, 3)


def say(key: str, **fields) -> str:
    """A label in the language of the check (the public tests' words live in the catalogue)."""
    return messages.text(f"public.{key}", **fields)


def hint_if(condition, key: str, **fields):
    """The hint for `key` when the classic mistake it names is recognised, else None."""
    try:
        return hints.hint(key, **fields) if condition() else None
    except Exception:  # whatever the student returned: no pattern recognised
        return None


def test_one_hot_small_example():
    X = one_hot([("soon", "as"), ("as", "as")])
    expected = np.array([[[0, 1], [1, 0]],
                         [[1, 0], [1, 0]]])
    assert_shape(X, (2, 2, 2), "one_hot(sentences)")
    assert_close(X, expected, "one_hot(sentences)", rtol=0, atol=0, reveal=True,
                 hint=hint_if(lambda: hints.matches(X, 1 - expected), "hint.dataset.swapped_codes"))


def test_make_dataset():
    sentences, X, t = make_dataset()
    expected = [("as", "as", "soon"), ("as", "soon", "as"), ("soon", "as", "as")]
    got = [tuple(s) for s in sentences]
    if got != expected:
        fail("check.public.sentences", actual=got, expected=expected,
             hint=[hint_if(lambda: sorted(got) == expected, "hint.dataset.unsorted"),
                   hint_if(lambda: len(got) == 6, "hint.dataset.duplicates")])
    assert_shape(X, (3, 3, 2), "make_dataset(): X")
    assert_close(X[1], [[1, 0], [0, 1], [1, 0]], "make_dataset(): X[1]", rtol=0, atol=0, reveal=True)
    marked = hint_if(lambda: np.shape(t) == (3, 1) and sorted(np.ravel(t).tolist()) == [0, 0, 1],
                     "hint.dataset.wrong_label", sentence=str(expected[int(np.argmax(np.ravel(t)))]))
    assert_close(t, [[0], [1], [0]], "make_dataset(): t", rtol=0, atol=0, reveal=True,
                 hint=[hint_if(lambda: np.shape(t) == (3,), "hint.dataset.label_shape", actual=(3,), expected=(3, 1)),
                       marked])


def test_make_dataset_order_does_not_depend_on_string_hashing():
    expected = [("as", "as", "soon"), ("as", "soon", "as"), ("soon", "as", "as")]
    # in a notebook, classifier is the notebook's own namespace, saved as classifier.py beside it
    folder = str(Path(getattr(classifier, "__file__", None) or "classifier.py").resolve().parent)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import classifier; "
            f"print(repr([tuple(str(w) for w in s) for s in classifier.{make_dataset.__name__}()[0]]))")
    runs = {seed: subprocess.Popen([sys.executable, "-c", code, folder], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, cwd=folder,
                                   env={**os.environ, "PYTHONHASHSEED": str(seed)})
            for seed in HASH_SEEDS}
    for seed, run in runs.items():
        out, err = run.communicate(timeout=120)
        if run.returncode != 0:
            fail("public.hash_seed_run_failed", seed=seed, error=(err.strip().splitlines() or ["?"])[-1])
        got = out.strip().splitlines()[-1]
        if got != repr(expected):
            fail("public.order_under_seeds", seed=seed, actual=got,
                 hint=hint_if(lambda got=got: sorted(ast.literal_eval(got)) == expected, "hint.dataset.unsorted"))


def test_bce_loss_small_example():
    y_hat = np.array([[0.9], [0.2]])
    y = np.array([[1.0], [0.0]])
    expected = -(np.log(0.9) + np.log(0.8)) / 2
    loss = bce_loss(y_hat, y)
    assert_close(loss, expected, "bce_loss(y_hat, y)", rtol=1e-6, reveal=True,
                 hint=[hint_if(lambda: hints.matches(loss, 2 * expected), "hint.bce.summed"),
                       hint_if(lambda: hints.matches(loss, -expected), "hint.bce.sign")])


def test_bce_loss_is_finite_at_probabilities_0_and_1():
    y_hat = np.array([[1.0], [0.0], [0.9], [0.2]])  # the first two sure and right: a saturated sigmoid
    y = np.array([[1.0], [0.0], [1.0], [0.0]])
    loss = bce_loss(y_hat, y)
    not_finite = hint_if(lambda: not np.all(np.isfinite(np.asarray(loss, dtype=float))), "hint.bce.clip")
    assert_close(loss, -(np.log(0.9) + np.log(0.8)) / 4, "bce_loss(y_hat, y) " + say("at_zero_and_one"),
                 rtol=1e-6, atol=1e-6, reveal=True, hint=not_finite)


def test_published_example():
    model = ManyToOneRNN()
    xs = PUBLISHED
    y_hat = model.forward(xs)
    assert_shape(y_hat, (1, 1), "ManyToOneRNN.forward(xs)")
    other_end = xs.copy()
    other_end[:, -1, :] = [1.0, 0.0]  # ("as", "as", "as"): a forward that reads the last state sees the change
    first = hint_if(lambda: hints.matches(y_hat, ManyToOneRNN().forward(other_end)), "hint.many_to_one.first_state")
    assert_close(y_hat, [[0.57238818]], "ManyToOneRNN.forward(xs)", rtol=1e-5, reveal=True, hint=first)
    assert_close(model.loss(xs, np.array([[0.0]])), 0.8495394526507959, "ManyToOneRNN.loss(xs, t)",
                 rtol=1e-5, reveal=True)


def test_forward_starts_every_batch_from_h0_zero():
    """Each row of a batch is its own sequence: forward on the batch equals forward on each row alone."""
    _, X, _ = make_dataset()
    model = ManyToOneRNN()
    together = model.forward(X)
    alone = np.concatenate([np.reshape(model.forward(X[i:i + 1]), (1, -1)) for i in range(len(X))])
    assert_close(alone, together, "ManyToOneRNN.forward: " + say("each_row_alone"), rtol=1e-6, reveal=True,
                 hint="hint.many_to_one.carries_state")
    assert_close(model.forward(X), together, "ManyToOneRNN.forward(X): " + say("called_a_second_time"),
                 rtol=1e-6, reveal=True, hint="hint.many_to_one.carries_state")


def _model_with(params):
    """A new model holding `params` (both as the attributes and as the params list)."""
    model = ManyToOneRNN()
    for name, value in zip(NAMES, params):
        setattr(model, name, value)
    model.params = list(params)
    return model


def test_backward_matches_central_differences():
    _, X, t = make_dataset()
    model = ManyToOneRNN()
    model.loss(X, t)
    kept = list(model.grads)
    model.backward()
    params = [p.copy() for p in model.params]
    # A model that keeps its hidden states in float32 (the textbook's dtype='f') is only
    # float32-accurate: judged by the published example, its gradients get the float32 tolerance.
    published = ManyToOneRNN().loss(np.array([[[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]]), np.array([[0.0]]))
    kind = judged_precision(published, 0.8495394526507959, "ManyToOneRNN.loss(xs, t)")
    cast = np.float32 if kind == "float32" else np.float64

    def loss_with(i):
        return lambda v: cast(np.asarray(_model_with(params[:i] + [v] + params[i + 1:]).loss(X, t), dtype=float))

    gradients = {f"d{name}": (at_precision(model.grads[i], kind),
                              numerical_gradient(loss_with(i), params[i], None, "ManyToOneRNN.loss"))
                 for i, name in enumerate(NAMES)}
    n = X.shape[0]
    # central differences are good to about 1e-3 here: loose enough for them, far tighter than the factor n
    too_large = hint_if(lambda: all(hints.matches(a, n * np.asarray(num), rtol=1e-2, atol=1e-5)
                                    for a, num in gradients.values()),
                        "hint.many_to_one.mean_gradient")
    assert_gradients(gradients, "ManyToOneRNN.backward", reveal=True, hint=[too_large, *bptt_hints(model, X, t, kept)],
                     through="ManyToOneRNN.loss")
    if len(model.grads) != len(kept) or any(g is not k for g, k in zip(model.grads, kept)):
        fail("check.public.grads_in_place", what="ManyToOneRNN.backward", hint=hints.rebound())
    once = [np.array(g, dtype=float) for g in model.grads]
    for again in (lambda: None, lambda: model.loss(X, t)):  # backward again: for the same loss, then a new one
        again()
        model.backward()
        for i, name in enumerate(NAMES):
            label = say("after_second_backward", name=f"grads[{i}] (d{name})")
            assert_close(model.grads[i], once[i], "ManyToOneRNN.backward: " + label, reveal=True,
                         hint=hints.accumulates(model.grads[i], once[i], f"grads[{i}] (d{name})"))


def bptt_hints(model, X, t, kept) -> list:
    """Hints of BPTT's classic mistakes, told by what backward gives on inputs chosen for them.

    h_0 = 0, so the first step adds nothing to dWhh: a dWhh of zeros kept the
    first step alone instead of the sum over the steps. With the last inputs set
    to zero, the last step adds nothing to dWxh: a dWxh of zeros went through the
    last step alone.
    """
    grads = [np.asarray(g, dtype=float) for g in model.grads]
    rebound = len(model.grads) != len(kept) or any(g is not k for g, k in zip(model.grads, kept))
    found = [hints.rebound() if rebound else None,
             hint_if(lambda: grads[2].shape != np.shape(model.Bh), "hint.many_to_one.bias_shape",
                     actual=grads[2].shape, expected=np.shape(model.Bh))]
    scale = max(float(np.abs(grads[0]).max(initial=0)), 1e-12)
    found.append(hint_if(lambda: np.abs(grads[1]).max() <= 1e-9 * scale, "hint.time.one_step", name="dWxh, dWhh"))

    def through_last_step_only():
        zeroed = np.array(X, dtype=float)
        zeroed[:, -1, :] = 0
        other = ManyToOneRNN()
        other.loss(zeroed, t)
        other.backward()
        return np.abs(np.asarray(other.grads[0], dtype=float)).max() <= 1e-9 * scale

    found.append(hint_if(through_last_step_only, "hint.many_to_one.last_step_only"))
    return found


def test_predict_thresholds_the_probabilities_at_one_half():
    _, X, _ = make_dataset()
    model = ManyToOneRNN()  # untrained: its probabilities lie near 0.5 on both sides
    expected = (np.asarray(model.forward(np.concatenate([X, PUBLISHED]))) > 0.5).astype(int)
    labels = model.predict(np.concatenate([X, PUBLISHED]))
    assert_close(labels, expected, "ManyToOneRNN.predict(X) " + say("untrained"), rtol=0, atol=0, reveal=True,
                 hint=[hint_if(lambda: np.any((np.asarray(labels) > 0) & (np.asarray(labels) < 1)),
                               "hint.predict.probabilities"),
                       hint_if(lambda: set(np.unique(labels).tolist()) <= {0, 1}, "hint.predict.threshold")])


def climbs(X, t, lr=0.2) -> bool:
    """Whether one epoch of fit moves the parameters by +lr * grads (up the gradient), by the model's own backward."""
    model = ManyToOneRNN()
    start = [np.array(p, dtype=float) for p in model.params]
    model.loss(X, t)
    model.backward()
    up = [p + lr * np.asarray(g, dtype=float) for p, g in zip(start, model.grads)]
    fitted = ManyToOneRNN()
    fitted.fit(X, t, lr, 1)
    return all(hints.matches(p, u) for p, u in zip(fitted.params, up)) and \
        not all(hints.matches(p, s) for p, s in zip(fitted.params, start))


def test_fit_learns_the_three_sentences():
    _, X, t = make_dataset()
    model = ManyToOneRNN()
    losses = model.fit(X, t, 0.2, 300)
    if not isinstance(losses, list) or len(losses) != 300:
        count = len(losses) if hasattr(losses, "__len__") else 0
        fail("check.public.fit_losses", count=count, epochs=300,
             hint=hints.hint("hint.fit.losses_list", kind=type(losses).__name__))
    apart = [i for i, name in enumerate(NAMES) if model.params[i] is not getattr(model, name)]
    if not losses[-1] < 0.1 * losses[0]:
        fail("check.public.fit_learns", first=f"{losses[0]:.4g}", last=f"{losses[-1]:.4g}",
             hint=[hint_if(lambda: apart, "hint.fit.in_place"), hint_if(lambda: climbs(X, t), "hint.fit.ascent")])
    for i in apart:
        fail("public.fit_same_arrays", index=i, name=NAMES[i], hint=hints.hint("hint.fit.in_place"))
    labels = model.predict(X)
    assert_close(labels, t, say("after_fit", code="ManyToOneRNN.predict(X)"), rtol=0, atol=0, reveal=True,
                 hint=hint_if(lambda: np.any((np.asarray(labels) > 0) & (np.asarray(labels) < 1)),
                              "hint.predict.probabilities"))
