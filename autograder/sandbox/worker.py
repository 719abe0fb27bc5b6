"""The worker side: holds the student's module and answers the grader's requests.

Everything here runs next to student code, so nothing here is trusted: the
grader validates every answer (protocol.Decoder) and decides every score.

Requests (header "op"):
  load         a fresh import of the student's files; numpy and random reseeded;
               names listed in "references" ({name: {"kind", "methods"}}) replaced
               by stubs whose calls the grader answers (reference_stubs.py): while a request
               runs, a stub sends {"refcall": ...} and waits for the grader's answer
  getattr      {target: ref or null for the module, name}
  setattr      {target, name, value}
  call         {target, args, kwargs}
  callmethod   {target (null: the module), name, args, kwargs, state?}: getattr and call in one
               request; with "state" (attribute names) the answer also carries
               {"state": {name: value}}, those of target's attributes that hold plain
               data, read without running code (see _static_attribute)
  identities   {target, name}: id() of each element of target.name
  program      {first, steps, results}: getattr / call / callmethod / setattr steps run in
               order, a step's target or arguments may be an earlier step's result
               (a negative ref); answers the values of the steps in `results`
Answers: {"value": ...} (for a callmethod with "state", also {"state": {...}}) or
{"error": {"type", "message", "where", "missing"}}, with "engine" (the place, file:line)
when our own code here raised it rather than the student's (fault.raised_by_worker). The answer to a call, callmethod
or program (value or error alike) also carries {"mutated": [...]}: the positions
(int) and keyword names (str) of the ndarray arguments the last call into student
code changed in place (see Arguments).
"""

from __future__ import annotations

import linecache
import random
import sys
import types
from pathlib import Path

import numpy as np

from .. import fault
from . import reference_stubs
from .protocol import Decoder, Encoder, ProtocolError, Ref, pack, receive_message, unpack

MESSAGE_LIMIT = 2000


class Session:
    """One student's module and the objects the grader holds handles to."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.module: types.ModuleType | None = None
        self.objects: dict[int, object] = {}
        self.student_paths: set[str] = set()
        self.code_cache: dict[tuple, object] = {}
        self.steps: dict[int, object] = {}  # results of the running program's steps
        self.decoder: Decoder | None = None
        self.mutated: list | None = None  # what the last call changed in place; None: this request made no call
        self.transport = reference_stubs.Transport()  # reference calls to the grader (its `send` is set by serve)

    # -- requests -----------------------------------------------------------
    def handle(self, header: dict, blobs: list[bytes]) -> bytes:
        """Answer one request; any failure of student code becomes an error answer."""
        self.mutated = None
        try:
            decoder = Decoder(blobs, self._resolve)
            if header.get("op") == "program":  # steps are decoded one by one as they run
                self.decoder = decoder
                request = {"first": header.get("first"), "steps": header.get("steps"),
                           "results": decoder.decode(header.get("results"))}
            else:
                request = {str(k): decoder.decode(v) for k, v in header.items() if k != "op"}
            wanted = request.pop("state", None) if header.get("op") == "callmethod" else None
            value = getattr(self, "op_" + str(header.get("op")))(**request)
            return self._answer(value, request.get("target"), wanted)
        except BaseException as exc:  # student code may raise anything, SystemExit included
            if isinstance(exc, KeyboardInterrupt):
                raise
            return pack({"error": self._describe(exc), **self._mutation()}, [])

    def _answer(self, value, target=None, wanted=None) -> bytes:
        encoder = Encoder(self._make_ref)
        try:
            encoded = encoder.encode(value)
        except ProtocolError as exc:
            return pack({"error": {"type": "ProtocolError", "message": str(exc), "where": "", "missing": False},
                         **self._mutation()}, [])
        if not wanted:
            return pack({"value": encoded, **self._mutation()}, encoder.blobs)
        return pack({"value": encoded, "state": self._state(encoder, target, wanted), **self._mutation()},
                    encoder.blobs)

    def _mutation(self) -> dict:
        """The answer's "mutated" field, where this request called student code."""
        return {} if self.mutated is None else {"mutated": self.mutated}

    def _calling(self, function, args: list, kwargs: dict):
        """function(*args, **kwargs), noting which ndarray arguments it changed in place (self.mutated)."""
        arguments = Arguments(args, kwargs)
        try:
            return function(*args, **kwargs)
        finally:
            self.mutated = arguments.changed()

    @staticmethod
    def _state(encoder: Encoder, target, wanted) -> dict:
        """target's attributes named in `wanted` that hold plain data, read without running its code.

        A callmethod request may ask for them (the attributes tests read after such
        a call: dW, db, grads), so that reading them costs the grader no request.
        """
        state: dict = {}
        make_ref, encoder.make_ref = encoder.make_ref, None  # plain data only: no handles
        try:
            for name in wanted[:MAX_STATE] if type(wanted) is list else ():
                value = _static_attribute(target, name) if type(name) is str else _ABSENT
                if value is _ABSENT:
                    continue
                mark = len(encoder.blobs)
                try:
                    state[name] = encoder.encode(value)
                except ProtocolError:
                    del encoder.blobs[mark:]
        finally:
            encoder.make_ref = make_ref
        return state

    def op_ping(self):
        return "pong"

    def op_load(self, module: str, files: dict, references: dict):
        self.objects.clear()
        np.random.seed(0)
        random.seed(0)
        loaded = {}
        for filename, data in files.items():
            source = np.asarray(data, dtype=np.uint8).tobytes()
            path = self.workdir / filename
            if str(path) not in self.student_paths:  # on disk only for tracebacks and __file__
                path.write_bytes(source)
                self.student_paths.add(str(path))
            loaded[Path(filename).stem] = self._import(Path(filename).stem, path, source)
        main = loaded[module]
        self.module = main
        reference_stubs.install(main, references, self.transport)
        return None

    def _import(self, name: str, path: Path, source: bytes) -> types.ModuleType:
        key = (str(path), source)
        code = self.code_cache.get(key)
        if code is None:
            try:
                code = compile(source, str(path), "exec", dont_inherit=True)
            except BaseException as exc:
                exc.while_importing = path.name  # type: ignore[attr-defined]
                raise
            self.code_cache[key] = code
        mod = types.ModuleType(name)
        mod.__file__ = str(path)
        sys.modules[name] = mod
        try:
            exec(code, mod.__dict__)
        except BaseException as exc:
            exc.while_importing = path.name  # type: ignore[attr-defined]
            raise
        return mod

    def op_getattr(self, target, name: str):
        obj = self.module if target is None else target
        try:
            return getattr(obj, name)
        except AttributeError as exc:
            exc.missing = True  # type: ignore[attr-defined]
            raise

    def op_setattr(self, target, name: str, value):
        setattr(self.module if target is None else target, name, value)
        return None

    def op_call(self, target, args: list, kwargs: dict):
        return self._calling(target, args, kwargs)

    def op_callmethod(self, target, name: str, args: list, kwargs: dict):
        return self._calling(self.op_getattr(target, name), args, kwargs)

    def op_program(self, first: int, steps: list, results: list):
        if type(first) is not int or type(steps) is not list:
            raise ProtocolError("malformed program")
        if first == 0:
            self.steps = {}
        for index, raw in enumerate(steps, first):
            try:
                if type(raw) is not dict or not all(type(key) is str for key in raw):
                    raise ProtocolError("malformed program step")
                op = raw.get("op")
                if op not in ("getattr", "call", "callmethod", "setattr"):
                    raise ProtocolError(f"{op!r} cannot be part of a program")
                step = {key: self.decoder.decode(value) for key, value in raw.items() if key != "op"}
                self.steps[index] = getattr(self, "op_" + op)(**step)
            except BaseException as exc:
                exc.step = index  # type: ignore[attr-defined]
                raise
        return [self.steps[i] for i in results]

    def op_identities(self, target, name: str):
        value = self.op_getattr(target, name)
        if isinstance(value, (list, tuple)):
            return [id(v) for v in value]
        return id(value)

    # -- handles --------------------------------------------------------------
    def _make_ref(self, obj) -> dict:
        self.objects[id(obj)] = obj
        kind = obj.__name__ if isinstance(obj, type) else type(obj).__name__
        return {"$ref": id(obj), "type": str(kind)[:100], "callable": callable(obj), "class": isinstance(obj, type)}

    def _resolve(self, ref: Ref):
        if ref.id < 0:  # the result of step -1 - id of the running program
            if -1 - ref.id not in self.steps:
                raise ProtocolError("a program step refers to a step that has not run")
            return self.steps[-1 - ref.id]
        if ref.id not in self.objects:
            raise ProtocolError("the grader referred to an object the worker does not hold")
        return self.objects[ref.id]

    # -- errors -----------------------------------------------------------------
    def _describe(self, exc: BaseException) -> dict:
        unshowable = False  # the grader phrases both cases (proxy.Student._error): the worker speaks no language
        try:
            message = repr(exc.code) if isinstance(exc, SystemExit) else str(exc)
        except BaseException:
            message, unshowable = "", True
        where = ""
        tb = exc.__traceback__
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename in self.student_paths:
                line = linecache.getline(filename, tb.tb_lineno).strip()
                where = f"{Path(filename).name}, line {tb.tb_lineno}, in {tb.tb_frame.f_code.co_name}"
                if line:
                    where += f": {line[:200]}"
            tb = tb.tb_next
        if isinstance(exc, SyntaxError) and exc.filename in self.student_paths:
            where = f"{Path(exc.filename).name}, line {exc.lineno}"
            message = exc.msg
        return {
            "type": type(exc).__name__[:100],
            "message": message[:MESSAGE_LIMIT],
            "where": where,
            "missing": bool(getattr(exc, "missing", False)),
            "importing": str(getattr(exc, "while_importing", ""))[:200],
            "step": getattr(exc, "step", None) if type(getattr(exc, "step", None)) is int else None,
            **({"engine": fault.where(exc)} if fault.raised_by_worker(exc, self.student_paths) else {}),
            **({"unshowable": True} if unshowable else {}),
        }


MAX_STATE = 32
_ABSENT = object()


class Arguments:
    """Pristine copies of a call's ndarray arguments, to tell afterwards which ones the call changed.

    Only ndarrays are kept (the arguments whose change a test can ask about, at the
    cost of one copy each); an array inside a list or tuple argument counts for
    that argument's position. An argument changed means other bytes, another
    shape or another dtype (ndarray.resize, a view's dtype set), so that NaN
    compares equal to itself and -0.0 differs from 0.0.
    """

    def __init__(self, args: list, kwargs: dict):
        self.kept = [(key, array, _pristine(array))
                     for key, value in [*enumerate(args), *kwargs.items()]
                     for array in _arrays_in(value)]

    def changed(self) -> list:
        """The positions (int) and keyword names (str) whose arrays differ from their copies, in call order."""
        changed: list = []
        for key, array, copy in self.kept:
            if key not in changed and _differs(array, copy):
                changed.append(key)
        return changed


def _arrays_in(value, depth: int = 0) -> list:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (list, tuple)) and depth < 2:  # grads lists; deeper nests are no argument the READMEs name
        return [a for v in value for a in _arrays_in(v, depth + 1)]
    return []


def _pristine(array: np.ndarray) -> tuple:
    return array.shape, array.dtype, array.tobytes()


def _differs(array: np.ndarray, pristine: tuple) -> bool:
    try:
        return (array.shape, array.dtype, array.tobytes()) != pristine
    except Exception:  # an array the call left unreadable has changed
        return True


def _static_attribute(obj, name: str):
    """getattr(obj, name) where that runs no code of obj's class (no property, no __getattribute__), else _ABSENT."""
    try:
        cls = type(obj)
        if cls.__getattribute__ is not object.__getattribute__ or isinstance(obj, type):
            return _ABSENT
        found = _ABSENT
        for klass in cls.__mro__:
            if name in vars(klass):
                found = vars(klass)[name]
                break
        if found is not _ABSENT and hasattr(type(found), "__get__"):
            if hasattr(type(found), "__set__") or hasattr(type(found), "__delete__"):
                return _ABSENT  # a data descriptor (a property): reading it runs code
            found = _ABSENT  # a method or the like: the instance's own value wins, if any
        namespace = obj.__dict__
        if type(namespace) is dict and name in namespace:
            return namespace[name]
        return found
    except Exception:
        return _ABSENT


def serve(sock, workdir: Path) -> None:
    """Answer requests on `sock` until the grader closes it."""
    session = Session(workdir)
    session.transport.send = _round_trip(sock)

    while True:
        try:
            body = receive_message(sock)
        except (EOFError, OSError):
            return
        header, blobs = unpack(body)
        sock.sendall(session.handle(header, blobs))
        sys.stdout.flush()
        sys.stderr.flush()


def _round_trip(sock):
    """A reference call: send it on `sock` and wait for the grader's answer (its body)."""

    def send(message: bytes) -> bytes:
        sock.sendall(message)
        # No spinning: the grader runs reference code before it answers, rarely in less time than
        # a wake-up costs, and a spinning worker takes a core from the grader on a busy machine
        # (08's training: a fifth slower at load 3 on two cores).
        return receive_message(sock, spin=0.0)

    return send


def in_process_answer(session: Session, message: bytes) -> bytes:
    """The same exchange without a process boundary (for tests and the student check command)."""
    header, blobs = unpack(message[8:])
    return session.handle(header, blobs)

