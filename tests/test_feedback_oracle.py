"""Hidden feedback is no oracle: no message carries an expected value or a hidden input.

Every mutant of tests/mutants/*.toml and a few null submissions (every function
and method returning ones, zeros, or its correct result scaled) are graded by
the real engine while every expected array the hidden tests compared with
(assert_close's expected, assert_gradients' numerical and reference gradients)
and every array or number they sent to student code is recorded. Then no failed
test's output may hold a number that matches any of them to two or more
significant digits, and no output may be longer than MAX_OUTPUT characters.
Shapes, indices and counts (integers the messages are meant to give) are not
values; every other number in a message is compared.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import re

import numpy as np
import pytest

from autograder import assertions, course, directional
from autograder.assign import mutants
from autograder.grade import grade
from autograder.proxy import Student

MAX_OUTPUT = 2500  # characters of one test's output: a table of five gradients and two hints fit

# Appended to a solution: every function and method returns TRANSFORM of its result
# (arrays and numbers inside tuples and lists alike), the rest of the code as written.
NULL = '''

import types as _types
import numpy as _np


def _null(value):
    if isinstance(value, _np.ndarray) and value.dtype.kind in "fc":
        return TRANSFORM
    if isinstance(value, (float, _np.floating)):
        return float(_np.asarray(TRANSFORM_SCALAR))
    if isinstance(value, tuple):
        return tuple(_null(v) for v in value)
    if isinstance(value, list):
        return [_null(v) for v in value]
    return value


def _returning_null(function):
    def wrapper(*args, **kwargs):
        return _null(function(*args, **kwargs))
    wrapper.__name__, wrapper.__doc__ = function.__name__, function.__doc__
    return wrapper


for _name, _value in list(globals().items()):
    if _name.startswith("_") or getattr(_value, "__module__", None) != __name__:
        continue
    if isinstance(_value, type):
        for _method, _function in list(vars(_value).items()):
            if isinstance(_function, _types.FunctionType) and not _method.startswith("__"):
                setattr(_value, _method, _returning_null(_function))
    elif isinstance(_value, _types.FunctionType):
        globals()[_name] = _returning_null(_value)
'''

NULLS = {  # name -> (array transform, scalar transform) of `value`
    "ones": ("_np.ones_like(value)", "1.0"),
    "zeros": ("_np.zeros_like(value)", "0.0"),
    "twice": ("2 * value", "2 * value"),
    "three percent off": ("value * 1.03", "value * 1.03"),
    "wrong sign": ("-value", "-value"),
}
# A submission's own constants may come back (a hint: "backward scales dout by 1.03"): they are no hidden value.
OWN_NUMBERS = {"three percent off": {"1.03"}}


def _null_source(solution: str, name: str) -> str:
    array, scalar = NULLS[name]
    return solution + NULL.replace("TRANSFORM_SCALAR", scalar).replace("TRANSFORM", array)


EVERYDAY_MUTANTS = 4  # per assignment in `make test`; the slow run (CI) sweeps every mutant


def _cases():
    for aid in course.assignment_ids():
        for index, entry in enumerate(mutants.entries(aid).get("mutant", [])):
            marks = [pytest.mark.slow] if index % 8 >= EVERYDAY_MUTANTS else []  # a spread of classes every day
            yield pytest.param(aid, entry, None, id=f"{aid}: {entry['name']}", marks=marks)
        for name in NULLS:
            yield pytest.param(aid, {"name": f"null: {name}", "edits": []}, name, id=f"{aid}: null {name}")


class Recorded:
    """The magnitudes of every number the hidden tests used (expected values, inputs), to search by rounding."""

    def __init__(self):
        self.parts: list[np.ndarray] = []
        self.count = 0
        self._sorted: np.ndarray | None = None

    def add(self, value) -> None:
        if isinstance(value, (list, tuple)):
            for v in value:
                self.add(v)
        elif isinstance(value, dict):
            for v in value.values():
                self.add(v)
        elif isinstance(value, (np.ndarray, np.generic, float, int)) and not isinstance(value, bool):
            array = np.asarray(value)
            if array.dtype.kind not in "iuf":
                return
            values = np.abs(array[np.isfinite(array)].astype(np.float64)).ravel()
            self.parts.append(values[values > 0])
            self.count += values.size
            self._sorted = None

    def matches(self, token: str) -> bool:
        """Whether a number written in a message equals a recorded one to its significant digits (2 or more).

        "0.0287" matches every recorded magnitude in [0.02865, 0.02875]: one that rounds to it.
        """
        digits = _significant_digits(token)
        value = abs(float(token))
        if digits < 2 or value == 0 or not math.isfinite(value):
            return False
        if self._sorted is None:
            self._sorted = np.sort(np.concatenate(self.parts)) if self.parts else np.zeros(0)
        half = 0.5 * 10.0 ** (math.floor(math.log10(value)) - digits + 1)
        low, high = np.searchsorted(self._sorted, [value - half, value + half], side="left")
        return bool(high > low or (high < self._sorted.size and self._sorted[high] == value + half))


NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")
# What messages are meant to give: shapes and indices "(3, 4)", sizes "N=5", counts "3 of the 12 entries".
SHAPES = re.compile(r"\((?:\s*\d+\s*,?)*\)")
LABELS = re.compile(r"\b[A-Za-z]+=\d+\b")
COUNTS = re.compile(r"\b\d+ of (?:the )?\d+\b|\d+개 중 \d+개|\d+개")
# ... and where in the student's own file: "layers.py, line 290" (a line number may equal a drawn id).
LINES = re.compile(r"\bline \d+\b|\d+번째 줄")


def _significant_digits(token: str) -> int:
    mantissa = re.split(r"[eE]", token.lstrip("+-"))[0]
    if "." in mantissa:
        return len(mantissa.replace(".", "").lstrip("0")) or 1
    return len(mantissa.lstrip("0").rstrip("0")) or 1


def numbers_in(message: str) -> list[str]:
    for pattern in (SHAPES, LABELS, COUNTS, LINES):
        message = pattern.sub(" ", message)
    return NUMBER.findall(message)


@pytest.fixture
def recorded(monkeypatch):
    """Record every expected array and every value a hidden test sends to student code."""
    seen = Recorded()
    close, gradients = assertions.assert_close, assertions.assert_gradients

    def recording_close(actual, expected, *args, **kwargs):
        seen.add(expected)
        return close(actual, expected, *args, **kwargs)

    def recording_gradients(pairs, *args, **kwargs):
        for _, numerical in pairs.values():
            seen.add(numerical)
        seen.add(kwargs.get("reference") or {})
        return gradients(pairs, *args, **kwargs)

    replacements = {"assert_close": recording_close, "assert_gradients": recording_gradients}
    modules = [assertions, directional] + [importlib.import_module(f"autograder.hidden.{course.load(aid).slug}")
                          for aid in course.assignment_ids()]
    for module in modules:
        for name, replacement in replacements.items():
            if hasattr(module, name):
                monkeypatch.setattr(module, name, replacement)

    request, program = Student._request, Student._program

    def recording_request(self, op, label, state=None, seconds=None, **fields):
        if op != "load":
            seen.add(list(fields.values()))
        return request(self, op, label, state, seconds, **fields)

    def recording_program(self, first, steps, results, label=None):
        for _, _, fields in steps:
            seen.add(list(fields.values()))
        return program(self, first, steps, results, label)

    monkeypatch.setattr(Student, "_request", recording_request)
    monkeypatch.setattr(Student, "_program", recording_program)
    return seen


def _submission(aid: str, entry: dict, null: str | None):
    assignment = course.load(aid)
    submission = mutants.submission(assignment, entry)
    if null is not None:
        name = assignment.student_files[0]
        source = _null_source(submission.files[name].decode(), null)
        submission = dataclasses.replace(submission, files={**submission.files, name: source.encode()})
    return assignment, submission


@pytest.mark.parametrize("aid, entry, null", list(_cases()))
def test_no_hidden_message_holds_an_expected_value_or_a_hidden_input(aid, entry, null, recorded, fork_server):
    assignment, submission = _submission(aid, entry, null)
    result = grade(assignment, submission, fork_server, lang="en")
    assert recorded.count > 0
    failed = [t for t in result.tests if not t.passed]
    if null is not None and null != "three percent off":
        assert failed, "a null submission must lose points"
    for test in failed:
        assert len(test.output) <= MAX_OUTPUT, f"{test.name}: {len(test.output)} characters"
        own = OWN_NUMBERS.get(null, set())
        leaked = [token for token in numbers_in(test.output) if token not in own and recorded.matches(token)]
        assert not leaked, f"{test.name} shows {leaked}:\n{test.output}"


def test_the_search_finds_a_value_written_in_a_message():
    seen = Recorded()
    seen.add(np.array([0.028659, -1.5, 220.0]))
    assert numbers_in("relative error 0.0287 at index (1, 2); 3 of the 12 entries") == ["0.0287"]
    assert seen.matches("0.0287") and seen.matches("-0.029") and seen.matches("1.5") and seen.matches("2.2e2")
    assert not seen.matches("0.03") and not seen.matches("0.0288") and not seen.matches("3")
    assert numbers_in("for N=5, D=7: shape (12, 3) and 4개 중 2개") == []
    assert numbers_in("(layers.py, line 290, in backward) and layers.py 파일 290번째 줄, 290.5") == ["290.5"]


def test_a_submission_returning_ones_reads_back_no_more_than_one_significant_digit(fork_server):
    """Each message of a ones-returning 03_affine says only a band or a pattern of the error."""
    assignment, submission = _submission("03_affine", {"name": "ones", "edits": []}, "ones")
    result = grade(assignment, submission, fork_server, lang="en")
    outputs = [t.output for t in result.tests if not t.passed]
    assert outputs
    for output in outputs:
        shown = [token for token in numbers_in(output) if _significant_digits(token) >= 2]
        assert not shown, output
        words = ("off by more than 10 %", "off by 1 to 10 %", "off by less than 1 %", "twice", "half",
                 "wrong sign", "is zero where", "entries off", "forward ignores it")
        assert any(w in output for w in words) or "shape" in output, output


def test_a_hidden_value_message_has_no_digits_but_the_public_one_does():
    expected = np.array([[0.028659, -1.25], [3.5, 0.75]])
    with pytest.raises(assertions.CheckFailed) as hidden:
        assertions.assert_close(np.ones((2, 2)), expected, "Affine.forward(x)")
    assert [t for t in numbers_in(str(hidden.value)) if _significant_digits(t) >= 2] == []
    with pytest.raises(assertions.CheckFailed) as public:
        assertions.assert_close(np.ones((2, 2)), expected, "Affine.forward(x)", reveal=True)
    assert "0.028659" in str(public.value)


def test_the_bands_name_the_size_of_an_error():
    expected = np.array([1.0, -2.0, 4.0])
    for actual, words in [(2 * expected, "each of them is about twice the expected value"),
                          (expected / 2, "each of them is about half the expected value"),
                          (-expected, "each of them has the wrong sign"),
                          (np.zeros(3), "each of them is zero where a non-zero value was expected"),
                          (expected * [1, 1, 1.5], "the worst, at index (2,), is off by more than 10 %"),
                          (expected * [1, 1, 1.05], "is off by 1 to 10 %"),
                          (expected * [1, 1, 1.002], "is off by less than 1 %")]:
        with pytest.raises(assertions.CheckFailed) as info:
            assertions.assert_close(actual, expected, "f(x)")
        assert words in str(info.value)
    with pytest.raises(assertions.CheckFailed, match=r"f\(x\) differs from the expected value: it is off by more"):
        assertions.assert_close(1.0, 0.028659, "f(x)")
    assert math.isclose(assertions.default_tolerance(expected)[1], 4e-4)
