"""The proxy reports which arguments a call changed in place (student.mutated_arguments()).

02's README says forward must not modify x (dout may be modified): a hidden test
asks the proxy, after a call, which ndarray arguments student code changed. The
worker compares each ndarray argument with a copy taken before the call and says
so in the answer's header, so asking costs no request. Every path that calls
student code reports it: a method call, a function call, a constructor sent later
(Deferred), and the programs of evaluate_all.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.sandbox.protocol import pack
from autograder.round_trips import CallKnowledge, evaluate_all
from autograder.proxy import Student, StudentError, WorkerLost

from .conftest import FAST

SOURCE = """\
import numpy as np

class Relu:
    def __init__(self, scale=None):
        if scale is not None:
            scale *= 2.0  # changes its argument, on purpose
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        x[self.mask] = 0  # the textbook's out = x.copy() forgotten
        return x

    def backward(self, dout):
        dout[self.mask] = 0  # allowed: dout may be modified
        return dout

class Clean:
    def forward(self, x):
        return np.maximum(x, 0)

def scale(x, factor, out=None):
    if out is not None:
        out[...] = x * factor
        return out
    return x * factor

def zero_first(arrays):
    arrays[0][...] = 0.0
    return len(arrays)

def nan_again(x):
    x[...] = np.nan  # NaN written over NaN: no change
    return x

def negate_zero(x):
    x *= -1.0  # 0.0 becomes -0.0: a change in the bytes
    return x

def fails_after_writing(x):
    x[0] = 99.0
    raise ValueError("written, then raised")

def grow(x):
    x.resize(5, refcheck=False)
    return None
"""

X = np.array([[1.0, -2.0], [-3.0, 4.0]])


@pytest.fixture
def student(load_student) -> Student:
    return load_student(SOURCE)


def test_no_call_yet_reports_nothing(student):
    assert student.mutated_arguments() == ()


def test_a_method_that_writes_into_x_is_reported(student):
    relu = student.Relu()
    out = relu.forward(X.copy())
    np.testing.assert_array_equal(out, np.maximum(X, 0))
    assert student.mutated_arguments() == (0,)


def test_a_method_that_copies_reports_nothing(student):
    clean = student.Clean()
    clean.forward(X.copy())
    assert student.mutated_arguments() == ()


def test_the_trusted_sides_array_is_never_touched(student):
    x = X.copy()
    student.Relu().forward(x)
    np.testing.assert_array_equal(x, X)  # only the worker's copy changed


def test_each_call_replaces_the_report_of_the_one_before(student):
    relu = student.Relu()
    relu.forward(X.copy())
    assert student.mutated_arguments() == (0,)
    student.Clean().forward(X.copy())
    assert student.mutated_arguments() == ()


def test_reading_an_attribute_keeps_the_last_calls_report(student):
    relu = student.Relu()
    relu.forward(X.copy())
    mask = relu.mask
    np.testing.assert_array_equal(mask, X <= 0)
    assert student.mutated_arguments() == (0,)


def test_keyword_arguments_are_named(student):
    out = np.zeros(2)
    student.scale(np.ones(2), 3.0, out=out)
    assert student.mutated_arguments() == ("out",)
    student.scale(np.ones(2), 3.0)
    assert student.mutated_arguments() == ()


def test_an_array_inside_a_list_counts_for_the_lists_position(student):
    assert student.zero_first([np.ones(3), np.ones(2)]) == 2
    assert student.mutated_arguments() == (0,)


def test_a_backward_that_writes_into_dout_is_reported_as_position_0(student):
    relu = student.Relu()
    relu.forward(X.copy())
    relu.backward(np.ones((2, 2)))
    assert student.mutated_arguments() == (0,)


def test_a_waiting_constructor_is_sent_first_and_reported(student):
    student.Relu  # teach the proxy that Relu is a class: the next call waits (Deferred)
    student.Relu()
    student.Relu(np.ones(2))
    assert student.mutated_arguments() == (0,)


def test_a_constructor_sent_with_its_first_method_call_reports_the_method(student):
    student.Relu().forward(X.copy())  # teach the proxy: Relu is a class, forward a method
    layer = student.Relu(np.ones(2))  # waits; changes its argument when it runs
    layer.forward(np.abs(X) + 1.0)  # one program: the constructor, then forward, which changes nothing
    assert student.mutated_arguments() == ()
    layer = student.Relu(np.ones(2))
    layer.forward(X.copy())
    assert student.mutated_arguments() == (0,)


def test_programs_report_their_last_call(student):
    def f(x):
        return student.Relu().forward(x)

    values = evaluate_all(f, [X.copy(), -X.copy()])
    np.testing.assert_array_equal(values[1], np.maximum(-X, 0))
    assert student.mutated_arguments() == (0,)
    evaluate_all(lambda x: student.Clean().forward(x), [X.copy()])
    assert student.mutated_arguments() == ()


def test_a_call_that_raises_still_reports_what_it_changed(student):
    with pytest.raises(StudentError, match="written, then raised"):
        student.fails_after_writing(np.zeros(3))
    assert student.mutated_arguments() == (0,)


def test_nan_over_nan_is_no_change_and_negative_zero_is_one(student):
    student.nan_again(np.full(3, np.nan))
    assert student.mutated_arguments() == ()
    student.negate_zero(np.zeros(2))
    assert student.mutated_arguments() == (0,)


def test_a_resized_argument_is_reported(student):
    student.grow(np.ones(2))
    assert student.mutated_arguments() == (0,)


def test_reporting_costs_no_request(fork_server):
    class Counting:
        def __init__(self, worker):
            self.worker, self.requests = worker, 0

        def exchange(self, message, seconds=None):
            self.requests += 1
            return self.worker.exchange(message, seconds)

    worker = fork_server.start(FAST)
    try:
        channel = Counting(worker)
        student = Student(channel, "layers.py", CallKnowledge())
        student.load("layers", {"layers.py": np.frombuffer(SOURCE.encode(), dtype=np.uint8)}, {})
        relu = student.Relu()
        relu.forward(X.copy())  # learns that forward is a method: the next call is one request
        before = channel.requests
        relu.forward(X.copy())
        assert student.mutated_arguments() == (0,)
        assert channel.requests == before + 1
    finally:
        worker.close()


class Forged:
    """A worker that answers every request with the same header."""

    def __init__(self, header):
        self.header = header

    def exchange(self, message, seconds=None):
        return pack(self.header, [])[8:]


@pytest.mark.parametrize("mutated", ["0", [0.5], [None], ["x" * 1000], list(range(1000)), [[0]]])
def test_a_malformed_report_is_a_bad_answer(mutated):
    student = Student(Forged({"value": None, "mutated": mutated}), "layers.py")
    with pytest.raises(WorkerLost):
        student.f(1)  # a getattr: a report on an answer that made no call is malformed too
    student = Student(Forged({"value": 1, "mutated": mutated}), "layers.py")
    fn = student._request  # call through a known callable
    with pytest.raises(WorkerLost):
        fn("call", "f", target=None, args=[], kwargs={})


def test_a_report_on_an_answer_that_called_nothing_is_a_bad_answer():
    student = Student(Forged({"value": 1, "mutated": [0]}), "layers.py")
    with pytest.raises(WorkerLost):
        student.anything
