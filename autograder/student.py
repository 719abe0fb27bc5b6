"""The `student` object a hidden test receives: a proxy for the student's module.

Student code runs in a worker (autograder.sandbox); this module turns attribute
reads, calls and attribute writes on the trusted side into requests, and the
answers back into plain values or further proxies. What a test gets back is
always a fresh plain value (ndarray, number, str, list, ...), so an object with
a fake __eq__ or an ndarray subclass can never reach a comparison.
"""

from __future__ import annotations

import contextvars
from typing import Callable, Protocol

from .messages import text
from .sandbox.protocol import Decoder, Encoder, ProtocolError, Ref, pack, unpack


class StudentError(Exception):
    """Student code failed (raised, was missing a name, or failed to import): fails one test."""


class MissingName(StudentError):
    """The module or an object lacks a name the test needs."""


class WorkerLost(Exception):
    """The worker stopped answering (time limit, crash, exit, garbage): the grader starts another."""


class Channel(Protocol):
    def exchange(self, message: bytes) -> bytes:
        """Send one request, return the answer's body (without its length prefix)."""


class Student:
    """The student's module, seen from the trusted side."""

    def __init__(self, channel: Channel, filename: str):
        object.__setattr__(self, "_channel", channel)
        object.__setattr__(self, "_filename", filename)
        # Saved round trips, valid for this Student only (one test, one fresh module):
        # module-level classes and functions, and which attribute names are methods.
        object.__setattr__(self, "_callables", {})
        object.__setattr__(self, "_methods", set())

    # -- what tests use -----------------------------------------------------------
    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self._callables:
            return self._callables[name]
        value = self._request("getattr", name, target=None, name=name)
        if isinstance(value, RemoteObject) and value._ref.callable:
            self._callables[name] = value
        return value

    def __setattr__(self, name: str, value) -> None:
        self._callables.pop(name, None)
        self._request("setattr", name, target=None, name=name, value=value)

    def has(self, name: str) -> bool:
        """Whether the student's module defines `name`."""
        try:
            self._request("getattr", name, target=None, name=name)
        except MissingName:
            return False
        return True

    def identities(self, obj: "RemoteObject", name: str):
        """id() of each element of obj.<name> (or of the attribute itself), read in the worker."""
        return self._request("identities", f"{obj._label}.{name}", target=obj, name=name)

    # -- the exchange ------------------------------------------------------------
    def _request(self, op: str, label: str, **fields):
        recording = _RECORDING.get()
        if recording is not None and op in ("getattr", "call", "callmethod"):
            return recording.add(self, op, label, fields)
        if op == "load":  # a fresh module: every handle and cached lookup is void
            self._callables.clear()
            self._methods.clear()
        encoder = Encoder(_ref_of)
        encoded = {key: encoder.encode(value) for key, value in fields.items()}
        try:
            header, blobs = unpack(self._channel.exchange(pack({"op": op, **encoded}, encoder.blobs)))
            if "error" in header:
                raise self._error(header["error"], op, label, fields)
            if set(header) != {"value"}:
                raise ProtocolError("answer has neither value nor error")
            return Decoder(blobs, lambda ref: RemoteObject(self, ref, label)).decode(header["value"])

        except ProtocolError as exc:
            raise WorkerLost(text("grade.invalid_answer", label=label, problem=exc)) from None
        except WorkerLost as exc:
            raise WorkerLost(f"{label}: {exc}") from None

    def _program(self, first: int, steps: list, results: list[int]) -> list:
        """Run recorded steps first.. in the worker; the values of the steps in `results`."""
        encoder = Encoder(_ref_of)
        encoded = [encoder.encode({"op": op, **fields}) for op, _, fields in steps]
        label = steps[0][1] if steps else "program"
        try:
            message = pack({"op": "program", "first": first, "steps": encoded, "results": results}, encoder.blobs)
            header, blobs = unpack(self._channel.exchange(message))
            if "error" in header:
                error = header["error"]
                step = error.get("step") if isinstance(error, dict) else None
                if type(step) is int and first <= step < first + len(steps):
                    op, label, fields = steps[step - first]
                    raise self._error(error, op, label, fields)
                raise self._error(error, "program", label, {})
            if set(header) != {"value"}:
                raise ProtocolError("answer has neither value nor error")
            values = Decoder(blobs, lambda ref: RemoteObject(self, ref, label)).decode(header["value"])
            if type(values) is not list or len(values) != len(results):
                raise ProtocolError("a program's answer has the wrong number of values")
            return values
        except ProtocolError as exc:
            raise WorkerLost(text("grade.invalid_answer", label=label, problem=exc)) from None
        except WorkerLost as exc:
            raise WorkerLost(f"{label}: {exc}") from None

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
        if error.get("missing") is True and op in ("getattr", "identities"):
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
            return RemoteMethod(self, name, label)  # known to be a method: call it in one round trip
        value = student._request("getattr", label, target=self, name=name)
        if isinstance(value, RemoteObject) and value._ref.type == "method":
            student._methods.add((self._ref.type, name))
        return value

    def __setattr__(self, name: str, value) -> None:
        self._student._methods.discard((self._ref.type, name))
        self._student._request("setattr", f"{self._label}.{name}", target=self, name=name, value=value)

    def __call__(self, *args, **kwargs):
        return self._student._request("call", self._label, target=self, args=list(args), kwargs=kwargs)

    def __repr__(self) -> str:
        return f"<student {self._ref.type} {self._label}>"


class RemoteMethod:
    """obj.name, already known to be a method: calling it is one request (getattr and call in the worker)."""

    __slots__ = ("_owner", "_name", "_label")
    remote_type = "method"

    def __init__(self, owner: RemoteObject, name: str, label: str):
        self._owner, self._name, self._label = owner, name, label

    def __call__(self, *args, **kwargs):
        return self._owner._student._request("callmethod", self._label, target=self._owner, name=self._name,
                                             args=list(args), kwargs=kwargs)

    def __repr__(self) -> str:
        return f"<student method {self._label}>"


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
        self.student = student
        self.steps.append((op, label, fields))
        return Pending(student, len(self.steps) - 1, label)


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
    if isinstance(value, RemoteObject):
        return {"$ref": value._ref.id}
    if isinstance(value, Pending):
        return {"$ref": -1 - value._step}
    raise ProtocolError(f"cannot send a {type(value).__name__} to the worker")


def _text(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""
