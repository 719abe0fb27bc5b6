"""The `student` object a hidden test receives: a proxy for the student's module.

Student code runs in a worker (autograder.sandbox); this module turns attribute
reads, calls and attribute writes on the trusted side into requests, and the
answers back into plain values or further proxies. What a test gets back is
always a fresh plain value (ndarray, number, str, list, ...), so an object with
a fake __eq__ or an ndarray subclass can never reach a comparison.
"""

from __future__ import annotations

import copy
import time
from typing import Protocol


from . import fault, untrusted
from .messages import text
from .reference_calls import FORGIVEN_SECONDS, REFERENCE_LEG_SECONDS, ReferenceCalls
from .round_trips import _RECORDING, PROGRAM_OPS, CallKnowledge, Deferred, ModuleName, Pending, RemoteMethod, _snapshot
from .sandbox.protocol import DECODING_ERRORS, Decoder, Encoder, ProtocolError, Ref, pack, unpack

# Whatever an answer's bytes make the trusted side raise while it is read: a bad answer, and the
# worker that sent it is replaced (WorkerLost), so that the next test starts on a fresh one.
BAD_ANSWER = (ProtocolError, *DECODING_ERRORS)


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
        A channel whose `extends` is true also takes `later`: () -> seconds, asked
        once when `seconds` pass without an answer, for the request's whole limit.
        """


class Student:
    """The student's module, seen from the trusted side."""

    def __init__(self, channel: Channel, filename: str, knowledge: CallKnowledge | None = None,
                 call_seconds: float | None = None, references: ReferenceCalls | None = None):
        """call_seconds: each request's time limit, where it is not the channel's own.

        references: the earlier units this test supplies, answered on the trusted side
        when the student's code calls them (none: any such call is a bad answer).
        """
        object.__setattr__(self, "_channel", channel)
        object.__setattr__(self, "_references", references or ReferenceCalls())
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

    # -- what the grader uses -----------------------------------------------------
    def load(self, module: str, files: dict, references: dict | None = None, seconds: float | None = None) -> None:
        """Import the student's files afresh in the worker, as `module`: every handle of before is void.

        files: {file name: its bytes as a uint8 ndarray}; references: the stubs of
        earlier units (ReferenceCalls.stubs()); seconds: the import's time limit
        (None: this proxy's call_seconds). Raises StudentError when the import
        fails, WorkerLost when it does not finish.
        """
        fields = {"module": module, "files": files}
        if references is not None:
            fields["references"] = references
        self._request("load", f"importing {self._filename}", seconds=seconds, **fields)

    def finish(self) -> None:
        """The test is over: constructor calls still waiting (Deferred) run now, as the test wrote them."""
        self._send_unsent()

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
            header, blobs = unpack(self._exchange(pack({"op": op, **encoded}, encoder.blobs),
                                                  self._call_seconds if seconds is None else seconds, label))
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

        except BAD_ANSWER as exc:
            raise WorkerLost(_invalid_answer(label, exc)) from None
        except WorkerLost as exc:
            raise WorkerLost(f"{label}: {exc}", exc.timed_out) from None

    def _exchange(self, message: bytes, seconds, label: str = "") -> bytes:
        """channel.exchange, answering the reference calls the worker makes before its answer comes.

        seconds: the call's time limit (None: the channel's); a CallLimit (call_limits.py) waits its
        first seconds, then, if the worker is still busy, asks for the whole
        limit of a request named `label` (measured from the reference solution)
        and waits up to that.
        The call's time limit covers the worker's time only: each leg of the
        exchange gets what the earlier legs left (each leg after a reference call is
        forgiven up to REFERENCE_LEG_SECONDS, FORGIVEN_SECONDS in all), and the grader's time computing the
        reference (between legs) has its own budget (reference_calls.py).
        """
        references = self._references
        policy = seconds if hasattr(seconds, "whole") else None  # a CallLimit
        if policy is not None and not getattr(self._channel, "extends", False):
            policy, seconds = None, seconds.most  # a channel that cannot wait longer: the most a call gets
        if policy is not None:
            seconds = limit = policy.current(label)
        else:
            limit = seconds if seconds is not None else getattr(self._channel, "call_seconds", None)
        references.begin(policy.most if policy is not None else limit)
        serving = getattr(self._channel, "serving", None)
        if serving is not None:  # no process boundary: the worker calls the reference directly
            with serving(references.answer):
                return self._channel.exchange(message, seconds)
        used, legs, forgiven = 0.0, 0, 0.0
        while True:
            forgivable = min(REFERENCE_LEG_SECONDS, FORGIVEN_SECONDS - forgiven) if legs else 0.0
            started, measuring = time.monotonic(), [0.0]
            longer = {}
            if policy is not None and not policy.measured():  # past the first wait: the whole limit, less what's used

                def later(used=used, measuring=measuring, forgivable=forgivable):
                    """The leg's whole limit, plus the grader's time measuring the reference: not the student's."""
                    begun = time.monotonic()
                    whole = policy.whole(label)
                    measuring[0] = time.monotonic() - begun
                    return whole - used + forgivable + measuring[0]

                longer["later"] = later
            try:
                body = self._channel.exchange(message, seconds if limit is None else max(limit - used, 0.001) + forgivable,
                                              **longer)
            except WorkerLost as exc:
                if policy is not None:
                    limit = policy.current(label)
                if exc.timed_out and (legs or policy is not None):  # the call's limit, not what a leg had left
                    raise WorkerLost(text("grade.call_timeout", seconds=f"{limit:g}"), timed_out=True) from None
                raise
            if policy is not None:
                limit = policy.current(label)
            leg = time.monotonic() - started - measuring[0]
            forgiven += min(leg, forgivable)  # the reference call's own cost in the worker, not the student's
            used += leg - min(leg, forgivable)
            if not references.is_call(body):
                return body
            legs += 1
            message = references.answer(body)

    def _defer(self, op: str, label: str, fields: dict, type_name: str) -> "Deferred":
        """A constructor call, kept until a request needs the instance (or the test ends)."""
        instance = Deferred(self, type_name, label)
        self._unsent.append((op, label, _snapshot(fields), instance))
        return instance

    def _defer_step(self, op: str, label: str, fields: dict) -> None:
        """A request on a Deferred instance (setting an attribute), kept to go with its constructor."""
        self._unsent.append((op, label, _snapshot(fields), None))

    def _send_unsent(self, then: tuple | None = None):
        """Send the waiting constructor calls, with `then` (op, label, fields) after them; then's value."""
        unsent = self._unsent
        if not unsent and then is None:
            return None
        object.__setattr__(self, "_unsent", [])
        for step, (*_, instance) in enumerate(unsent):
            if instance is not None:
                instance._step = step
        steps = [(op, label, fields) for op, label, fields, _ in unsent] + ([then] if then else [])
        labels = [label for op, label, _ in steps if op != "setattr"] or [steps[-1][1]]  # what the test called
        label = labels[0] if len(labels) == 1 else text("grade.then", first=", ".join(labels[:-1]), last=labels[-1])
        try:
            values = self._program(0, steps, list(range(len(steps))), label)
        except (StudentError, WorkerLost) as exc:
            for *_, instance in unsent:
                if instance is not None:
                    instance._failure = exc
            raise
        for (*_, instance), value in zip(unsent, values):
            if instance is not None:
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
            header, blobs = unpack(self._exchange(message, self._call_seconds, label))
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
        except BAD_ANSWER as exc:
            raise WorkerLost(_invalid_answer(label, exc)) from None
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
        """The StudentError an error answer stands for; its text crosses autograder.untrusted here.

        Hidden tests run student code on hidden inputs, which the student's own message may
        print: in the answer to anything but an import (which sees no hidden input) the
        message and the exception's type keep their words but lose their numbers; `where`,
        the student's own line of code, stays whole.
        """
        if not isinstance(error, dict):
            raise ProtocolError("malformed error")
        kind = untrusted.type_name(_text(error.get("type")))
        message = untrusted.message(_text(error.get("message")))
        where = untrusted.where(_text(error.get("where")))
        place = f" ({where})" if where else ""
        importing = untrusted.name(_text(error.get("importing")))
        if op != "load":  # whatever the answer claims
            kind, message, importing = map(untrusted.without_numbers, (kind, message, importing))
        if kind == "SystemExit":
            message = text("worker.sys_exit", code=message)
        elif error.get("unshowable") is True:
            message = text("worker.unshowable")
        if importing:
            return StudentError(text("grade.import_failed", importing=importing, kind=kind, message=message, place=place))
        if "engine" in error:  # our code in the worker raised it, not the student's (fault.raised_by_worker)
            ours = untrusted.where(_text(error.get("engine")))
            return fault.EngineFault(kind, f"{kind}: {message} ({ours})")
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


MUTATING_OPS = ("call", "callmethod", "program")  # requests that may call student code with arguments
MAX_MUTATED = 256

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


def _holds_remote(value) -> bool:
    """Whether a decoded value holds a handle (then it is not plain data to send back with answers)."""
    if isinstance(value, (list, tuple)):
        return any(_holds_remote(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_remote(v) for v in value.values())
    return isinstance(value, (RemoteObject, RemoteMethod, ModuleName, Deferred, Pending))


def _plain_state(node, blobs: list[bytes]) -> dict:
    """An answer's "state": {attribute name: plain value}; a handle in it makes the answer invalid."""
    if type(node) is not dict or not all(type(k) is str and len(k) <= untrusted.TYPE_CHARS for k in node):
        raise ProtocolError("malformed state")

    def no_handles(ref):
        raise ProtocolError("state may hold plain data only")

    decoder = Decoder(blobs, no_handles)
    return {name: decoder.decode(value) for name, value in node.items()}


def _text(value) -> str:
    """A field of an error answer: a string, or nothing."""
    return value if isinstance(value, str) else ""


def _invalid_answer(label: str, exc: BaseException) -> str:
    problem = str(exc) if isinstance(exc, ProtocolError) else type(exc).__name__
    return text("grade.invalid_answer", label=label, problem=untrusted.clean(problem, 200, lines=False))
