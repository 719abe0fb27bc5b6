"""The hidden tests' gradient check along random directions (autograder/directional.py).

It may only send a gradient to the per-entry check, never pass one the per-entry
check fails: planted errors of one entry (of several sizes, at a large and at a
near-zero entry), a row of wrong signs and a missing small term are caught along
the directions themselves, exact gradients pass there without a per-entry
gradient (float64 and float32 forwards), and every verdict and message is the
per-entry check's.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import array_shapes

from autograder import directional
from autograder.assertions import (GRADIENT_FLOOR_SCALE, GRADIENT_TOLERANCE, CheckFailed, assert_gradients,
                                   gradient_floor)
from autograder.directional import DIRECTIONS, THRESHOLD, Numerical, check_gradients, direction_errors

N, D, M = 4, 6, 5


def _problem(seed: int, dtype=np.float64):
    """(Numerical of sum(tanh(x @ W + b) * dout) in x, its exact gradient (N, D))."""
    rng = np.random.default_rng(seed)
    x, W, b, dout = rng.normal(size=(N, D)), rng.normal(scale=0.5, size=(D, M)), rng.normal(size=M), rng.normal(size=(N, M))

    def forward(v):
        return np.tanh(v.astype(dtype) @ W.astype(dtype) + b.astype(dtype))

    t = np.tanh(x @ W + b)
    return Numerical(forward, x, dout, "layer.forward(x)", step=1e-2), ((1 - t ** 2) * dout) @ W.T


def _plant(exact: np.ndarray, kind: str, size: float = 0.0) -> np.ndarray:
    """exact with one realistic error; `size` is the error at an entry in the per-entry check's measure."""
    wrong = exact.copy()
    floor = GRADIENT_FLOOR_SCALE * np.abs(exact).max()
    if kind == "largest entry":
        i = np.unravel_index(np.argmax(np.abs(exact)), exact.shape)
        wrong[i] += size * abs(exact[i])
    elif kind == "smallest entry":  # an entry near 0: judged at the floor, a hundredth of the largest
        i = np.unravel_index(np.argmin(np.abs(exact)), exact.shape)
        wrong[i] += size * max(abs(exact[i]), floor)
    elif kind == "sign of one row":
        wrong[1] = -wrong[1]
    elif kind == "missing term":  # a term worth 1e-2 of the largest entry, missing from one column
        wrong[:, 2] -= 1e-2 * np.abs(exact).max()
    return wrong


def _fails_per_entry(analytic, numerical: Numerical) -> bool:
    try:
        assert_gradients({"dx": (analytic, numerical.per_entry())}, "layer.backward")
    except CheckFailed:
        return True
    return False


PLANTS = [("largest entry", 0.03), ("largest entry", 0.1), ("largest entry", 1.0), ("largest entry", -2.0),
          ("smallest entry", 0.05), ("smallest entry", 3.0), ("sign of one row", 0), ("missing term", 0)]


@pytest.mark.parametrize("kind, size", PLANTS, ids=[f"{k} {s}" for k, s in PLANTS])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_error_the_per_entry_check_fails_is_caught_along_the_directions(kind, size, dtype):
    for seed in range(10):
        numerical, exact = _problem(seed, dtype)
        wrong = _plant(exact, kind, size)
        if kind == "missing term" and not _fails_per_entry(wrong, numerical):
            continue  # that column had no entry near 0: the per-entry check passes it too
        assert _fails_per_entry(wrong, numerical), (kind, size, seed)
        z = np.random.default_rng(1000 + seed).uniform(-1, 1, size=(DIRECTIONS, N, D))
        assert np.max(direction_errors(wrong, numerical, z)) > THRESHOLD, (kind, size, seed)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_exact_gradient_passes_along_the_directions_without_a_per_entry_gradient(dtype, monkeypatch):
    calls = []
    monkeypatch.setattr(Numerical, "per_entry", lambda self: pytest.fail("per-entry gradient computed"))
    for seed in range(20):
        numerical, exact = _problem(seed, dtype)
        counted = Numerical(lambda v, f=numerical.f: calls.append(1) or f(v), numerical.x, numerical.dout,
                            numerical.what, step=numerical.step)
        check_gradients({"dx": (exact.astype(dtype), counted)}, "layer.backward",
                        rng=np.random.default_rng(seed))
    assert len(calls) == 20 * DIRECTIONS * 4  # two steps (Richardson), two sides, per direction


def test_a_linear_forward_takes_one_central_difference_per_direction():
    rng = np.random.default_rng(0)
    W, dout, x = rng.normal(size=(D, M)), rng.normal(size=(N, M)), rng.normal(size=(N, D))
    calls = []
    numerical = Numerical(lambda v: calls.append(1) or v @ W, x, dout, "Affine.forward(x)", step=0.1, linear=True)
    check_gradients({"dx": (dout @ W.T, numerical)}, "Affine.backward", rng=rng)
    assert len(calls) == 2 * DIRECTIONS < 2 * x.size


def test_an_input_with_fewer_entries_than_the_directions_cost_is_checked_entry_by_entry(monkeypatch):
    seen = []
    monkeypatch.setattr(directional, "direction_errors", lambda *args: seen.append(args) or None)
    b, dout = np.ones(2), np.ones((3, 2))
    check_gradients({"db": (dout.sum(axis=0), Numerical(lambda v: np.zeros((3, 2)) + v, b, dout, linear=True))}, "f")
    assert not seen


def test_a_loss_computed_on_the_grader_side_is_evaluated_once_per_point():
    from autograder.round_trips import evaluate_all

    calls = []
    values = evaluate_all(lambda v: calls.append(1) or float(np.sum(v ** 2)), [np.ones(2), np.zeros(2), 2 * np.ones(2)])
    assert values == [2.0, 0.0, 8.0] and len(calls) == 3


def _message(function, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as caught:
        function(*args, **kwargs)
    return str(caught.value)


def test_a_failure_shows_the_per_entry_table_of_today():
    numerical, exact = _problem(3)
    wrong = _plant(exact, "largest entry", 0.5)
    second, second_exact = _problem(4)
    new = _message(check_gradients, {"dx": (wrong, numerical), "dW": (second_exact, second)}, "layer.backward",
                   hint="hint.backward.transposed")
    old = _message(assert_gradients, {"dx": (wrong, numerical.per_entry()), "dW": (second_exact, second.per_entry())},
                   "layer.backward", hint="hint.backward.transposed")
    assert new == old
    assert "dx" in new and "dW" in new


def test_a_constant_forward_with_a_zero_backward_is_still_degenerate():
    x, dout = np.ones((3, 4)), np.ones((3, 4))
    constant = Numerical(lambda v: np.zeros((3, 4)), x, dout, linear=True)
    new = _message(check_gradients, {"dx": (np.zeros((3, 4)), constant)}, "f", reference={"dx": dout})
    old = _message(assert_gradients, {"dx": (np.zeros((3, 4)), constant.per_entry())}, "f", reference={"dx": dout})
    assert new == old


def test_a_backward_returning_a_list_or_the_wrong_shape_gets_todays_verdict():
    numerical, exact = _problem(5)
    check_gradients({"dx": (exact.tolist(), numerical)}, "layer.backward")  # as_array takes a list of rows
    new = _message(check_gradients, {"dx": (exact.T, numerical)}, "layer.backward")
    assert new == _message(assert_gradients, {"dx": (exact.T, numerical.per_entry())}, "layer.backward")


def test_a_hint_key_is_checked_when_the_gradients_pass():
    numerical, exact = _problem(6)
    with pytest.raises(KeyError):
        check_gradients({"dx": (exact, numerical)}, "layer.backward", hint="hint.no_such_key")


def test_without_directions_every_input_is_checked_entry_by_entry(monkeypatch):
    monkeypatch.setattr(directional, "ALONG", False)
    monkeypatch.setattr(directional, "direction_errors", lambda *args: pytest.fail("checked along directions"))
    numerical, exact = _problem(7)
    check_gradients({"dx": (exact, numerical)}, "layer.backward")


def test_the_threshold_leaves_each_direction_at_most_a_tenth_of_a_chance_to_miss():
    """The module docstring's arithmetic: P(miss) <= THRESHOLD / U with U > tol / (1 + tol)."""
    per_direction = THRESHOLD * (1 + GRADIENT_TOLERANCE) / GRADIENT_TOLERANCE
    assert per_direction <= 0.103 and per_direction ** DIRECTIONS <= 1.2e-4


# -- the same over shapes ---------------------------------------------------------------------

def _coupled(shape, seed, dtype):
    """(Numerical of sum(tanh(A @ x.ravel()) * dout) in x of `shape`, exact gradient): every entry coupled."""
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    A, x, dout = rng.normal(scale=1 / np.sqrt(size), size=(size, size)), rng.normal(size=shape), rng.normal(size=size)

    def forward(v):
        return np.tanh(A.astype(dtype) @ v.astype(dtype).ravel())

    t = np.tanh(A @ x.ravel())
    return Numerical(forward, x, dout, "f", step=1e-2), (A.T @ ((1 - t ** 2) * dout)).reshape(shape)


@settings(max_examples=60, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6).filter(lambda s: np.prod(s) > DIRECTIONS),
       seed=st.integers(0, 2 ** 32 - 1), float32=st.booleans(), entry=st.integers(0, 10 ** 6),
       size=st.floats(0.05, 20.0), sign=st.sampled_from([-1.0, 1.0]))
def test_over_shapes_exact_gradients_pass_and_one_wrong_entry_is_caught(shape, seed, float32, entry, size, sign):
    numerical, exact = _coupled(shape, seed, np.float32 if float32 else np.float64)
    rng = np.random.default_rng(seed + 1)
    z = rng.uniform(-1, 1, size=(DIRECTIONS, *shape))
    if not float32:  # float32 rounding may exceed the threshold now and then: the per-entry check then passes it
        assert np.max(direction_errors(exact, numerical, z)) <= THRESHOLD
    check_gradients({"dx": (exact, numerical)}, "f", rng=np.random.default_rng(seed + 2))
    wrong = exact.copy()
    i = np.unravel_index(entry % exact.size, shape)
    wrong[i] += sign * size * max(abs(exact[i]), gradient_floor(exact))  # off by `size` in the per-entry measure
    assert np.max(direction_errors(wrong, numerical, z)) > THRESHOLD
    with pytest.raises(CheckFailed):
        check_gradients({"dx": (wrong, numerical)}, "f", rng=rng)


# -- graded: the student reads the same feedback ------------------------------------------------

GRADIENT_BUGS = [("05_rnn_cell", "tanh derivative 1 - h_next instead of 1 - h_next ** 2"),
                 pytest.param("06_time_rnn", "TimeRNN does not add dh from the next step", marks=pytest.mark.slow)]


@pytest.mark.parametrize("aid, name", GRADIENT_BUGS)
def test_a_gradient_bug_gets_the_feedback_of_the_per_entry_check(aid, name, fork_server, monkeypatch):
    import tomllib
    from pathlib import Path

    from autograder import course, reference
    from autograder.assign import mutants
    from autograder.grade import grade

    assignment = course.load(aid)
    entries = tomllib.loads((Path(__file__).parent / "mutants" / f"{aid}.toml").read_text(encoding="utf-8"))["mutant"]
    submission = mutants.submission(assignment, next(e for e in entries if e["name"] == name))
    only = tuple(test for test in reference.hidden_tests(assignment) if "numerical" in test)
    along = grade(assignment, submission, fork_server, lang="en", only=only)
    monkeypatch.setattr(directional, "ALONG", False)
    per_entry = grade(assignment, submission, fork_server, lang="en", only=only)
    assert [(t.passed, t.output, t.hints) for t in along.tests] == [(t.passed, t.output, t.hints) for t in per_entry.tests]
    assert not all(t.passed for t in along.tests)
