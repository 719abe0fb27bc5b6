"""Messages a student acts on: what was None and where to set it, hints for exceptions, one relative error,
where to start, the gradient table of a loss, the student --help, and tracebacks without the helpers' frames."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from autograder import messages
from autograder.check.explain import Explanation
from autograder.check.runner import Row
from autograder.check.show import _next_step
from autograder.check.target import PublicTest
from autograder.assertions import CheckFailed, assert_close, assert_gradient, assert_gradients, relative_error

from .test_check import folder, mutant, run_check, solution, students  # noqa: F401  (fixtures)
from .test_release import third_party_only


def failure(function, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        function(*args, **kwargs)
    return str(info.value)


# -- what was None

def test_a_forgotten_self_x_names_the_attribute_and_the_method_to_set_it_in(folder):
    source = solution("03_affine").replace("        self.x = x\n", "        pass\n", 1)
    run = run_check(folder("03_affine", source))
    assert "self.x is still None when Affine.backward uses it: Affine.forward never keeps it. " \
           "Add `self.x = x` to Affine.forward." in run.stdout
    assert "does every method you wrote end with a return statement" not in run.stdout
    korean = run_check(folder("03_affine", source), "--lang", "ko")
    assert messages.text("explain.none_attribute_param", "ko", name="x", method="Affine.backward",
                         setter="Affine.forward") in korean.stdout


def test_a_cache_under_another_name_than_the_argument_gets_the_general_sentence(folder):
    source = solution("03_affine").replace("        self.x = x\n", "        pass\n", 1)
    source = source.replace("def forward(self, x):", "def forward(self, inputs):").replace(
        "np.dot(x, self.W)", "np.dot(inputs, self.W)")
    run = run_check(folder("03_affine", source))
    assert "self.x is still None when Affine.backward uses it: no method set it. Set it in Affine.forward" \
        in run.stdout


def test_writing_into_a_none_attribute_says_to_assign_it(folder):
    run = run_check(folder("06_time_rnn", mutant(
        "06_time_rnn", "TimeRNN set_state writes into the old state (self.h[...] = h), which is None on a new layer")))
    assert "self.h is None in TimeRNN.set_state, so `self.h[...] = ...` has no array to write into" in run.stdout


def test_a_method_that_returns_nothing_keeps_the_return_advice(folder):
    source = solution("03_affine").replace("        return dx\n", "", 1)
    run = run_check(folder("03_affine", source))
    assert "did you forget to return a value?" in run.stdout
    assert "is still None when" not in run.stdout


# -- hints for exceptions, and where to start

@pytest.mark.parametrize("aid, name, key", [
    ("03_affine", "dx without the transpose: np.dot(dout, W)", "hint.affine.dx_missing_transpose"),
    ("06_time_rnn", "TimeEmbedding indexes xs by batch instead of time", "hint.time.embedding_axis"),
    ("03_affine", "forward multiplies by W.T: right shape only for a square W", "explain.raised.forward_transposed"),
])
def test_a_numpy_exception_in_a_student_method_gets_the_hint_of_its_bug(folder, aid, name, key):
    run = run_check(folder(aid, mutant(aid, name)))
    raised = run.stdout.split(" raised ValueError", 1)
    assert len(raised) == 2, run.stdout
    first_explanation = raised[1].split("\nFAILED", 1)[0]
    assert messages.text("assert.hint", "en", text=messages.text(key, "en")) in first_explanation


def test_a_gradient_of_the_wrong_shape_written_into_grads_names_both_shapes(folder):
    run = run_check(folder("06_time_rnn", mutant("06_time_rnn", "TimeAffine db summed over the wrong axis")))
    assert messages.text("explain.raised.grad_shape", "en", index=1, actual="(2,)", expected="(3,)") in run.stdout


def row(name: str, *explanations: Explanation) -> Row:
    test = Row(PublicTest("test_x.py", name, ("Affine",)))
    test.failures = [("", why) for why in explanations]
    test.ran = 1
    return test


def say(key, **fields):
    return messages.text(key, "en", **fields)


def test_the_summary_points_at_the_first_failure_with_a_hint_when_the_first_has_none():
    raw = Explanation(["Affine.backward raised ValueError: shapes (3,3) and (2,3) not aligned"])
    hinted = Explanation(["dx is off", "Hint: ..."], ("hint.affine.dx_missing_transpose",))
    advice = Explanation(["forward raised", "Hint: ..."], (), ("explain.raised.forward_transposed",))
    assert _next_step([row("test_a", raw), row("test_b", hinted)], say) == \
        say("explain.next_step_hinted", test="test_b")
    assert _next_step([row("test_a", raw), row("test_b", advice)], say) == \
        say("explain.next_step_hinted", test="test_b")
    assert _next_step([row("test_a", hinted), row("test_b", raw)], say) == say("check.next_step")
    assert _next_step([row("test_a", raw), row("test_b", raw)], say) == say("check.next_step")


# -- one relative error, absolute where the expected value is 0

def test_relative_error_is_one_definition_for_values_and_gradients():
    numerical = np.array([1.0, -2.0, 4.0])
    table = failure(assert_gradients, {"dW": (numerical * 1.5, numerical)}, "L.backward", reveal=True)
    values = failure(assert_close, numerical * 1.5, numerical, "L.forward(x)", reveal=True)
    assert np.allclose(relative_error(numerical * 1.5, numerical, 1e-9), 0.5)
    assert "max rel error 0.5 " in values
    assert " 0.5 " in table.splitlines()[3], table  # the dW row: max relative error 0.5
    assert "/ (|analytic| + |numerical|)" not in table and "max(|numerical|" in table


def test_the_gradient_tolerance_passes_and_fails_what_the_symmetric_one_did():
    numerical = np.array([1.0, -2.0, 4.0])
    assert_gradient(numerical * 1.019, numerical, "dW")  # |a-n|/(|a|+|n|) = 0.0094: passed before, passes
    with pytest.raises(CheckFailed):
        assert_gradient(numerical * 1.021, numerical, "dW")  # 0.0104: failed before, fails


@pytest.mark.parametrize("actual, expected", [
    (np.array([[1, 0], [0, 0]]), np.array([[0, 0], [0, 0]])),
    (np.array([1.0]), np.array([0.0])),
    (1.0, 0.0),
])
def test_an_exact_check_against_zeros_gives_the_absolute_error_not_inf(actual, expected):
    text = failure(assert_close, actual, expected, "one_hot(sentences)", rtol=0, atol=0, reveal=True)
    assert "inf" not in text.splitlines()[0] and "abs error 1" in text
    assert "expected value 0" in text or "expected value is 0" in text


def test_a_mixed_exact_check_gives_the_relative_error_of_the_nonzero_entries():
    text = failure(assert_close, np.array([1.0, 0.0, 3.0]), np.array([0.0, 0.0, 2.0]), "t", rtol=0, atol=0,
                   reveal=True)
    assert "max rel error 0.5 (at index (2,)" in text and "inf" not in text.splitlines()[0]


def test_the_gradient_table_of_a_loss_says_it_differentiates_the_loss(folder):
    numerical = np.ones(3)
    text = failure(assert_gradients, {"dWy": (numerical * 3, numerical)}, "ManyToOneRNN.backward", reveal=True,
                   through="ManyToOneRNN.loss")
    assert "numerical gradients of your own ManyToOneRNN.loss" in text and "own forward" not in text
    assert "your own forward" in failure(assert_gradient, numerical * 3, numerical, "dW")
    run = run_check(folder("07_many_to_one", mutant(
        "07_many_to_one", "tanh derivative 1 - h instead of 1 - h ** 2")))
    assert "of your own ManyToOneRNN.loss" in run.stdout, run.stdout


# -- the student's command line and pytest's tracebacks


def test_the_student_help_lists_the_check_and_no_instructor_command(folder):
    place = folder("03_affine")
    run = subprocess.run([sys.executable, "-S", "-m", "autograder", "--help"], cwd=place, capture_output=True,
                         text=True, timeout=120, env=third_party_only(), encoding="utf-8")
    assert run.returncode == 0, run.stderr
    assert "check" in run.stdout and "python -m autograder check [FOLDER]" in run.stdout
    for verb in ("grade", "gradescope", "release", "nbgrader", "otter", "stubs", "report", "instructors"):
        assert not re.search(rf"\b{verb}\b", run.stdout), f"the student --help mentions {verb}"
    run = subprocess.run([sys.executable, "-S", "-m", "autograder", "gradescope"], cwd=place, capture_output=True,
                         text=True, timeout=120, env=third_party_only(), encoding="utf-8")
    assert run.returncode == 2 and "only holds the student check" in run.stderr


def test_pytest_tracebacks_show_the_test_line_and_not_the_assertion_helpers(tmp_path):
    (tmp_path / "test_values.py").write_text(textwrap.dedent("""
        import numpy as np
        from autograder.assertions import assert_close, assert_gradients

        def test_values():
            assert_close(np.array([1.0, 2.0]), np.array([1.0, 3.0]), "Affine.forward(x)", reveal=True)

        def test_gradients():
            assert_gradients({"dW": (np.ones(2), np.zeros(2) + 2)}, "Affine.backward", reveal=True)
    """), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "2 failed" in run.stdout, run.stdout
    assert "assertions.py" not in run.stdout, run.stdout
    assert 'assert_close(np.array([1.0, 2.0])' in run.stdout and "Affine.forward(x): 1 of 2 entries" in run.stdout


def test_a_missing_attribute_is_named_before_python_3_10_too(folder, monkeypatch):
    """Python 3.9's AttributeError has no .obj and .name: the class and the attribute come from its message."""
    from autograder.check.explain import _missing_attribute

    place = folder("03_affine")
    monkeypatch.syspath_prepend(str(place))
    import importlib
    monkeypatch.delitem(sys.modules, "layers", raising=False)  # another test's layers.py may be imported already
    layers = importlib.import_module("layers")
    try:
        files = {(place / "layers.py").resolve()}
        old_style = AttributeError("'Affine' object has no attribute 'dW'")  # as Python 3.9 raises it
        assert _missing_attribute(old_style, files) == ("Affine", "dW")
        assert _missing_attribute(AttributeError("'list' object has no attribute 'dW'"), files) is None
        assert _missing_attribute(AttributeError("'Affine' object has no attribute 'dW'"), set()) is None
        try:
            layers.Affine(np.ones((2, 3)), np.ones(3)).no_such_thing
        except AttributeError as exc:
            assert _missing_attribute(exc, files) == ("Affine", "no_such_thing")
    finally:
        sys.modules.pop("layers", None)
