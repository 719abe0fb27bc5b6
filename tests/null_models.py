"""Null models: submissions that compute nothing, generated for every assignment.

A score must mean "this much of the maths is right", so each of these scores 0:

- zeros:     every method and function returns zeros of the shape the real one
             returns (a tuple of zeros for a tuple, 0.0 for a number, "" for a
             word) and zeroes every array it keeps on its object (params,
             grads, caches, masks), in place;
- input:     every method and function returns its first argument (zeros where
             it has none), and keeps only zeros;
- ones:      a constant: ones of the right shapes, and ones kept;
- published: the figures a README publishes, hard-coded for the published
             inputs (01's apple examples, 07's example sentence, 08's
             perplexities), zeros elsewhere.

The first three are the reference solution with every top-level function and
every method but `__init__` wrapped: the real code still runs (so shapes, types
and the object's attributes are right), then what it returns and keeps is
replaced. That makes them strong null models: right API, right shapes, right
attribute names, no correct number anywhere.
"""

from __future__ import annotations

from autograder.course import Assignment
from autograder.submission import Submission

KINDS = ("zeros", "input", "ones")

# Appended to the solution: wraps what the module defined. `_NULL_KIND` is set above it.
_WRAPPER = '''

import functools as _null_functools
import numpy as _null_np


def _null_fill(value):
    return 1 if _NULL_KIND == "ones" else 0


def _null_value(value):
    """`value` with every number replaced by the null model's constant, shapes and kinds kept."""
    fill = _null_fill(value)
    if isinstance(value, _null_np.ndarray):
        return _null_np.full_like(value, fill)
    if isinstance(value, (bool, _null_np.bool_)):
        return bool(fill)
    if isinstance(value, (int, float, _null_np.number)):
        return type(value)(fill)
    if isinstance(value, str):
        return ""
    if isinstance(value, tuple):
        return tuple(_null_value(v) for v in value)
    if isinstance(value, list):
        return [_null_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _null_value(v) for k, v in value.items()}
    return value


def _null_keep(obj):
    """Every array the object keeps, filled in place (lists and tuples of arrays too)."""
    fill = _null_fill(None)
    for name, value in list(vars(obj).items()):
        arrays = value if isinstance(value, (list, tuple)) else [value]
        for array in arrays:
            if isinstance(array, _null_np.ndarray) and array.flags.writeable:
                array[...] = fill
        if isinstance(value, (int, float, _null_np.number)) and not isinstance(value, bool):
            setattr(obj, name, type(value)(fill))


def _null_wrap(function, method):
    @_null_functools.wraps(function)
    def null(*args, **kwargs):
        out = function(*args, **kwargs)
        if method and args:
            _null_keep(args[0])
        given = args[1:] if method else args
        if _NULL_KIND == "input" and given:
            first = given[0]
            return first.copy() if isinstance(first, _null_np.ndarray) else first
        return _null_value(out)
    return null


def _null_wrap_module(namespace):
    for name, value in list(namespace.items()):
        if name.startswith("_"):
            continue
        if isinstance(value, type) and value.__module__ == namespace["__name__"]:
            for attr, member in list(vars(value).items()):
                if attr != "__init__" and not attr.startswith("__") and callable(member) \\
                        and not isinstance(member, (staticmethod, classmethod, type)):
                    setattr(value, attr, _null_wrap(member, method=True))
        elif callable(value) and getattr(value, "__module__", None) == namespace["__name__"] \\
                and not isinstance(value, type):
            namespace[name] = _null_wrap(value, method=False)


_null_wrap_module(globals())
'''


def generated(assignment: Assignment, kind: str) -> Submission:
    """The solution wrapped so that it computes nothing: kind is zeros, input or ones."""
    files = {}
    for name in assignment.student_files:
        source = (assignment.solution_folder / name).read_text(encoding="utf-8")
        files[name] = (source + f"\n\n_NULL_KIND = {kind!r}\n" + _WRAPPER).encode()
    return Submission(f"null model ({kind})", files)


# The published figures, returned for the published inputs only (DESIGN.md: the apple
# examples of the seed posts, and 07's example sentence).
_PUBLISHED = {
    "01_computational_graph": '''
import numpy as np

# forward(x, y) -> out, and backward(dout) -> (dx, dy), as the apple and apple-orange examples print them
FORWARD = {(100.0, 2.0): 200.0, (200.0, 1.1): 220.0, (150.0, 3.0): 450.0, (200.0, 450.0): 650.0,
           (650.0, 1.1): 715.0}
BACKWARD = {(100.0, 2.0): (2.2, 110.0), (200.0, 1.1): (1.1, 200.0), (150.0, 3.0): (3.3, 165.0),
            (200.0, 450.0): (1.1, 1.1), (650.0, 1.1): (1.1, 650.0)}


class _Layer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x, self.y = x, y
        key = (float(np.sum(x)), float(np.sum(y)))
        return FORWARD.get(key, np.zeros_like(np.asarray(x, dtype=float)) if np.ndim(x) else 0.0)

    def backward(self, dout):
        key = (float(np.sum(self.x)), float(np.sum(self.y)))
        zero = np.zeros_like(np.asarray(dout, dtype=float)) if np.ndim(dout) else 0.0
        return BACKWARD.get(key, (zero, zero))


class MulLayer(_Layer):
    pass


class AddLayer(_Layer):
    pass
''',
    "07_many_to_one": '''
import numpy as np

PROBABILITY = 0.57238818
LOSS = 0.8495394526507959
SENTENCES = [("as", "as", "soon"), ("as", "soon", "as"), ("soon", "as", "as")]


def one_hot(sentences):
    return np.zeros((len(sentences), len(sentences[0]) if sentences else 0, 2))


def make_dataset():
    return list(SENTENCES), np.zeros((3, 3, 2)), np.zeros((3, 1))


def bce_loss(y_hat, y):
    return LOSS


class ManyToOneRNN:
    def __init__(self, input_size=2, hidden_size=3, output_size=1, seed=230907):
        np.random.seed(seed)
        self.Wxh = np.random.randn(input_size, hidden_size)
        self.Whh = np.random.randn(hidden_size, hidden_size)
        self.Bh = np.random.randn(1, 1)
        self.Wy = np.random.randn(hidden_size, output_size)
        self.By = np.random.randn(1, 1)
        self.params = [self.Wxh, self.Whh, self.Bh, self.Wy, self.By]
        self.grads = [np.zeros_like(p) for p in self.params]

    def forward(self, xs):
        return np.full((len(xs), self.Wy.shape[1]), PROBABILITY)

    def loss(self, xs, t):
        return LOSS

    def backward(self):
        for g in self.grads:
            g[...] = 0

    def fit(self, xs, t, lr=0.1, epochs=100):
        return [LOSS] * epochs

    def predict(self, xs):
        return np.zeros((len(xs), self.Wy.shape[1]), dtype=int)
''',
    "08_rnnlm": '''
import numpy as np

FIRST, LAST, UNTRAINED = 12.9481, 2.7824, 17.9250  # the README's published figure


class TimeSoftmaxWithLoss:
    def __init__(self):
        self.params, self.grads = [], []
        self.shape = None

    def forward(self, xs, ts):
        self.shape = xs.shape
        return 0.0

    def backward(self, dout=1):
        return np.zeros(self.shape)


class SimpleRnnlm:
    def __init__(self, vocab_size, wordvec_size, hidden_size, seed=0):
        V, D, H = vocab_size, wordvec_size, hidden_size
        self.params = [np.zeros((V, D)), np.zeros((D, H)), np.zeros((H, H)), np.zeros(H), np.zeros((H, V)),
                       np.zeros(V)]
        self.grads = [np.zeros_like(p) for p in self.params]

    def forward(self, xs, ts):
        return 0.0

    def backward(self, dout=1):
        return None

    def reset_state(self):
        pass


def truncated_batches(corpus, batch_size, time_size):
    count = (len(corpus) - 1) // (batch_size * time_size)
    return [(np.zeros((batch_size, time_size), dtype=int), np.zeros((batch_size, time_size), dtype=int))
            for _ in range(count)]


def perplexity(model, corpus, batch_size, time_size):
    return UNTRAINED


def train(model, corpus, batch_size, time_size, lr, epochs):
    return [FIRST] + [LAST] * (epochs - 1)


def bptt(U, V, W, x, y, truncate):
    return np.zeros_like(U), np.zeros_like(V), np.zeros_like(W)
''',
}


def published(assignment: Assignment) -> Submission | None:
    """The published figures hard-coded, for an assignment whose README publishes some."""
    source = _PUBLISHED.get(assignment.id)
    if source is None:
        return None
    return Submission("null model (published figures)", {assignment.student_files[0]: source.encode()})


def all_for(assignment: Assignment) -> list[Submission]:
    models = [generated(assignment, kind) for kind in KINDS]
    hard_coded = published(assignment)
    return models + ([hard_coded] if hard_coded else [])
