"""No submission can steer its tolerance in 06_time_rnn and 07_many_to_one.

A 0.1 % error loses points in float64 and in float32; casting every result to
float32, or nudging the loss by 2e-9 (which once moved 07 onto its float32
tolerances), changes no score. A correct float32 submission keeps full marks.
"""

from __future__ import annotations

import pytest

from autograder import course
from autograder.assign import mutants
from autograder.grade import grade


@pytest.fixture
def score(fork_server):
    """score(aid, *edits) -> (the score of the solution with those edits, the assignment's maximum)."""
    def run(aid: str, *edits: dict) -> tuple[float, float]:
        assignment = course.load(aid)
        submission = mutants.submission(assignment, {"name": "steered", "edits": list(edits)})
        return grade(assignment, submission, fork_server).score, assignment.max_score
    return run


# 07: dWxh 0.1 % too large; the loss nudged by 2e-9; every result of the model cast to float32.
DWXH_OFF = {"find": "self.grads[0][...] = dWxh", "replace": "self.grads[0][...] = dWxh * 1.001"}
LOSS_NUDGED = {"find": "return bce_loss(self.y_hat, t)", "replace": "return bce_loss(self.y_hat, t) + 2e-9"}
FORWARD_F32 = {"find": "        return y_hat\n", "replace": "        return y_hat.astype(np.float32)\n"}
GRADS_F32 = {"find": "self.grads[4][...] = dBy",
             "replace": "self.grads[4][...] = dBy\n        for g in self.grads:\n            g[...] = g.astype(np.float32)"}


def test_07_a_tenth_of_a_percent_off_in_dwxh_loses_points_in_either_dtype(score):
    wrong, full = score("07_many_to_one", DWXH_OFF)
    assert wrong < full
    assert score("07_many_to_one", DWXH_OFF, FORWARD_F32, GRADS_F32)[0] == wrong


def test_07_a_nudged_loss_changes_no_score(score):
    wrong, _ = score("07_many_to_one", DWXH_OFF)
    assert score("07_many_to_one", DWXH_OFF, LOSS_NUDGED)[0] == wrong


def test_07_results_cast_to_float32_keep_full_marks(score):
    got, full = score("07_many_to_one", FORWARD_F32, GRADS_F32)
    assert got == full


# 06: TimeAffine's dW 0.1 % too large; its results cast to float32.
AFFINE_DW_OFF = {"find": "self.grads[0][...] = dW\n        self.grads[1][...] = db",
                 "replace": "self.grads[0][...] = dW * 1.001\n        self.grads[1][...] = db"}
AFFINE_F32 = {"find": "        return out.reshape(N, T, -1)\n",
              "replace": "        return out.reshape(N, T, -1).astype(np.float32)\n"}
AFFINE_DX_F32 = {"find": "        dx = dx.reshape(*x.shape)\n",
                 "replace": "        dx = dx.reshape(*x.shape).astype(np.float32)\n"}


def test_06_a_tenth_of_a_percent_off_in_dw_loses_points_in_either_dtype(score):
    wrong, full = score("06_time_rnn", AFFINE_DW_OFF)
    assert wrong < full
    assert score("06_time_rnn", AFFINE_DW_OFF, AFFINE_F32, AFFINE_DX_F32)[0] == wrong


def test_06_results_cast_to_float32_keep_full_marks(score):
    got, full = score("06_time_rnn", AFFINE_F32, AFFINE_DX_F32)
    assert got == full
