"""08's hidden inputs reach the edges they are drawn for, on every seed.

The hidden tests draw their inputs per submission, so an edge a test exists for
(a flat index that overflows the targets' dtype, rows of scores 1000 apart, a
corpus too short for one window) must be there on every draw, not on most. The
one run nothing is drawn for, the published training, is the reference's once a batch.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.hidden import rnnlm as hidden

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


@settings(max_examples=200, deadline=None)
@given(SEEDS, st.sampled_from([np.int8, np.int16]))
def test_narrow_target_dtypes_meet_a_flat_index_past_their_range(seed, dtype):
    n, t, v = hidden._dtype_sizes(np.random.default_rng(seed), dtype)
    top = np.iinfo(dtype).max
    assert v % 2 == 1 and v - 1 <= top  # every id fits; N * T * V no multiple of 2 ** bits
    assert n * t * v >= 2 * (top + 1)  # the flat index of the later rows overflows the dtype
    assert n != t


@settings(max_examples=200, deadline=None)
@given(SEEDS)
def test_a_flat_index_in_int8_moves_the_loss_beyond_the_tolerance(seed):
    rng = np.random.default_rng(seed)
    n, t, v = hidden._dtype_sizes(rng, np.int8)
    xs, ts = hidden._scores(rng, n, t, v), hidden._targets(rng, n, t, v, ignored=1).astype(np.int8)
    hidden._favour_targets(xs, ts)
    rows, flat_ts = xs.reshape(n * t, v), ts.reshape(-1)
    logp = rows - rows.max(axis=1, keepdims=True)
    logp = (logp - np.log(np.exp(logp).sum(axis=1, keepdims=True))).ravel()
    counted = flat_ts != -1
    with np.errstate(over="ignore"):
        wrapped = np.arange(n * t, dtype=np.int8) * v + flat_ts
    right = np.arange(n * t) * v + flat_ts.astype(np.int64)
    loss, misread = (-logp[right][counted].mean(), -logp[wrapped][counted].mean())
    assert abs(misread - loss) > 1e-2 * abs(loss)


@settings(max_examples=200, deadline=None)
@given(SEEDS, st.integers(2, 6), st.integers(1, 6))
def test_large_scores_have_a_row_near_1000_and_one_far_below(seed, n, t):
    offsets = hidden._scales_apart(np.random.default_rng(seed), n, t).reshape(-1)
    assert offsets.max() >= 800 and offsets.min() <= 0
    assert set(np.sign(offsets)) <= {-1.0, 0.0, 1.0}


@settings(max_examples=100, deadline=None)
@given(SEEDS)
def test_short_corpora_give_no_window_and_the_boundaries_one(seed):
    cases = hidden._edges_of_one_window(np.random.default_rng(seed))
    counts = [(length - 1) // (n * t) for length, n, t in cases]
    assert counts.count(0) >= 4 and counts.count(1) >= 4
    assert all(length >= 2 for length, _, _ in cases)


def test_the_published_run_trains_the_reference_once_for_a_whole_batch(monkeypatch, fork_server):
    # Nothing of the published run is drawn: the reference's perplexities are the same for every
    # submission, so a batch trains the reference once; a wrong train still loses the test each time.
    from autograder import course, reference
    from autograder.grade import grade
    from autograder.submission import Submission

    assignment = course.load("08_rnnlm")
    ref = reference.module(assignment)
    published = (hidden.PUBLISHED["batch_size"], hidden.PUBLISHED["time_size"], hidden.PUBLISHED["lr"],
                 hidden.PUBLISHED["epochs"])
    trained, real_train = [], ref.train
    monkeypatch.setattr(ref, "train", lambda model, corpus, *args: trained.append(args) or
                        real_train(model, corpus, *args))
    monkeypatch.setattr(hidden, "_published_runs", {})
    solution = (assignment.solution_folder / "rnnlm.py").read_text()
    ascends = solution.replace("param -= lr * grad", "param += lr * grad")
    assert ascends != solution
    only = ("test_published_perplexity_is_reproduced",)
    scores = []
    for name, source in (("solution", solution), ("ascends", ascends), ("solution again", solution)):
        result = grade(assignment, Submission(name, {"rnnlm.py": source.encode()}), fork_server, only=only)
        scores.append(result.score)
    full = sum(t.points for t in assignment.tests if t.name in only)
    assert scores == [full, 0, full]
    assert trained.count(published) == 1, trained
