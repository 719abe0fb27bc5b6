"""Detectors: each recognises its pattern, never raises on garbage, and a hint carries only its key and fields."""

import numpy as np
import pytest

from autograder import hints, messages
from autograder.assertions import CheckFailed, assert_close, hints_of
from autograder.bugs import affine, rnn_cell, softmax_loss, time_rnn

rng = np.random.default_rng(0)
X, W, DOUT = rng.normal(size=(4, 3)), rng.normal(size=(3, 3)), rng.normal(size=(4, 3))

GARBAGE = [None, "text", [1, "a"], np.array(["a", "b"]), object(), np.zeros((0,)), np.full((4, 3), np.nan)]


def test_matches_needs_the_same_shape_and_close_values():
    assert hints.matches(np.ones(3), np.ones(3) * (1 + 1e-5))
    assert not hints.matches(np.ones(3), np.ones((3, 1)))
    assert not hints.matches(np.ones(3), np.ones(3) * 1.01)
    assert not hints.matches(np.array([np.nan]), np.array([np.nan]))
    assert hints.same(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))
    assert not hints.same(np.array([np.nan, 1.0]), np.array([0.5, 1.0]))


@pytest.mark.parametrize("garbage", GARBAGE, ids=lambda g: type(g).__name__)
def test_detectors_never_raise_on_garbage(garbage):
    assert affine.dx(garbage, DOUT, W) is None
    assert affine.dW(garbage, X, DOUT) is None
    assert hints.divided_by_batch(garbage, DOUT, 4, "dx") is None
    assert hints.accumulates(garbage, DOUT, "dW") is None
    assert softmax_loss.softmax(garbage, X) is None
    assert softmax_loss.cross_entropy(garbage, np.full((4, 3), 1 / 3), np.array([0, 1, 2, 0])) is None
    assert rnn_cell.gradient("dx", garbage, (W, W, np.zeros(3)), X, X, DOUT) is None
    assert time_rnn.bptt("dxs", garbage, (W, W, np.zeros(3)), X[None], DOUT[None]) is None


def test_a_detector_recognises_its_bug_and_not_the_right_answer():
    assert affine.dx(DOUT @ W, DOUT, W).key == "hint.affine.dx_missing_transpose"
    assert affine.dx(DOUT @ W.T, DOUT, W) is None
    assert hints.divided_by_batch(DOUT / 4, DOUT, 4, "dx").key == "hint.backward.divided_by_batch"
    assert hints.divided_by_batch(DOUT, DOUT, 4, "dx") is None
    assert hints.ignores_dout(X, X, DOUT).key == "hint.backward.ignores_dout"
    assert hints.ignores_dout(X * DOUT, X, DOUT) is None


def test_a_mistake_in_a_detector_is_not_swallowed():
    @hints.detector
    def broken(value):
        return undefined_name  # noqa: F821

    with pytest.raises(NameError):
        broken(1)


def test_hint_fields_fill_the_sentence_in_each_language():
    found = affine.db_shape(np.zeros(()), np.zeros(5))
    assert found.fields == (("actual", ()), ("expected", (5,)))
    assert found.text("en") == messages.text("hint.affine.db_batch_axis", "en", actual=(), expected=(5,))
    assert "(5,)" in found.text("ko") and found.text("ko") != found.text("en")


def test_unknown_keys_fail_and_sentences_stay_as_written():
    with pytest.raises(KeyError):
        hints.hint("hint.affine.no_such_bug")
    given = hints_of(["a sentence of an instructor's own test", None, ["hint.relu.no_mask"]])
    assert [h.key for h in given] == ["", "hint.relu.no_mask"]
    with pytest.raises(CheckFailed) as info:
        assert_close(np.ones(2), np.zeros(2), "x", hint=given)
    assert info.value.hints == ("hint.relu.no_mask",)
    assert "a sentence of an instructor's own test" in str(info.value)


def test_speaking_sets_the_language_for_a_block_and_restores_it(monkeypatch):
    monkeypatch.setenv("AUTOGRADER_LANG", "en")
    with messages.speaking("ko"):
        assert messages.language() == "ko"
        with messages.speaking(None):
            assert messages.language() == "ko"
        with messages.speaking("en"):
            assert messages.language() == "en"
    assert messages.language() == "en"
