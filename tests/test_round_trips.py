"""Fewer requests, the same answers: what the student proxy saves and what it must not change.

A hidden test's calls cross to the worker as requests; each costs both
processes a wake-up. The proxy saves requests three ways (autograder/proxy.py):
what one test learned about the module (which names are classes, which are
methods) lets the next call them in one request; a new instance waits and goes
with the request that first uses it; and the answer to a method call carries the
attributes tests read right after it. Every test here counts requests and also
checks that nothing a test can observe has changed: values, order of side
effects, error sentences, properties, copies.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.round_trips import CallKnowledge
from autograder.proxy import Student, StudentError

from .conftest import FAST

LAYER = """\
import numpy as np

log = []

class Affine:
    def __init__(self, W, b):
        log.append("init")
        self.W, self.b = W, b
        self.dW = None
        self.db = None

    def forward(self, x):
        log.append("forward")
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T

class Counted:
    def __init__(self):
        self.reads = 0
        self.value = 1.0

    @property
    def seen(self):
        self.reads += 1
        return self.reads

    def step(self):
        self.value += 1.0
        return self.value

class Broken:
    def __init__(self):
        raise ValueError("broken on purpose")

def bump(layer):
    log.append("bump")
    layer.value += 100.0

def history():
    return list(log)
"""


class Counting:
    """A channel that counts the requests sent through it."""

    def __init__(self, worker):
        self.worker, self.requests = worker, 0

    def exchange(self, message: bytes, seconds: float | None = None) -> bytes:
        self.requests += 1
        return self.worker.exchange(message, seconds)


@pytest.fixture
def fresh(fork_server):
    """fresh(knowledge) -> (Student on a newly loaded LAYER, its counting channel)."""
    workers = []

    def make(knowledge: CallKnowledge | None = None):
        worker = fork_server.start(FAST)
        workers.append(worker)
        channel = Counting(worker)
        student = Student(channel, "layers.py", knowledge)
        student.load("layers", {"layers.py": np.frombuffer(LAYER.encode(), dtype=np.uint8)}, {})
        channel.requests = 0
        return student, channel

    yield make
    for worker in workers:
        worker.close()


W, B = np.arange(6.0).reshape(2, 3), np.array([0.5, -0.5, 1.0])
X, DOUT = np.array([[1.0, 2.0], [3.0, -1.0]]), np.ones((2, 3))


def _affine_round(student):
    layer = student.Affine(W, B)
    out = layer.forward(X)
    dx = layer.backward(DOUT)
    return out, dx, layer.dW, layer.db


def test_a_second_test_builds_calls_and_reads_in_two_requests(fresh):
    knowledge = CallKnowledge()
    first, channel = fresh(knowledge)
    expected = _affine_round(first)
    learning = channel.requests
    second, channel = fresh(knowledge)  # the next hidden test: a fresh module, same source
    got = _affine_round(second)
    assert channel.requests == 2 < learning  # Affine(...) with forward, then backward with dW and db
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(got[2], X.T @ DOUT)


def test_attributes_sent_with_an_answer_are_dropped_by_the_next_request(fresh):
    knowledge = CallKnowledge()
    student, _ = fresh(knowledge)
    counted = student.Counted()
    counted.step()
    assert counted.value == 2.0  # teaches the proxy that tests read `value`
    assert counted.step() == 3.0 and counted.value == 3.0
    student.bump(counted)  # student code changed it behind the method's back
    assert counted.value == 103.0


def test_a_property_runs_on_every_read_as_before(fresh):
    knowledge = CallKnowledge()
    student, channel = fresh(knowledge)
    counted = student.Counted()
    assert [counted.seen, counted.seen] == [1, 2]
    counted.step()
    assert counted.seen == 3  # never read ahead, so never run more often than the test reads it


def test_each_read_is_a_fresh_copy(fresh):
    knowledge = CallKnowledge()
    student, _ = fresh(knowledge)
    _affine_round(student)
    layer = student.Affine(W, B)
    layer.forward(X)
    layer.backward(DOUT)
    dW = layer.dW
    dW[:] = 0.0
    np.testing.assert_array_equal(layer.dW, X.T @ DOUT)


def test_constructors_run_in_the_order_the_test_wrote(fresh):
    knowledge = CallKnowledge()
    fresh(knowledge)[0].history()  # learn that Affine is a class
    student, _ = fresh(knowledge)
    student.history()
    a = student.Affine(W, B)
    student.bump(student.Counted())
    a.forward(X)
    assert student.history() == ["init", "bump", "forward"]


def test_arguments_are_taken_when_the_test_calls(fresh):
    student, _ = fresh()
    weights = W.copy()
    layer = student.Affine(weights, B)
    weights[:] = -1.0  # the test reuses its array before the instance is used
    np.testing.assert_array_equal(layer.forward(X), X @ W + B)


def test_a_failing_constructor_says_what_it_always_said(fresh):
    knowledge = CallKnowledge()
    student, _ = fresh(knowledge)
    with pytest.raises(StudentError) as eager:
        student.Broken().anything  # first time: Broken is looked up, then called
    student, _ = fresh(knowledge)
    broken = student.Broken()  # now known to be a class: the call waits
    with pytest.raises(StudentError) as deferred:
        broken.anything
    assert str(deferred.value) == str(eager.value)
    assert str(eager.value).startswith("Broken raised ValueError: broken on purpose")


def test_an_instance_the_test_never_used_is_still_built(fresh):
    knowledge = CallKnowledge()
    student, _ = fresh(knowledge)
    student.Broken  # learn that Broken is a class
    student, channel = fresh(knowledge)
    student.Broken()
    assert channel.requests == 0
    with pytest.raises(StudentError, match="broken on purpose"):
        student.finish()  # what grade.py does when a hidden test returns


def test_a_grade_of_the_solution_takes_few_requests(fork_server):
    """All of 03_affine's hidden tests on the solution, counted: the savings hold on real tests."""
    from autograder import course
    from autograder.grade import grade
    from autograder.submission import load

    assignment = course.load("03_affine")
    counts = []

    class CountingServer:
        protections = ()

        def start(self, limits):
            channel = Counting(fork_server.start(limits))
            channel.close = channel.worker.close
            channel.deadline = float("inf")
            counts.append(channel)
            return channel

    result = grade(assignment, load(assignment.solution_folder, assignment.student_files), CountingServer())
    assert result.score == result.max_score
    requests = sum(c.requests for c in counts)
    # 11 tests: a load each, 4 layers built and used in most; one request per call before these savings: 170.
    assert requests <= 80, requests


def test_errors_after_a_deferred_build_name_the_method(fresh):
    knowledge = CallKnowledge()
    student, _ = fresh(knowledge)
    _affine_round(student)
    student, _ = fresh(knowledge)
    layer = student.Affine(W, B)
    layer.forward(X)
    with pytest.raises(StudentError, match=r"^Affine.backward raised ValueError"):
        layer.backward(np.ones((5, 5)))


def test_an_instance_made_before_a_recording_is_built_and_the_recording_still_batches(fresh):
    from autograder.round_trips import PROGRAM_CHUNK, evaluate_all

    knowledge = CallKnowledge()
    student, _ = fresh(knowledge)
    _affine_round(student)
    student, channel = fresh(knowledge)
    layer = student.Affine(W, B)  # not sent yet when the recording starts
    points = [X + k for k in range(2 * PROGRAM_CHUNK)]
    values = evaluate_all(lambda x: layer.forward(x), points)
    assert channel.requests == 1 + 2  # the constructor, then two programs of PROGRAM_CHUNK evaluations
    for x, value in zip(points, values):
        np.testing.assert_array_equal(value, x @ W + B)


def test_attributes_set_on_a_new_instance_go_with_its_constructor_and_first_call(fresh):
    knowledge = CallKnowledge()
    student, _ = fresh(knowledge)
    _affine_round(student)
    student, channel = fresh(knowledge)
    layer = student.Affine(W, B)
    layer.W = 2 * W  # what a test does to give a model its parameters
    layer.b = np.zeros(3)
    out = layer.forward(X)
    assert channel.requests == 1  # constructor, two attributes and forward: one program
    np.testing.assert_array_equal(out, X @ (2 * W))
    assert student.history() == ["init", "forward"]


def test_attributes_set_on_a_new_instance_keep_the_order_the_test_wrote(fresh):
    knowledge = CallKnowledge()
    student, _ = fresh(knowledge)
    student.Counted().step()
    student, channel = fresh(knowledge)
    counted = student.Counted()
    counted.value = 10.0
    assert counted.step() == 11.0 and channel.requests == 1
    student.bump(counted)  # a module function on the instance: it is built and set before
    assert counted.value == 111.0


def test_a_numerical_gradient_that_sets_attributes_is_still_sent_as_programs(fresh):
    from autograder.round_trips import PROGRAM_CHUNK, evaluate_all

    knowledge = CallKnowledge()
    student, _ = fresh(knowledge)
    _affine_round(student)
    student, channel = fresh(knowledge)

    def forward_with(w):
        layer = student.Affine(W, B)
        layer.W = w
        return layer.forward(X)

    points = [W + k for k in range(2 * PROGRAM_CHUNK)]
    values = evaluate_all(forward_with, points)
    assert channel.requests == 2  # two programs of PROGRAM_CHUNK evaluations
    for w, value in zip(points, values):
        np.testing.assert_array_equal(value, X @ w + B)


def test_a_grade_of_07_takes_few_requests(fork_server):
    """07's numerical gradient builds a model and sets its five parameters per evaluation: programs, not calls."""
    from autograder import course
    from autograder.grade import grade
    from autograder.submission import load

    assignment = course.load("07_many_to_one")
    counts = []

    class CountingServer:
        protections = ()

        def start(self, limits):
            channel = Counting(fork_server.start(limits))
            channel.close = channel.worker.close
            channel.deadline = float("inf")
            counts.append(channel)
            return channel

    result = grade(assignment, load(assignment.solution_folder, assignment.student_files), CountingServer())
    assert result.score == result.max_score
    # Requests and the reference calls answered inside them (bce_loss: one per loss): 3,298 requests before
    # attributes set on an instance went with its programs, 167 after, beside 722 reference calls.
    assert sum(c.requests for c in counts) <= 1000, sum(c.requests for c in counts)
