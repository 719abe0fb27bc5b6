"""The `student` object a hidden test receives: a proxy for the student's module.

Student code runs in a worker (autograder.sandbox); this module turns attribute
reads, calls and attribute writes on the trusted side into requests, and the
answers back into plain values or further proxies. What a test gets back is
always a fresh plain value (ndarray, number, str, list, ...), so an object with
a fake __eq__ or an ndarray subclass can never reach a comparison.
"""

from __future__ import annotations

import contextvars
import copy
from typing import Callable, Protocol

import numpy as np

from .messages import text
from .sandbox.protocol import Decoder, Encoder, ProtocolError, Ref, pack, unpack


class StudentError(Exception):
    """Student code failed (raised, was missing a name, or failed to import): fails one test."""


class MissingName(StudentError):
    """The module or an object lacks a name the test needs."""


class WorkerLost(Exception):
    """The worker stopped answering (time limit, crash, exit, garbage): the grader starts another.

    timed_out: it overran the request's own time limit (not the submission's).
    """

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


class Channel(Protocol):
    def exchange(self, message: bytes, seconds: float | None = None) -> bytes:
        """Send one request, return the answer's body (without its length prefix).

        seconds: the request's wall-clock limit, where it is not the per-call one (an import).
        """


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


class Student:
    """The student's module, seen from the trusted side."""

    def __init__(self, channel: Channel, filename: str, knowledge: CallKnowledge | None = None,
                 call_seconds: float | None = None):
        """call_seconds: each request's time limit, where it is not the channel's own."""
        object.__setattr__(self, "_channel", channel)
        object.__setattr__(self, "_filename", filename)
        object.__setattr__(self, "_call_seconds", call_seconds)
        # Handles of module-level classes and functions, valid for this Student only
        # (one test, one fresh module), and what the submission's earlier tests learned.
        object.__setattr__(self, "_callables", {})
        knowledge = knowledge or CallKnowledge()
        object.__setattr__(self, "_knowledge", knowledge)
        object.__setattr__(self, "_methods", knowledge.methods)
        # The data attributes the worker sent with its last answer, as (object id, {name: value}):
        # valid until the next request, which may run student code that changes them.
        object.__setattr__(self, "_state", None)
        # Constructor calls not sent yet: (op, label, fields, Deferred), sent with the next request.
        object.__setattr__(self, "_unsent", [])
        # What the last call into student code changed in place (see mutated_arguments).
        object.__setattr__(self, "_mutated", ())

    # -- what tests use -----------------------------------------------------------
    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self._callables:
            return self._callables[name]
        if name in self._knowledge.module_callables:
            return ModuleName(self, name)  # a class or function in an earlier test: call it in one request
        value = self._request("getattr", name, target=None, name=name)
        if isinstance(value, RemoteObject) and value._ref.callable:
            self._callables[name] = value
            self._knowledge.module_callables.add(name)
            if value._ref.is_class:
                self._knowledge.module_classes.add(name)
        return value

    def __setattr__(self, name: str, value) -> None:
        self._callables.pop(name, None)
        self._knowledge.module_callables.discard(name)
        self._knowledge.module_classes.discard(name)
        self._request("setattr", name, target=None, name=name, value=value)

    def has(self, name: str) -> bool:
        """Whether the student's module defines `name`."""
        try:
            self._request("getattr", name, target=None, name=name)
        except MissingName:
            return False
        return True

    def mutated_arguments(self) -> tuple:
        """The ndarray arguments the last call into student code changed in place.

        A tuple of positions (int, 0 for the first argument after self) and keyword
        names (str), in the order the call took them; () when it changed none.
        The worker compares each ndarray argument (also one inside a list or tuple
        argument) with a copy taken before the call. A constructor call still
        waiting to be sent (Deferred) is sent first, so it counts as the last call.
        """
        self._send_unsent()
        return self._mutated

    def identities(self, obj: "RemoteObject", name: str):
        """id() of each element of obj.<name> (or of the attribute itself), read in the worker."""
        return self._request("identities", f"{obj._label}.{name}", target=obj, name=name)

    # -- the exchange ------------------------------------------------------------
    def _request(self, op: str, label: str, state: list[str] | None = None, seconds: float | None = None,
                 **fields):
        """Send one request; `state` (callmethod only): attributes of the target to send back with the answer.

        seconds: its time limit, where it is not this proxy's call_seconds.
        """
        recording = _RECORDING.get()
        if recording is not None and op in PROGRAM_OPS:
            return recording.add(self, op, label, fields)
        if self._unsent:
            if op in PROGRAM_OPS:  # the waiting constructors and this request: one program
                return self._send_unsent((op, label, fields))
            self._send_unsent()
        if state and op == "callmethod":
            fields["state"] = state
        if op == "load":  # a fresh module: every handle is void
            self._callables.clear()
        object.__setattr__(self, "_state", None)
        encoder = Encoder(_ref_of)
        encoded = {key: encoder.encode(value) for key, value in fields.items()}
        try:
            header, blobs = unpack(self._channel.exchange(pack({"op": op, **encoded}, encoder.blobs),
                                                          self._call_seconds if seconds is None else seconds))
            self._note_mutated(header, op)
            if "error" in header:
                raise self._error(header["error"], op, label, fields)
            if "value" not in header or not set(header) <= {"value", "state"}:
                raise ProtocolError("answer has neither value nor error")
            value = Decoder(blobs, lambda ref: RemoteObject(self, ref, label)).decode(header["value"])
            if "state" in header and op == "callmethod":
                owner = _ref_of(fields["target"])["$ref"]
                object.__setattr__(self, "_state", (owner, _plain_state(header["state"], blobs)))
            return value

        except ProtocolError as exc:
            raise WorkerLost(text("grade.invalid_answer", label=label, problem=exc)) from None
        except WorkerLost as exc:
            raise WorkerLost(f"{label}: {exc}", exc.timed_out) from None

    def _defer(self, op: str, label: str, fields: dict, type_name: str) -> "Deferred":
        """A constructor call, kept until a request needs the instance (or the test ends)."""
        instance = Deferred(self, type_name, label)
        self._unsent.append((op, label, _snapshot(fields), instance))
        return instance

    def _send_unsent(self, then: tuple | None = None):
        """Send the waiting constructor calls, with `then` (op, label, fields) after them; then's value."""
        unsent = self._unsent
        if not unsent and then is None:
            return None
        object.__setattr__(self, "_unsent", [])
        for step, (*_, instance) in enumerate(unsent):
            instance._step = step
        steps = [(op, label, fields) for op, label, fields, _ in unsent] + ([then] if then else [])
        labels = [label for _, label, _ in steps]
        label = labels[0] if len(labels) == 1 else text("grade.then", first=", ".join(labels[:-1]), last=labels[-1])
        try:
            values = self._program(0, steps, list(range(len(steps))), label)
        except (StudentError, WorkerLost) as exc:
            for *_, instance in unsent:
                instance._failure = exc
            raise
        for (*_, instance), value in zip(unsent, values):
            instance._object = value
        return values[-1] if then else None

    def _program(self, first: int, steps: list, results: list[int], label: str | None = None) -> list:
        """Run recorded steps first.. in the worker; the values of the steps in `results`."""
        object.__setattr__(self, "_state", None)
        encoder = Encoder(_ref_of)
        encoded = [{"op": op, **{key: encoder.encode(value) for key, value in fields.items()}}
                   for op, _, fields in steps]  # each step a JSON object, like a request's header
        label = label or (steps[0][1] if steps else "program")
        try:
            message = pack({"op": "program", "first": first, "steps": encoded, "results": results}, encoder.blobs)
            header, blobs = unpack(self._channel.exchange(message, self._call_seconds))
            self._note_mutated(header, "program")
            if "error" in header:
                error = header["error"]
                step = error.get("step") if isinstance(error, dict) else None
                if type(step) is int and first <= step < first + len(steps):
                    op, label, fields = steps[step - first]
                    raise self._error(error, op, label, fields)
                raise self._error(error, "program", label, {})
            if set(header) != {"value"}:
                raise ProtocolError("answer has neither value nor error")
            nodes = header["value"]
            if type(nodes) is not list or len(nodes) != len(results):
                raise ProtocolError("a program's answer has the wrong number of values")
            values = []
            for node, index in zip(nodes, results):  # a handle is named after the step that made it
                named = steps[index - first][1] if first <= index < first + len(steps) else label
                values.append(Decoder(blobs, lambda ref, named=named: RemoteObject(self, ref, named)).decode(node))
            return values
        except ProtocolError as exc:
            raise WorkerLost(text("grade.invalid_answer", label=label, problem=exc)) from None
        except WorkerLost as exc:
            raise WorkerLost(f"{label}: {exc}", exc.timed_out) from None

    def _note_mutated(self, header: dict, op: str) -> None:
        """Take the answer's "mutated" field off the header into self._mutated (a call's answer only)."""
        if op == "load" or op in MUTATING_OPS:
            object.__setattr__(self, "_mutated", ())
        if "mutated" not in header:
            return
        mutated = header.pop("mutated")
        if op not in MUTATING_OPS or type(mutated) is not list or len(mutated) > MAX_MUTATED or not all(
                type(key) is int or (type(key) is str and len(key) <= 100) for key in mutated):
            raise ProtocolError("malformed list of mutated arguments")
        object.__setattr__(self, "_mutated", tuple(mutated))

    def _error(self, error, op: str, label: str, fields: dict) -> Exception:
        if not isinstance(error, dict):
            raise ProtocolError("malformed error")
        kind = _text(error.get("type"), 100)
        message = _text(error.get("message"), 2000)
        where = _text(error.get("where"), 400)
        place = f" ({where})" if where else ""
        importing = _text(error.get("importing"), 200)
        if importing:
            return StudentError(text("grade.import_failed", importing=importing, kind=kind, message=message, place=place))
        if error.get("missing") is True and op in ("getattr", "identities", "callmethod"):
            if fields.get("target") is None:
                return MissingName(text("grade.missing_name", filename=self._filename, name=fields["name"]))
            owner = label.rsplit(".", 1)[0]
            return MissingName(text("grade.missing_attribute", owner=owner, name=fields["name"]))
        if kind == "NotImplementedError":
            return StudentError(text("grade.not_implemented", label=label))
        return StudentError(text("grade.raised", label=label, kind=kind, message=message, place=place))


class RemoteObject:
    """An object living in the worker: a class, an instance, a function or a method."""

    __slots__ = ("_student", "_ref", "_label")

    def __init__(self, student: Student, ref: Ref, label: str):
        object.__setattr__(self, "_student", student)
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "_label", label)

    @property
    def remote_type(self) -> str:
        return self._ref.type

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        student = self._student
        label = f"{self._label}.{name}"
        if (self._ref.type, name) in student._methods:
            return RemoteMethod(self, name, label, self._ref.type)  # a known method: one request
        state = student._state
        if state is not None and state[0] == self._ref.id and name in state[1]:
            return copy.deepcopy(state[1][name])  # sent with the last answer; a fresh copy, as from the worker
        value = student._request("getattr", label, target=self, name=name)
        if isinstance(value, RemoteObject):
            if value._ref.type == "method":
                student._methods.add((self._ref.type, name))
        elif not _holds_remote(value):
            student._knowledge.data.setdefault(self._ref.type, set()).add(name)
        return value

    def __setattr__(self, name: str, value) -> None:
        self._student._methods.discard((self._ref.type, name))
        self._student._request("setattr", f"{self._label}.{name}", target=self, name=name, value=value)

    def __call__(self, *args, **kwargs):
        fields = {"target": self, "args": list(args), "kwargs": kwargs}
        if self._ref.is_class and _RECORDING.get() is None:
            return self._student._defer("call", self._label, fields, self._ref.type)
        return self._student._request("call", self._label, **fields)

    def __repr__(self) -> str:
        return f"<student {self._ref.type} {self._label}>"


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


PROGRAM_OPS = ("getattr", "call", "callmethod")  # what a program's steps may do
MUTATING_OPS = ("call", "callmethod", "program")  # requests that may call student code with arguments
MAX_MUTATED = 256
PROGRAM_CHUNK = 16  # evaluations per request: one call time limit covers at most this many


def evaluate_all(f: Callable, points: list) -> list:
    """[f(p) for p in points], with every call into the worker sent as a few programs.

    When f only builds student objects and calls their methods (a numerical
    gradient's `lambda W: student.Affine(W, b).forward(x)`), its calls are
    recorded and run in the worker PROGRAM_CHUNK evaluations per request instead
    of one request per call. Anything else runs f point by point, as written.
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


def _ref_of(value) -> dict:
    if isinstance(value, ModuleName):
        value = value.resolve()
    if isinstance(value, Deferred):
        if value._object is None and value._failure is None and value._step is not None:
            return {"$ref": -1 - value._step}  # built by an earlier step of the program being sent
        value = value._resolve()
    if isinstance(value, RemoteObject):
        return {"$ref": value._ref.id}
    if isinstance(value, Pending):
        return {"$ref": -1 - value._step}
    raise ProtocolError(f"cannot send a {type(value).__name__} to the worker")


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


def _holds_remote(value) -> bool:
    """Whether a decoded value holds a handle (then it is not plain data to send back with answers)."""
    if isinstance(value, (list, tuple)):
        return any(_holds_remote(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_remote(v) for v in value.values())
    return isinstance(value, (RemoteObject, RemoteMethod, ModuleName, Deferred, Pending))


def _plain_state(node, blobs: list[bytes]) -> dict:
    """An answer's "state": {attribute name: plain value}; a handle in it makes the answer invalid."""
    if type(node) is not dict or not all(type(k) is str for k in node):
        raise ProtocolError("malformed state")

    def no_handles(ref):
        raise ProtocolError("state may hold plain data only")

    decoder = Decoder(blobs, no_handles)
    return {name: decoder.decode(value) for name, value in node.items()}


def _text(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""
