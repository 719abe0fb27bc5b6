"""Our own exceptions told apart from the student's (autograder/fault.py, docs/faults.md).

A hostile or broken submission fails its tests as the student's doing, never as a grader error;
a bug planted in the engine's helpers (trusted side) or in our code inside the worker (the
reference stubs) fails the tests it touches as a grader error, never as "your code returned ...".
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder import assertions, course, directional, fault, grade as grading
from autograder.sandbox import InProcess, reference_stubs
from autograder.sandbox.protocol import pack
from autograder.submission import load

RETURNED = "Your code returned something"
NOT_YOURS = "not your code"


def grade_source(aid: str, source: str, sandbox, tmp_path):
    assignment = course.load(aid)
    path = tmp_path / assignment.student_files[0]
    path.write_text(source, encoding="utf-8")
    return grading.grade(assignment, load(path, assignment.student_files), sandbox, lang="en")


def solution(aid: str):
    assignment = course.load(aid)
    return assignment, load(assignment.solution_folder / assignment.student_files[0], assignment.student_files)


# -- hostile and broken submissions: the student's, always

HOSTILE_03 = {
    "numpy_function_for_a_class": "import numpy as np\nAffine = np.zeros\n",
    "strange_values": '''
class Affine:
    def __init__(self, W, b):
        self.W, self.b, self.dW, self.db = W, b, "dW", [[[]]]

    def forward(self, x):
        return {"not": "an array"}

    def backward(self, dout):
        return [["a"]] * 3
''',
    "raises_its_own": '''
class Affine:
    def __init__(self, W, b):
        raise KeyError("mine")
''',
    "recursion": '''
class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        return self.forward(x)

    backward = forward
''',
}


@pytest.mark.parametrize("name", sorted(HOSTILE_03))
def test_a_hostile_submission_fails_as_its_own_doing_never_as_a_grader_error(name, fork_server, tmp_path):
    result = grade_source("03_affine", HOSTILE_03[name], fork_server, tmp_path)
    assert result.score == 0
    assert [t.name for t in result.tests if t.grader_error] == []
    assert not any(NOT_YOURS in t.output for t in result.tests)


def test_a_hidden_test_tripping_over_a_returned_value_says_so_to_the_student(fork_server, tmp_path):
    """07's fit returning a list of strings: the hidden test's own np.asarray(losses, dtype=float) trips."""
    source = (course.load("07_many_to_one").solution_folder / "classifier.py").read_text(encoding="utf-8")
    broken = source.replace("        return losses\n", "        return [\"x\"] * len(losses)\n")
    assert broken != source
    result = grade_source("07_many_to_one", broken, fork_server, tmp_path)
    tripped = [t for t in result.tests if RETURNED in t.output]
    assert tripped and all("fit" in t.name for t in tripped)
    assert not any(t.grader_error for t in result.tests)


# -- planted bugs in our own code: a grader error, never the student's

@pytest.mark.parametrize("module, helper, file", [
    (assertions, "relative_error", "assertions.py"),  # the gradient table's, run when a direction is in doubt
    (directional, "direction_errors", "directional.py"),  # the gradient checks' first pass
], ids=["assertions", "directional"])
def test_a_planted_bug_in_an_assertion_helper_is_a_grader_error(monkeypatch, fork_server, module, helper, file):
    def planted(*args, **kwargs):
        raise TypeError("a planted bug in the engine")

    monkeypatch.setattr(module, helper, planted)
    if module is assertions:  # every input in doubt, so that the table runs
        monkeypatch.setattr(directional, "_passes", lambda *args, **kwargs: False)
    assignment, submission = solution("03_affine")
    result = grading.grade(assignment, submission, fork_server, lang="en")
    broken = [t for t in result.tests if t.grader_error]
    assert broken and result.failed_by_grader
    for test in broken:
        assert "planted bug" in test.grader_error and file in test.grader_error
        assert NOT_YOURS in test.output and RETURNED not in test.output and not test.passed


def test_a_planted_bug_in_the_reference_stubs_in_the_worker_is_a_grader_error(monkeypatch):
    """The stubs run in the worker (InProcess: the same code in this process, with the trusted solution)."""
    def planted(self, stub, answer, rebuilder, decoder):
        raise KeyError("a planted bug in the stubs")

    monkeypatch.setattr(reference_stubs.Transport, "_mirror", planted)
    assignment, submission = solution("06_time_rnn")
    result = grading.grade(assignment, submission, InProcess(), lang="en")
    stubbed = {u.name for u in assignment.units if u.uses_reference}
    on_stubs = [t for t in result.tests if t.unit in stubbed]
    assert on_stubs and all(t.grader_error for t in on_stubs)
    for test in on_stubs:
        assert "planted bug in the stubs" in test.grader_error and "in the worker" in test.grader_error
        assert NOT_YOURS in test.output and "KeyError" in test.output
    assert all(t.passed for t in result.tests if t.unit not in stubbed)


def test_the_references_error_for_the_students_arguments_stays_the_students(fork_server, tmp_path):
    """TimeRNN calling the reference RNN with arrays of the wrong shape: the reference raises, for the student."""
    assignment = course.load("06_time_rnn")
    source = (assignment.solution_folder / "layers.py").read_text(encoding="utf-8")
    broken = source.replace("self.h = layer.forward(xs[:, t, :], self.h)",
                            "self.h = layer.forward(xs[:, t, :1], self.h)")
    assert broken != source
    result = grade_source("06_time_rnn", broken, fork_server, tmp_path)
    failed = [t for t in result.tests if t.unit == "TimeRNN" and not t.passed]
    assert failed and not any(t.grader_error for t in result.tests)


# -- the rule itself

def _raised(function):
    try:
        function()
    except Exception as exc:
        return exc
    raise AssertionError("did not raise")


def test_exhaustion_is_never_the_engines():
    assert not fault.engine_fault(_raised(lambda: (_ for _ in ()).throw(MemoryError())))
    assert not fault.raised_by_worker(RecursionError(), set())


def _transport(answer: dict) -> reference_stubs.Transport:
    transport = reference_stubs.Transport()
    transport.send = lambda message: pack(answer, [])[8:]
    return transport


def test_the_references_error_raised_by_a_stub_is_the_students():
    transport = _transport({"error": {"type": "ValueError", "message": "shapes (2,3) and (4,) not aligned"}})
    exc = _raised(lambda: transport.function("softmax", (np.zeros(2),), {}))
    assert isinstance(exc, ValueError) and not fault.raised_by_worker(exc, set())


def test_a_stubs_own_failure_is_ours():
    transport = _transport({"value": None})  # a built object's answer without its handle
    stub = object.__new__(type("RNN", (), {}))
    transport.new(stub, "RNN", (), {})
    exc = _raised(lambda: transport.resolve(stub))
    assert fault.raised_by_worker(exc, set()) and "reference_stubs.py" in fault.where(exc)


def test_a_students_frame_below_ours_makes_it_the_students(tmp_path):
    student = tmp_path / "layers.py"
    student.write_text("def f():\n    raise ValueError('mine')\n")
    namespace: dict = {}
    exec(compile(student.read_text(), str(student), "exec"), namespace)
    exc = _raised(namespace["f"])
    assert not fault.raised_by_worker(exc, {str(student)}) and fault.raised_by_worker(exc, set()) is False


def test_numpy_raising_for_an_engine_helper_is_the_helpers():
    exc = _raised(lambda: assertions.relative_error(np.zeros(2), np.zeros(3), 1e-8))
    assert fault.raised_in_engine(exc.__traceback__)


def test_a_hidden_test_that_cannot_draw_its_inputs_says_the_grader_failed():
    exc = _raised(lambda: (_ for _ in ()).throw(fault.EngineError("no large case found in 200 draws")))
    assert fault.engine_fault(exc)
