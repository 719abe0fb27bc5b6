"""Stand-ins for earlier units, whose calls the grader answers: reference code never enters the worker.

While a unit that builds on an earlier one is tested (manifest `uses_reference`:
TimeRNN on RNN), the student's module gets, in place of the earlier unit, a
stub made here from nothing but names: a function that sends its arguments to
the grader and returns the value that comes back, or a class whose instances
stand for objects the grader builds and keeps (autograder/reference_calls.py).
A call to a stub is a message to the grader in the middle of a request; the
worker waits for the answer, then goes on with the student's code.

An instance mirrors the plain data of its counterpart (params, grads, cache, dW,
...): before a method call the stub sends its attributes along (the student may
have changed them), after it the grader sends them back, with links that keep
every array the student already holds the same object (sandbox/sharing.py).
Both ways an array that is the same object on both sides is written into, not
replaced: what the student's `param -= lr * grad` changes reaches the arrays
the grader's object shares with its parts (a model's layers), and what the
grader writes into `grads` reaches the list and arrays the student holds.

Everything here runs next to student code: nothing here is trusted, and nothing
here knows how a reference unit computes.
"""

from __future__ import annotations

import builtins
import types
import weakref
from typing import Callable

import numpy as np

from ..fault import for_student
from .protocol import Decoder, ProtocolError, pack, unpack
from .sharing import Rebuilder, SharedEncoder, fingerprint, index, read_links, resolve


class Transport:
    """Reference calls from the worker to the grader, and the handles of the objects the grader keeps."""

    def __init__(self):
        # message -> the answer's body; set by the serving loop (worker.serve) or an in-process channel
        self.send: Callable[[bytes], bytes] | None = None
        self.handles: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.pending: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # stub -> (unit, args, kwargs)
        # stub -> {attribute: fingerprint} of what the grader's object holds too: not sent again
        self.agreed: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        # stub -> {attribute: (paths, keep)}: the arrays and lists that are the same objects on the grader's
        # side, by identity when last agreed on ({id: ("h", name, ...)}, the objects kept alive for their ids)
        self.shared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.released: list[int] = []  # handles of stubs gone since the last call, sent with the next
        self.generation = 0

    def reset(self) -> None:
        """A fresh module: the grader starts a fresh set of objects, so old handles mean nothing."""
        self.generation += 1
        self.handles = weakref.WeakKeyDictionary()
        self.pending = weakref.WeakKeyDictionary()
        self.agreed = weakref.WeakKeyDictionary()
        self.shared = weakref.WeakKeyDictionary()
        self.released = []

    # -- what the stubs do --------------------------------------------------------
    def new(self, stub, unit: str, args: tuple, kwargs: dict) -> None:
        """`RNN(Wx, Wh, b)`: the object is built on the grader's side with the first call that needs it.

        That is the first method call (one message: build, then call), or the first
        read of an attribute the stub lacks (`layer.params` before any call; see
        resolve). The arguments are read then, as an object keeping them would.
        """
        self.pending[stub] = (unit, args, kwargs)

    def resolve(self, stub) -> bool:
        """Build the object of a stub still waiting for its first call; whether there was one."""
        pending = self.pending.pop(stub, None)
        if pending is None:
            return False
        unit, args, kwargs = pending
        try:
            answer, rebuilder, decoder = self._call({"refcall": "new", "unit": unit}, unit, args, kwargs, None)
        except _Raised as raised:
            self.pending[stub] = pending
            raise raised.exception from None
        except BaseException:
            self.pending[stub] = pending
            raise
        self._built(stub, answer, rebuilder, decoder)
        return True

    def method(self, stub, unit: str, name: str, args: tuple, kwargs: dict):
        handle, pending = self.handles.get(stub), self.pending.pop(stub, None)
        if handle is None and pending is None:  # a copy (copy.copy, pickle) or a stub of an earlier module
            self._complain("copied", f"{unit}.{name}", "", type(stub).__name__)
        header = {"refcall": "method", "handle": handle, "name": name}
        try:
            answer, rebuilder, decoder = self._call(header, f"{unit}.{name}", args, kwargs, stub, pending)
        except _Raised as raised:  # the constructor or the method raised on the grader's side
            if pending is not None:
                if type(raised.handle) is int:
                    self._register(stub, raised.handle)
                else:
                    self.pending[stub] = pending
            raise raised.exception from None
        except BaseException:
            if pending is not None:
                self.pending[stub] = pending
            raise
        value = rebuilder.value(decoder.decode(answer.get("value")), ("r",))  # first: the links' order
        if pending is not None:
            self._built(stub, answer, rebuilder, decoder)
        else:
            self._mirror(stub, answer, rebuilder, decoder)
        return value

    def _built(self, stub, answer: dict, rebuilder: Rebuilder, decoder: Decoder) -> None:
        handle = answer.get("handle")
        if type(handle) is not int:
            raise ProtocolError("the grader sent no handle")
        self._register(stub, handle)
        self._mirror(stub, answer, rebuilder, decoder)

    def _register(self, stub, handle: int) -> None:
        self.handles[stub] = handle
        self.agreed[stub] = {}
        self.shared[stub] = {}
        weakref.finalize(stub, self._release, self.generation, handle)

    def function(self, unit: str, args: tuple, kwargs: dict):
        try:
            answer, rebuilder, decoder = self._call({"refcall": "function", "unit": unit}, unit, args, kwargs, None)
        except _Raised as raised:
            raise raised.exception from None
        return rebuilder.value(decoder.decode(answer.get("value")), ("r",))

    # -- the exchange ---------------------------------------------------------------
    def _call(self, header: dict, label: str, args: tuple, kwargs: dict, stub, pending=None):
        """Send one reference call; (answer, rebuilder, decoder). pending: (unit, args, kwargs) to build first."""
        shared = self.shared.setdefault(stub, {}) if stub is not None and pending is None else {}
        encoder = SharedEncoder(_held_paths(shared))  # what the grader's object holds: linked to, written into
        roots, indexed = {}, {}
        if pending is not None:
            unit, new_args, new_kwargs = pending
            header["unit"] = unit
            header["new_args"] = [self._argument(encoder, roots, ("n", i), value, unit)
                                  for i, value in enumerate(new_args)]
            header["new_kwargs"] = {key: self._argument(encoder, roots, ("m", key), value, unit)
                                    for key, value in new_kwargs.items()}
        header["args"] = [self._argument(encoder, roots, ("p", i), value, label) for i, value in enumerate(args)]
        header["kwargs"] = {key: self._argument(encoder, roots, ("k", key), value, label)
                            for key, value in kwargs.items()}
        if stub is not None:
            state, agreed, namespace = {}, self.agreed.setdefault(stub, {}), vars(stub)
            deleted = [name for name in agreed if name not in namespace]
            if deleted:  # the student deleted them: the grader's object loses them too
                header["deleted"] = deleted
                for name in deleted:
                    del agreed[name]
                    shared.pop(name, None)
            for name, value in list(namespace.items()):
                if type(name) is str and not name.startswith("_"):
                    roots[("s", name)] = value
                    mark = fingerprint(value)
                    if agreed.get(name) == mark:
                        continue  # the grader's object holds the same: links may still name it
                    try:
                        state[name] = encoder.encode(value, ("s", name))
                        agreed[name] = mark
                        indexed[name] = _index(value, name)
                    except ProtocolError:
                        del roots[("s", name)]  # not plain data (the student hung an object on it): stays here
            header["state"] = state
        header["links"] = encoder.links
        try:
            answer, blobs = self._exchange(header, encoder.blobs)
        except BaseException as exc:
            if stub is not None:  # the grader may not have taken the state: send all of it next time
                self.agreed[stub] = {}
            if isinstance(exc, _Raised):  # it took the state, then the reference raised
                shared.update(indexed)
            raise
        shared.update(indexed)  # what the grader's object holds now, by identity: only once it got the message
        rebuilder = Rebuilder(read_links(answer.get("links"), check=False),  # the grader's links: no need to check
                              lambda path: resolve(roots, path), strict=False)
        return answer, rebuilder, Decoder(blobs, _no_handles)

    def _argument(self, encoder: SharedEncoder, roots: dict, path: tuple, value, label: str):
        try:
            node = encoder.encode(_plain(value), path)
        except ProtocolError:
            self._complain("not_plain", label, "", type(value).__name__)
        roots[path] = value
        return node

    def _complain(self, about: str, label: str, name: str, kind: str):
        """Let the grader phrase the error (in the course's language); raises what it answers."""
        try:
            self._exchange({"refcall": "complain", "about": about, "unit": label, "name": name, "kind": kind[:100]}, [])
        except _Raised as raised:
            raise raised.exception from None
        raise ProtocolError("the grader accepted a complaint")

    def _exchange(self, header: dict, blobs: list[bytes]) -> tuple[dict, list[bytes]]:
        if self.send is None:
            raise for_student(RuntimeError("reference units can only be called while the grader runs a test"))
        header["release"], self.released = self.released, []
        answer, answer_blobs = unpack(self.send(pack(header, blobs)))
        if "error" in answer:
            raise _Raised(_exception(answer["error"]), answer.get("handle"))
        return answer, answer_blobs

    def _mirror(self, stub, answer: dict, rebuilder: Rebuilder, decoder: Decoder) -> None:
        """Take the attributes the grader sent (those that changed) onto the stub."""
        state = answer.get("state") or {}
        namespace, agreed = vars(stub), self.agreed.setdefault(stub, {})
        shared = self.shared.setdefault(stub, {})
        for name, node in state.items():
            namespace[name] = value = rebuilder.value(decoder.decode(node), ("a", name))
            agreed[name] = fingerprint(value)
            shared[name] = _index(value, name)

    def _release(self, generation: int, handle: int) -> None:
        if generation == self.generation:
            self.released.append(handle)


def install(module: types.ModuleType, units: dict, transport: Transport) -> None:
    """Put a stub for each of `units` ({name: {"kind": "class", "methods": [...]} or {"kind": "function"}})
    into the student's module, in place of the student's own definition."""
    transport.reset()
    for name, spec in units.items():
        if spec.get("kind") == "class":
            stub = _stub_class(name, list(spec.get("methods", [])), transport)
        else:
            stub = _stub_function(name, transport)
        stub.__module__ = module.__name__
        setattr(module, name, stub)


def _stub_class(unit: str, methods: list[str], transport: Transport) -> type:
    def __init__(self, *args, **kwargs):
        transport.new(self, unit, args, kwargs)

    def __getattr__(self, name):  # only for names the instance lacks: params before the first call
        if not name.startswith("__") and transport.resolve(self):
            return getattr(self, name)
        raise for_student(AttributeError(f"'{unit}' object has no attribute '{name}'"))

    namespace = {"__init__": __init__, "__getattr__": __getattr__,
                 "__doc__": f"{unit}, computed by the grader: the reference takes the place of yours in this test."}
    for name in methods:
        namespace[name] = _stub_method(unit, name, transport)
    return type(unit, (), namespace)


def _stub_method(unit: str, name: str, transport: Transport):
    def method(self, *args, **kwargs):
        return transport.method(self, unit, name, args, kwargs)

    method.__name__, method.__qualname__ = name, f"{unit}.{name}"
    return method


def _stub_function(unit: str, transport: Transport):
    def function(*args, **kwargs):
        return transport.function(unit, args, kwargs)

    function.__name__ = function.__qualname__ = unit
    function.__doc__ = f"{unit}, computed by the grader: the reference takes the place of yours in this test."
    return function


def _index(value, name: str) -> tuple[dict, list]:
    """({id: ("h", name, ...)} of every array, list and dict inside an attribute's value, the objects kept)."""
    paths, keep = {}, []
    index(value, ("h", name), paths, keep)
    return paths, keep


def _held_paths(shared: dict) -> dict:
    """The paths of everything a stub's attributes share with the grader's object, by id (the first path wins)."""
    paths = {}
    for name_paths, _ in shared.values():
        for key, path in name_paths.items():
            paths.setdefault(key, path)
    return paths


def _plain(value):
    """value, with arrays of strings turned into lists (the protocol carries numeric arrays only)."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "USO":
        return value.tolist()
    if type(value) in (list, tuple) and any(isinstance(v, np.ndarray) and v.dtype.kind in "USO" for v in value):
        return type(value)(_plain(v) for v in value)
    return value


class _Raised(Exception):
    """The grader answered with an error: `exception` to raise in the student's code; `handle` of an
    object it built before the error (a constructor that ran, a method that raised), if any."""

    def __init__(self, exception: Exception, handle):
        super().__init__(exception)
        self.exception, self.handle = exception, handle


def _no_handles(ref):
    raise ProtocolError("a reference call's answer holds plain data only")


def _exception(error) -> Exception:
    """The exception the grader's answer describes (a builtin exception type, else RuntimeError),
    raised at the student's code: the reference's error for the student's arguments is the student's."""
    if not isinstance(error, dict):
        return ProtocolError("malformed answer to a reference call")
    message = str(error.get("message", ""))
    kind = getattr(builtins, str(error.get("type", "")), None)
    if not (isinstance(kind, type) and issubclass(kind, Exception)):
        kind = RuntimeError
    try:
        return for_student(kind(message))
    except Exception:
        return for_student(RuntimeError(message))
