"""The trusted side of reference calls: earlier units computed here, for a student's stub in the worker.

How it works and why: docs/reference-calls.md (The trusted side).
"""

from __future__ import annotations

import itertools
import time
import types

import numpy as np

from .messages import text
from .sandbox.protocol import Decoder, ProtocolError, pack, unpack
from .sandbox.sharing import (Rebuilder, SharedEncoder, fingerprint, held_targets, index, module_data, never_plain,
                              read_links)

PREFIX = b'{"refcall":'  # how a reference call's header begins (protocol.pack keeps the key order)
MAX_CALLS = 5_000  # reference calls in one request: 07's fit(300 epochs) makes 300, a numerical gradient 16 T
# Of each leg of a request that follows a reference call, up to this much is the call's own cost in
# the worker (decoding the answer, writing arrays back, encoding the next call) and the wake-ups
# of a busy machine, not the student's time: the reference's time that sets a call's limit is
# measured in-process, where a reference call costs none of it. 08's training makes a hundred
# calls a request; at load 15 on two cores each leg takes milliseconds of nothing but that.
REFERENCE_LEG_SECONDS = 0.02
# What a request's legs are forgiven in all: a worker that calls the reference without end
# gains at most this much before its time counts again.
FORGIVEN_SECONDS = 5.0
MAX_OBJECTS = 20_000  # reference objects alive at once, in one test
MAX_HELD_BYTES = 256 * 1024 * 1024  # the plain data those objects hold
MAX_CALL_BYTES = 16 * 1024 * 1024  # one reference call's message
MAX_ARGUMENTS = 64  # positional plus keyword arguments of one call; attributes sent with it
MAX_RELEASES = MAX_OBJECTS

_KEYS = {
    "new": {"refcall", "unit", "args", "kwargs", "links", "release"},
    "method": {"refcall", "handle", "name", "args", "kwargs", "state", "deleted", "links", "release",
               "unit", "new_args", "new_kwargs"},
    "function": {"refcall", "unit", "args", "kwargs", "links", "release"},
    "complain": {"refcall", "about", "unit", "name", "kind", "release"},
}


class ReferenceCalls:
    """The reference units of one test, the objects the worker's stubs stand for, and the limits."""

    def __init__(self, module: types.ModuleType | None = None, names: tuple[str, ...] = ()):
        """names: the units of `module` (reference classes or functions) the worker may call.

        Raises LookupError for a name that is neither a class nor a function of module.
        """
        self.units: dict[str, object] = {}
        self.methods: dict[str, dict[str, types.FunctionType]] = {}  # class name -> public methods
        for name in names:
            unit = getattr(module, name, None)
            if isinstance(unit, type):
                self.methods[name] = _public_methods(unit)
            elif not isinstance(unit, types.FunctionType):
                raise LookupError(name)
            self.units[name] = unit
        self.objects: dict[int, list] = {}  # handle -> [unit name, object, bytes of its plain data]
        self._fixed = module_data(module)
        self.held = 0
        self._handles = itertools.count(1)
        self.begin(None)

    def stubs(self) -> dict:
        """What the worker needs to make the stubs: names only, never code."""
        return {name: {"kind": "class", "methods": sorted(self.methods[name])} if name in self.methods
                else {"kind": "function"} for name in self.units}

    def begin(self, seconds: float | None) -> None:
        """A new request, whose reference calls may take `seconds` of the grader's time (None: no limit)."""
        self.calls, self.spent, self.budget, self.refused = 0, 0.0, seconds, False

    @staticmethod
    def is_call(body: bytes) -> bool:
        """Whether a message body from the worker is a reference call (else it is the request's answer)."""
        return body[4:4 + len(PREFIX)] == PREFIX

    def answer(self, body: bytes) -> bytes:
        """The message that answers one reference call; ProtocolError if the call is malformed."""
        started = time.monotonic()
        try:
            if len(body) > MAX_CALL_BYTES:
                raise ProtocolError("a reference call larger than 16 MiB")
            try:
                header, blobs = unpack(body)
            except RecursionError:  # a header nested deeper than json can read
                raise ProtocolError("a reference call nested too deeply") from None
            kind = header.get("refcall")
            if type(kind) is not str or kind not in _KEYS or not set(header) <= _KEYS[kind]:
                raise ProtocolError("malformed reference call")
            if self.refused:
                raise ProtocolError("a reference call after the grader refused one")
            self._release(header.get("release"))
            self.calls += 1
            if self.calls > MAX_CALLS:
                return self._refuse(text("grade.reference_limits.calls", count=MAX_CALLS))
            if self.budget is not None and self.spent > self.budget:
                return self._refuse(text("grade.reference_limits.seconds", seconds=f"{self.budget:g}"))
            return getattr(self, "_" + kind)(header, blobs)
        except ProtocolError:
            raise
        except Exception as exc:  # whatever else the worker's values trip over here (reference code's own
            # exceptions are answered as errors): the call is unusable, a bad answer like any malformed one
            raise ProtocolError(f"an unusable reference call ({type(exc).__name__})") from None
        finally:
            self.spent += time.monotonic() - started

    # -- the four calls -------------------------------------------------------------
    def _new(self, header: dict, blobs: list[bytes]) -> bytes:
        unit = header.get("unit")
        if type(unit) is not str or unit not in self.methods:
            raise ProtocolError("no reference class by that name")
        if len(self.objects) >= MAX_OBJECTS:
            return self._refuse(text("grade.reference_limits.objects", count=MAX_OBJECTS))
        decoder, rebuilder, args, kwargs = _arguments(header, blobs)
        known = _known(args, kwargs, {})
        try:
            obj = _quietly(self.units[unit], *args, **kwargs)
        except Exception as exc:
            return _raised(exc, unit)
        handle = next(self._handles)
        self.objects[handle] = [unit, obj, 0, {}]
        return self._answer(None, handle, known, unit, new=True)

    def _method(self, header: dict, blobs: list[bytes]) -> bytes:
        handle, name, building = header.get("handle"), header.get("name"), None
        if handle is None and "unit" in header:  # build the object first, then call (reference_stubs.Transport.new)
            building = header.get("unit")
            if type(building) is not str or building not in self.methods:
                raise ProtocolError("no reference class by that name")
            unit = building
        else:
            entry = self.objects.get(handle) if type(handle) is int else None
            if entry is None or "unit" in header or "new_args" in header or "new_kwargs" in header:
                raise ProtocolError("a reference call names an object the grader does not hold")
            unit = entry[0]
        method = self.methods[unit].get(name) if type(name) is str else None
        if method is None:
            raise ProtocolError(f"{unit} has no public method by that name")
        # the stub's links may name the object's own arrays ("h"): its in-place changes are written into them
        old = None if building is not None else held_targets({key: value for key, value in _public(entry[1]).items()
                                                      if key in entry[3]}, self._fixed)
        decoder, rebuilder, args, kwargs = _arguments(header, blobs, old=old)
        if building is not None:
            if len(self.objects) >= MAX_OBJECTS:
                return self._refuse(text("grade.reference_limits.objects", count=MAX_OBJECTS))
            new_args, new_kwargs = _arguments(header, blobs, ("new_args", "new_kwargs", "n", "m"),
                                              decoder, rebuilder)[2:]
            try:
                built = _quietly(self.units[unit], *new_args, **new_kwargs)
            except Exception as exc:
                return _raised(exc, unit)
            handle = next(self._handles)
            self.objects[handle] = entry = [unit, built, 0, {}]
        obj, agreed = entry[1], entry[3]
        state = header.get("state", {})
        if type(state) is not dict or len(state) > MAX_ARGUMENTS:
            raise ProtocolError("malformed state in a reference call")
        deleted = header.get("deleted", [])
        if type(deleted) is not list or len(deleted) > MAX_ARGUMENTS:
            raise ProtocolError("malformed deleted attributes in a reference call")
        for key in [*state, *deleted]:
            if not _settable(type(obj), key):
                raise ProtocolError("a reference call sets an attribute it may not set")
        for key in deleted:  # the student deleted them from the stub
            vars(obj).pop(key, None)
            agreed.pop(key, None)
        values = {key: rebuilder.value(decoder.decode(node), ("s", key)) for key, node in state.items()}
        for key, value in values.items():
            object.__setattr__(obj, key, value)
            agreed[key] = fingerprint(value)
        held = {key: value for key, value in _public(obj).items() if key in agreed}  # what the stub holds too
        known = _known(args, kwargs, held)
        if building is not None:
            _known(new_args, new_kwargs, {}, ("n", "m"), known)
        try:
            value = _quietly(method, obj, *args, **kwargs)
        except Exception as exc:
            return _raised(exc, f"{unit}.{name}", handle if building is not None else None)
        return self._answer(value, handle, known, f"{unit}.{name}", new=building is not None)

    def _function(self, header: dict, blobs: list[bytes]) -> bytes:
        unit = header.get("unit")
        if type(unit) is not str or unit not in self.units or unit in self.methods:
            raise ProtocolError("no reference function by that name")
        decoder, rebuilder, args, kwargs = _arguments(header, blobs)
        known = _known(args, kwargs, {})
        try:
            value = _quietly(self.units[unit], *args, **kwargs)
        except Exception as exc:
            return _raised(exc, unit)
        return self._answer(value, None, known, unit)

    def _complain(self, header: dict, blobs: list[bytes]) -> bytes:
        about, label, kind = header.get("about"), header.get("unit"), header.get("kind")
        unit, _, method = label.partition(".") if type(label) is str else ("", "", "")
        known = unit in self.units and (not method or method in self.methods.get(unit, {}))
        if about not in ("not_plain", "copied") or not known or type(kind) is not str or len(kind) > 100:
            raise ProtocolError("malformed complaint")
        return _error("TypeError", text(f"grade.reference_{about}", unit=label, kind=kind))

    # -- answers ----------------------------------------------------------------------
    def _answer(self, value, handle: int | None, known: dict, label: str, new: bool = False) -> bytes:
        encoder = SharedEncoder(known["paths"], known["contents"])
        header: dict = {}
        try:
            header["value"] = encoder.encode(value, ("r",))
        except ProtocolError:
            return _raised(TypeError(f"returned a {type(value).__name__}, which is not plain data"), label,
                           handle if new else None)
        if handle is not None:
            entry = self.objects[handle]
            agreed, state, size = entry[3], {}, 0
            for key, attribute in _public(entry[1]).items():
                size += _nbytes(attribute)
                if never_plain(attribute):
                    continue  # not plain data (a model's layers): it stays on the trusted side
                mark = fingerprint(attribute)
                if agreed.get(key) == mark:
                    continue  # the stub holds the same already
                try:
                    state[key] = encoder.encode(attribute, ("a", key))
                    agreed[key] = mark
                except ProtocolError:
                    pass  # not plain data: it stays on the trusted side
            self.held += size - entry[2]
            entry[2] = size
            if self.held > MAX_HELD_BYTES:
                agreed.clear()  # nothing of this answer reaches the stub
                if new:  # nor its handle: the object is gone
                    self.held -= self.objects.pop(handle)[2]
                return self._refuse(text("grade.reference_limits.bytes", mib=MAX_HELD_BYTES >> 20))
            header["state"] = state
            if new:
                header["handle"] = handle
        header["links"] = encoder.links
        return pack(header, encoder.blobs)

    def _refuse(self, limit: str) -> bytes:
        self.refused = True
        return _error("RuntimeError", text("grade.reference_limit", limit=limit))

    def _release(self, node) -> None:
        if node is None:
            return
        if type(node) is not list or len(node) > MAX_RELEASES or not all(type(h) is int for h in node):
            raise ProtocolError("malformed release list")
        for handle in node:
            entry = self.objects.pop(handle, None)
            if entry is not None:
                self.held -= entry[2]


def _public(obj) -> dict:
    """obj's instance attributes whose names do not start with _ (at most 4 * MAX_ARGUMENTS of them)."""
    names = [key for key in vars(obj) if type(key) is str and not key.startswith("_")][:4 * MAX_ARGUMENTS]
    return {key: vars(obj)[key] for key in names}


def _nbytes(value, depth: int = 0) -> int:
    """The bytes of the arrays inside value (what a reference object keeps, for MAX_HELD_BYTES)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if depth < 32 and type(value) in (list, tuple, dict):
        total = 0
        for item in (value.values() if type(value) is dict else value):
            total += item.nbytes if isinstance(item, np.ndarray) else _nbytes(item, depth + 1)
        return total
    return 0


def _public_methods(cls: type) -> dict[str, types.FunctionType]:
    """The plain functions a class defines or inherits (object's aside) whose names do not start with _."""
    methods = {}
    for klass in reversed(cls.__mro__[:-1]):
        for name, attribute in vars(klass).items():
            if not name.startswith("_") and isinstance(attribute, types.FunctionType):
                methods[name] = attribute
            elif name in methods:
                del methods[name]  # overridden by something that is not a plain method
    return methods


def _settable(cls: type, key) -> bool:
    """Whether the worker may set attribute `key`: a public name no method or descriptor of cls holds."""
    if type(key) is not str or not key.isidentifier() or key.startswith("_") or len(key) > 100:
        return False
    for klass in cls.__mro__:
        if key in vars(klass):
            attribute = vars(klass)[key]
            return not (callable(attribute) or hasattr(type(attribute), "__get__"))
    return True


def _arguments(header: dict, blobs: list[bytes], names=("args", "kwargs", "p", "k"), decoder=None, rebuilder=None,
               old=None):
    """(decoder, rebuilder, args, kwargs) of a call, validated: plain data, identifier keywords, links.

    names: the header's fields and the links' roots (the constructor's of a call that builds first:
    new_args, new_kwargs, n, m); decoder and rebuilder: those of the same message, if made already;
    old: what the links may name besides this message (sharing.held_targets), for a new rebuilder.
    """
    args, kwargs = header.get(names[0], []), header.get(names[1], {})
    if type(args) is not list or type(kwargs) is not dict or len(args) + len(kwargs) > MAX_ARGUMENTS:
        raise ProtocolError("malformed arguments in a reference call")
    if not all(type(k) is str and k.isidentifier() and not k.startswith("_") and len(k) <= 100 for k in kwargs):
        raise ProtocolError("malformed keyword argument in a reference call")
    decoder = decoder or Decoder(blobs, _no_handles)
    rebuilder = rebuilder or Rebuilder(read_links(header.get("links"), same=False), old, strict=True)
    args = [rebuilder.value(decoder.decode(node), (names[2], i)) for i, node in enumerate(args)]
    kwargs = {key: rebuilder.value(decoder.decode(node), (names[3], key)) for key, node in kwargs.items()}
    return decoder, rebuilder, args, kwargs


def _known(args: list, kwargs: dict, state: dict, roots=("p", "k"), known=None) -> dict:
    """The arrays, lists and dicts the stub holds before the call: {"paths": {id: path},
    "contents": {id: array contents}, "keep": [the objects, alive while the answer is made]}."""
    known = known or {"paths": {}, "contents": {}, "keep": []}
    paths, contents, keep = known["paths"], known["contents"], known["keep"]
    for i, value in enumerate(args):
        index(value, (roots[0], i), paths, keep, contents=contents)
    for key, value in kwargs.items():
        index(value, (roots[1], key), paths, keep, contents=contents)
    for key, value in state.items():
        index(value, ("s", key), paths, keep, contents=contents)
    return known


def _quietly(function, *args, **kwargs):
    """Call reference code without printing numpy's floating-point warnings on the grader's console."""
    with np.errstate(all="ignore"):
        return function(*args, **kwargs)


def _raised(exc: Exception, label: str, handle: int | None = None) -> bytes:
    """The answer when reference code raised; `handle` of an object built before it did (the stub keeps it)."""
    kind = type(exc).__name__ if type(exc).__module__ == "builtins" else "RuntimeError"
    return _error(kind, text("grade.reference_raised", message=str(exc)[:300], unit=label), handle)


def _error(kind: str, message: str, handle: int | None = None) -> bytes:
    return pack({"error": {"type": kind, "message": message}, **({"handle": handle} if handle else {})}, [])


def _no_handles(ref):
    raise ProtocolError("a reference call may carry plain data only")
