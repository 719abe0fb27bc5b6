"""Fewer round trips between the grader and the worker: what the proxy (student.py) keeps or waits to send.

Nothing here changes an answer; it changes how many requests a hidden test
takes. Four devices:

  CallKnowledge  what one submission's module showed earlier tests (which names
                 are classes, functions, methods, plain data), so that a known
                 callable is looked up and called in one request
  RemoteMethod,  a known method or module-level callable: one request per call
  ModuleName
  Deferred       a constructor call kept until the first request that needs the
                 instance, and sent with it as one program
  evaluate_all   a numerical gradient's evaluations recorded (Pending, _Recording)
                 and run in the worker as a few programs

The classes here speak to the proxy only through its request methods
(`_request`, `_program`, `_send_unsent`), so this module imports nothing of it.
"""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Callable

import numpy as np

if TYPE_CHECKING:
    from .proxy import RemoteObject, Student

PROGRAM_OPS = ("getattr", "call", "callmethod", "setattr")  # what a program's steps may do
PROGRAM_CHUNK = 16  # evaluations per request: one call time limit covers at most this many


class CallKnowledge:
    """What one submission's module has shown the grader so far, to save round trips.

    Every hidden test imports the same source afresh, so what one test learned
    holds for the next: which module-level names are classes or functions, and
    which (type, attribute) pairs are methods, and which attributes tests read
    as plain data. Knowing a name is callable lets `student.Affine(W, b)` or
    `layer.forward(x)` go as one request (look it up and call it, in the worker)
    instead of a lookup and then a call; knowing it is a class lets the new
    instance wait and go with the request that first uses it (see Deferred);
    knowing that tests read `layer.dW`
    and `layer.db` lets the answer to `layer.backward(dout)` carry them, so
    reading them right after costs no request (see RemoteObject.__getattr__).
    Knowledge only changes how many requests a test takes, never an answer: a
    name that is not what it was still fails with the same sentence.
    """

    def __init__(self):
        self.module_callables: set[str] = set()
        self.module_classes: set[str] = set()  # the callables above that are classes
        self.methods: set[tuple[str, str]] = set()
        self.data: dict[str, set[str]] = {}  # type -> attributes a test read as plain data (dW, grads)

    def data_of(self, remote_type: str) -> list[str]:
        return sorted(self.data.get(remote_type, ()))

class RemoteMethod:
    """obj.name, already known to be a method: calling it is one request (getattr and call in the worker)."""

    __slots__ = ("_owner", "_name", "_label", "_owner_type")
    remote_type = "method"

    def __init__(self, owner: "RemoteObject | Deferred", name: str, label: str, owner_type: str):
        self._owner, self._name, self._label, self._owner_type = owner, name, label, owner_type

    def __call__(self, *args, **kwargs):
        student = self._owner._student
        wanted = student._knowledge.data_of(self._owner_type)
        return student._request("callmethod", self._label, target=self._owner, name=self._name,
                                args=list(args), kwargs=kwargs, **({"state": wanted} if wanted else {}))

    def __repr__(self) -> str:
        return f"<student method {self._label}>"


class ModuleName:
    """student.<name>, known from an earlier test to be a module-level class or function.

    Calling it is one request (look it up and call it, in the worker). Anything
    else (an attribute, passing it as an argument) looks it up first, as
    student.<name> would have.
    """

    __slots__ = ("_student", "_name")

    def __init__(self, student: Student, name: str):
        self._student, self._name = student, name

    def __call__(self, *args, **kwargs):
        student = self._student
        fields = {"target": None, "name": self._name, "args": list(args), "kwargs": kwargs}
        if self._name in student._knowledge.module_classes and _RECORDING.get() is None:
            return student._defer("callmethod", self._name, fields, self._name)
        return student._request("callmethod", self._name, **fields)

    @property
    def remote_type(self) -> str:
        return self.resolve().remote_type

    def resolve(self):
        """The object itself, looked up in the worker (the handle of this test's module)."""
        student = self._student
        if self._name not in student._callables:
            student._callables[self._name] = student._request("getattr", self._name, target=None, name=self._name)
        return student._callables[self._name]

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.resolve(), name)

    def __repr__(self) -> str:
        return f"<student {self._name}>"


class Deferred:
    """A new instance of a student class whose constructor call has not been sent yet.

    `layer = student.Affine(W, b)` costs no request: the call goes to the worker
    with the first request that uses `layer` (`layer.forward(x)`: one program,
    constructor then method) or with any other request, whichever comes first,
    so student code still runs in the order the test wrote it. The arguments are
    copied when the test makes the call. A constructor that raises fails the
    test as before, with the same sentence; a test that never uses the instance
    still has it built when the test ends (grade.py sends what is left).
    """

    __slots__ = ("_student", "_type", "_label", "_object", "_failure", "_step")

    def __init__(self, student: Student, type_name: str, label: str):
        self._student, self._type, self._label = student, type_name, label
        self._object = self._failure = self._step = None

    def _resolve(self):
        if self._object is None:
            if self._failure is not None:
                raise self._failure
            self._student._send_unsent()
        return self._object

    @property
    def remote_type(self) -> str:
        return getattr(self._resolve(), "remote_type", type(self._object).__name__)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if self._object is None and self._failure is None and (self._type, name) in self._student._methods:
            return RemoteMethod(self, name, f"{self._label}.{name}", self._type)
        return getattr(self._resolve(), name)

    def __setattr__(self, name: str, value) -> None:
        if name in Deferred.__slots__:
            object.__setattr__(self, name, value)
        elif self._object is None and self._failure is None:  # waits too, and goes with the constructor
            student = self._student
            student._methods.discard((self._type, name))
            student._defer_step("setattr", f"{self._label}.{name}", {"target": self, "name": name, "value": value})
        else:
            setattr(self._resolve(), name, value)

    def __call__(self, *args, **kwargs):
        return self._resolve()(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<student {self._type} {self._label} (not built yet)>" if self._object is None else repr(self._object)


class Pending:
    """The result of a recorded step: what the worker will compute when the program runs."""

    __slots__ = ("_student", "_step", "_label")

    def __init__(self, student: Student, step: int, label: str):
        self._student, self._step, self._label = student, step, label

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._student._request("getattr", f"{self._label}.{name}", target=self, name=name)

    def __call__(self, *args, **kwargs):
        return self._student._request("call", self._label, target=self, args=list(args), kwargs=kwargs)

    def __setattr__(self, name: str, value) -> None:
        if name in Pending.__slots__:
            object.__setattr__(self, name, value)
        else:  # a step of the program too (a numerical gradient's model given its parameters)
            self._student._request("setattr", f"{self._label}.{name}", target=self, name=name, value=value)

    def __array__(self, *args, **kwargs):
        raise _NotRecordable


class _NotRecordable(Exception):
    """The function used a student value on the trusted side: it must run call by call."""


class _Recording:
    """Steps recorded instead of sent, to run in the worker as one program."""

    def __init__(self):
        self.steps: list[tuple[str, str, dict]] = []  # (op, label, fields)
        self.student: Student | None = None

    def add(self, student: Student, op: str, label: str, fields: dict) -> Pending:
        if self.student is not None and student is not self.student:
            raise _NotRecordable
        if student._unsent:
            student._send_unsent()  # instances made before the recording: built now, so steps can name them
        self.student = student
        self.steps.append((op, label, fields))
        return Pending(student, len(self.steps) - 1, label)


def evaluate_all(f: Callable, points: list) -> list:
    """[f(p) for p in points], with every call into the worker sent as a few programs.

    When f only builds student objects and calls their methods (a numerical
    gradient's `lambda W: student.Affine(W, b).forward(x)`), its calls are
    recorded and run in the worker PROGRAM_CHUNK evaluations per request instead
    of one request per call. A function that never calls into the worker (a loss
    computed on the grader's side) has its values from that first pass. Anything
    else runs f point by point, as written.
    """
    recording = _Recording()
    token = _RECORDING.set(recording)
    try:
        pending, bounds = [], []
        for point in points:
            pending.append(f(point))
            bounds.append(len(recording.steps))
    except (_NotRecordable, TypeError, ValueError, AttributeError):
        pending = None
    finally:
        _RECORDING.reset(token)
    if pending is not None and recording.student is None and not any(isinstance(p, Pending) for p in pending):
        return pending  # f never called into the worker (a loss computed on the grader's side): its values
    if pending is None or recording.student is None or not all(isinstance(p, Pending) for p in pending):
        return [f(point) for point in points]
    student, steps, values, first = recording.student, recording.steps, [], 0
    for start in range(0, len(points), PROGRAM_CHUNK):
        chunk = pending[start:start + PROGRAM_CHUNK]
        last = bounds[start + len(chunk) - 1]
        values += student._program(first, steps[first:last], [p._step for p in chunk])
        first = last
    return values


_RECORDING: contextvars.ContextVar[_Recording | None] = contextvars.ContextVar("recording", default=None)


def _snapshot(value):
    """value with its arrays, lists and dicts copied: what a deferred call sends is what the test passed."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_snapshot(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_snapshot(v) for v in value)
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    return value
