"""Tolerances no submission can steer: a float32 cast gains nothing and loses nothing.

assertions.assert_close judges every dtype by the same rule, taken from the
reference alone (RTOL of each entry plus ATOL_SCALE of the expected array's
largest magnitude), and gradient checks by one tolerance with one step. So a
float32 implementation the READMEs allow keeps full marks, a systematic error of
0.1 % fails whether or not its output is cast to float32, and a loss nudged in
its last digits changes no score. The real engine grades each case.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder import assertions, course
from autograder.assign import mutants
from autograder.assertions import CheckFailed, assert_close, assert_gradients, numerical_gradient
from autograder.grade import grade
from autograder.hidden import draw

# Appended to a solution: every function and method returns its floats as float32
# (arrays, numbers, and those inside tuples and lists), the way float32 code would.
FLOAT32_RETURNS = '''

import types as _types
import numpy as _np


def _float32(value):
    if isinstance(value, _np.ndarray) and value.dtype.kind == "f":
        return value.astype(_np.float32)
    if isinstance(value, (float, _np.floating)):
        return _np.float32(value)
    if isinstance(value, tuple):
        return tuple(_float32(v) for v in value)
    if isinstance(value, list):
        return [_float32(v) for v in value]
    return value


def _returning_float32(function):
    def wrapper(*args, **kwargs):
        return _float32(function(*args, **kwargs))
    wrapper.__name__, wrapper.__doc__ = function.__name__, function.__doc__
    return wrapper


for _name, _value in list(globals().items()):
    if _name.startswith("_") or getattr(_value, "__module__", None) != __name__:
        continue
    if isinstance(_value, type):
        for _method, _function in list(vars(_value).items()):
            if isinstance(_function, _types.FunctionType) and not _method.startswith("__"):
                setattr(_value, _method, _returning_float32(_function))
    elif isinstance(_value, _types.FunctionType):
        globals()[_name] = _returning_float32(_value)
'''


def _graded(aid: str, edits: list[dict], fork_server, float32: bool = False):
    """The solution of `aid` with `edits`, its outputs cast to float32 if asked, graded by the real engine."""
    assignment = course.load(aid)
    submission = mutants.submission(assignment, {"name": "tolerance case", "edits": edits})
    if float32:
        name = assignment.student_files[0]
        source = submission.files[name].decode() + FLOAT32_RETURNS
        submission = dataclasses.replace(submission, files={**submission.files, name: source.encode()})
    return assignment, grade(assignment, submission, fork_server)


def _lost(result) -> set[str]:
    return {t.name for t in result.tests if not t.passed}


@pytest.mark.parametrize("aid", course.assignment_ids())
def test_a_float32_cast_of_every_output_changes_no_score(aid, fork_server):
    assignment, result = _graded(aid, [], fork_server, float32=True)
    assert not _lost(result), {t.name: t.output for t in result.tests if not t.passed}
    assert result.score == assignment.max_score


DW = "self.dW = np.dot(self.x.T, dout)"


@pytest.mark.parametrize("error", [0.001, 0.012])
def test_a_systematic_error_in_affine_dW_fails_in_every_dtype(error, fork_server):
    edits = [{"find": DW, "replace": f"{DW} * {1 + error!r}"}]
    assignment, as_float64 = _graded("03_affine", edits, fork_server)
    _, as_float32 = _graded("03_affine", edits, fork_server, float32=True)
    _, dW_float32 = _graded("03_affine", [{"find": DW, "replace": f"{DW[:-1]} * {1 + error!r}).astype(np.float32)"}],
                            fork_server)
    assert as_float64.score < assignment.max_score
    assert as_float32.score == as_float64.score == dW_float32.score  # the cast gains nothing
    assert _lost(as_float32) == _lost(as_float64) == _lost(dW_float32)
    assert any("dW" in t.output for t in as_float64.tests if not t.passed)


LOSS = "return bce_loss(self.y_hat, t)"
DA = "da = (self.y_hat - self.t) / N"


def test_a_loss_nudged_in_its_last_digits_changes_no_score(fork_server):
    nudged = [{"find": LOSS, "replace": f"{LOSS} + 2e-9"}]
    assignment, result = _graded("07_many_to_one", nudged, fork_server)
    assert result.score == assignment.max_score, {t.name: t.output for t in result.tests if not t.passed}


def test_a_small_gradient_error_loses_the_same_points_with_a_nudged_loss(fork_server, monkeypatch):
    # The three files get the same draws (a submission's draws follow its sha256): whether fit's losses drift
    # past FIT_RTOL with gradients 0.06 % too large depends on the case drawn, not on the nudge or the dtype.
    drawing = draw.drawing
    monkeypatch.setattr(draw, "drawing", lambda secret, sha256, test: drawing(secret, "one draw for the three", test))
    wrong = [{"find": DA, "replace": f"{DA} * 1.0006"}]  # every gradient 0.06 % too large
    assignment, plain = _graded("07_many_to_one", wrong, fork_server)
    _, nudged = _graded("07_many_to_one", wrong + [{"find": LOSS, "replace": f"{LOSS} + 2e-9"}], fork_server)
    _, single = _graded("07_many_to_one", wrong, fork_server, float32=True)
    assert plain.score < assignment.max_score
    assert nudged.score == plain.score == single.score
    assert _lost(nudged) == _lost(plain) == _lost(single)


# -- the rule itself, on arrays ------------------------------------------------------

arrays = hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=6),
                    elements=st.floats(-1e3, 1e3, allow_nan=False, width=64))


@settings(max_examples=200, deadline=None)
@given(arrays)
def test_float32_rounding_of_any_expected_array_passes(expected):
    assert_close(expected.astype(np.float32), expected, "a float32 copy")


@settings(max_examples=200, deadline=None)
@given(arrays, st.sampled_from([1.001, 0.999, 1.012]), st.booleans())
def test_a_systematic_error_of_a_tenth_of_a_percent_fails_in_either_dtype(expected, factor, single):
    if not np.any(np.abs(expected) > 1e-3):
        return  # an array of (near) zeros has no systematic relative error to find
    actual = expected * factor
    with pytest.raises(CheckFailed):
        assert_close(actual.astype(np.float32) if single else actual, expected, "scaled")


def test_the_tolerance_depends_on_the_expected_array_alone():
    expected = np.array([2.0, -0.5, 1e-6])
    assert assertions.default_tolerance(expected) == (assertions.RTOL, assertions.ATOL_SCALE * 2.0)
    assert assertions.default_tolerance(np.zeros(3)) == (assertions.RTOL, assertions.ATOL_FLOOR)
    assert assertions.default_tolerance(expected.astype(np.float32))[1] == pytest.approx(assertions.ATOL_SCALE * 2.0)


def test_the_deprecated_precision_helpers_change_nothing():
    value = np.linspace(0, 1, 4)
    assert assertions.judged_precision(value.astype(np.float32), value, "x") == "float64"
    assert assertions.at_precision(value, "float32") is value


def test_numerical_gradient_uses_the_same_step_for_float32_and_float64_forwards():
    seen = []

    def f(v):
        seen.append(v.copy())
        return np.tanh(v).astype(np.float32)

    x = np.array([0.3])
    numerical_gradient(f, x, np.ones(1))
    steps = sorted({round(float(p[0] - x[0]), 12) for p in seen[1:]})  # evaluate_all may call f twice
    assert steps == pytest.approx([-assertions.STEP, assertions.STEP])
    assert not hasattr(numerical_gradient(np.tanh, x, np.ones(1)), "precision")


def test_a_float32_forward_passes_its_gradient_check_and_a_two_percent_error_does_not():
    rng = np.random.default_rng(7)
    x, dout = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    num = numerical_gradient(lambda v: np.tanh(v.astype(np.float32)), x, dout)
    exact = dout * (1 - np.tanh(x) ** 2)
    assert_gradients({"dx": (exact.astype(np.float32), num)}, "Tanh")
    assert_gradients({"dx": (exact, num)}, "Tanh")
    with pytest.raises(CheckFailed):
        assert_gradients({"dx": (exact * 1.03, num)}, "Tanh")
