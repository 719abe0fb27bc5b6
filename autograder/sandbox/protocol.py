"""What crosses between the grader and a worker: plain data, never pickle.

A message is a JSON header followed by raw array buffers:

    8 bytes  total length (big endian)
    4 bytes  header length
    header   UTF-8 JSON
    blobs    the bytes of every array, back to back; the header gives each one's
             dtype, shape and length

Values inside the header: None, bool, int, float (nan and inf allowed), str, lists,
and tagged objects: {"$t": [...]} a tuple, {"$d": [[key, value], ...]} a dict,
{"$nd": i, "dtype": "<f8", "shape": [2, 3]} an array (blob i), {"$np": i, "dtype": ...}
a numpy scalar, {"$ref": id, "type": name, "callable": bool, "class": bool} an object that
stays in the worker.

`decode` is the trusted side's gate: it accepts only those forms, only numeric
dtypes, and only arrays whose declared size matches their bytes, so nothing the
worker sends can run code or smuggle an object with a custom __eq__. A worker
may also write answers of its own making, so everything is bounded: nesting
(MAX_DEPTH; a header nested deeper than the JSON parser goes is refused as it
parses), items per value, characters per string, per dict key and per type name.
`unpack` and `Decoder.decode` raise nothing but ProtocolError, whatever the
bytes (a RecursionError, MemoryError or ValueError on the way becomes one): the
grader treats every ProtocolError as a bad answer and replaces the worker.
A type name is cleaned by autograder.untrusted before anything holds it.
"""

from __future__ import annotations

import json
import math
import os
import socket
import struct
import time
from dataclasses import dataclass

import numpy as np

from .. import untrusted

MAX_MESSAGE_BYTES = 256 * 1024 * 1024
MAX_ARRAY_ELEMENTS = 32 * 1024 * 1024
MAX_DEPTH = 32
MAX_ITEMS = 1_000_000
MAX_STRING_CHARS = 1 << 20       # one string in a value (a reference's source is a few KiB)
MAX_KEY_CHARS = 1000            # one dict key
MAX_TYPE_CHARS = untrusted.TYPE_CHARS  # a $ref's type name; the worker cuts its own at this length
# What parsing or rebuilding a forged header may raise besides ProtocolError: all of it means a bad answer.
DECODING_ERRORS = (RecursionError, MemoryError, ValueError, OverflowError, struct.error)

_DTYPES = {np.dtype(t).str: np.dtype(t) for t in (
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
    np.uint64, np.float16, np.float32, np.float64, np.complex64, np.complex128)}
_NAMES = {dtype: name for name, dtype in _DTYPES.items()}  # the encoder's lookup: no dtype.str built per array


class ProtocolError(Exception):
    """The peer sent something that is not a valid message."""


@dataclass(frozen=True)
class Ref:
    """An object that lives in the worker, known on the trusted side only by number."""

    id: int
    type: str = "object"
    callable: bool = False
    is_class: bool = False


class Encoder:
    """Turns a value into a JSON-able tree plus a list of array buffers.

    Anything that is not plain data becomes a Ref through `make_ref` (the worker
    keeps the object); on the trusted side `make_ref` is None and such a value is
    an error.
    """

    def __init__(self, make_ref=None):
        self.blobs: list[bytes] = []
        self.make_ref = make_ref
        self.items = 0

    def encode(self, value, depth: int = 0):
        self.items += 1
        if depth > MAX_DEPTH or self.items > MAX_ITEMS:
            raise ProtocolError("value nested too deeply or too large to send")
        if value is None or type(value) in (bool, str):
            return value
        if isinstance(value, Ref):
            return {"$ref": value.id}
        if isinstance(value, np.ndarray):
            name = _NAMES.get(value.dtype)
            if name is not None:
                array = np.ascontiguousarray(np.asarray(value))
                self.blobs.append(array.tobytes())
                return {"$nd": len(self.blobs) - 1, "dtype": name, "shape": list(array.shape)}
        elif isinstance(value, np.generic):  # before float: np.float64 is a float
            name = _NAMES.get(value.dtype)
            if name is not None:
                self.blobs.append(np.asarray(value).tobytes())
                return {"$np": len(self.blobs) - 1, "dtype": name}
        elif isinstance(value, bool):
            return bool(value)
        elif isinstance(value, int):
            return int(value)
        elif isinstance(value, float):
            return float(value)
        elif isinstance(value, str):
            return str(value)
        elif isinstance(value, list):
            return [self.encode(v, depth + 1) for v in list(value)]
        elif isinstance(value, tuple):
            return {"$t": [self.encode(v, depth + 1) for v in tuple(value)]}
        elif isinstance(value, dict):
            return {"$d": [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                           for k, v in dict(value).items()]}
        if self.make_ref is None:
            raise ProtocolError(f"cannot send a {type(value).__name__}")
        return self.make_ref(value)


_JSON = json.JSONEncoder(allow_nan=True, separators=(",", ":"))  # made once: pack runs at every reference call


def pack(header: dict, blobs: list[bytes]) -> bytes:
    head = _JSON.encode({**header, "blobs": [len(b) for b in blobs]}).encode()
    body = struct.pack(">I", len(head)) + head + b"".join(blobs)
    return struct.pack(">Q", len(body)) + body


def unpack(body: bytes) -> tuple[dict, list[bytes]]:
    """Split a message body (without its 8-byte length) into header and blobs; ProtocolError if it is not one."""
    try:
        return _unpack(body)
    except DECODING_ERRORS as exc:  # a header nested 200,000 deep, a number of 5,000 digits, ...
        raise ProtocolError(f"header cannot be read ({type(exc).__name__})") from None


def _unpack(body: bytes) -> tuple[dict, list[bytes]]:
    if len(body) < 4:
        raise ProtocolError("message too short")
    (head_len,) = struct.unpack(">I", body[:4])
    if head_len > len(body) - 4:
        raise ProtocolError("header longer than the message")
    try:
        header = json.loads(body[4:4 + head_len].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"header is not JSON: {str(exc)[:100]}") from None
    if not isinstance(header, dict):
        raise ProtocolError("header is not an object")
    sizes = header.pop("blobs", [])
    if not isinstance(sizes, list) or not all(type(s) is int and s >= 0 for s in sizes):
        raise ProtocolError("bad blob sizes")
    if 4 + head_len + sum(sizes) != len(body):
        raise ProtocolError("blob sizes do not add up to the message length")
    blobs, offset = [], 4 + head_len
    for size in sizes:
        blobs.append(body[offset:offset + size])
        offset += size
    return header, blobs


class Decoder:
    """Validates and rebuilds a value tree; Refs are passed to `resolve`."""

    def __init__(self, blobs: list[bytes], resolve):
        self.blobs = blobs
        self.resolve = resolve
        self.items = 0

    def decode(self, node):
        """The value `node` (a parsed header's part) stands for; ProtocolError for anything else."""
        try:
            return self._node(node, 0)
        except DECODING_ERRORS as exc:
            raise ProtocolError(f"value cannot be rebuilt ({type(exc).__name__})") from None

    def _node(self, node, depth: int):
        self.items += 1
        if depth > MAX_DEPTH or self.items > MAX_ITEMS:
            raise ProtocolError("value nested too deeply or too large")
        if node is None or type(node) in (bool, int, float):
            return node
        if type(node) is str:
            if len(node) > MAX_STRING_CHARS:
                raise ProtocolError(f"a string of {len(node)} characters is too long")
            return node
        if type(node) is list:
            return [self._node(v, depth + 1) for v in _counted(node)]
        if type(node) is not dict or len(node) == 0:
            raise ProtocolError(f"unexpected {type(node).__name__} in a message")
        if "$t" in node and len(node) == 1 and type(node["$t"]) is list:
            return tuple(self._node(v, depth + 1) for v in _counted(node["$t"]))
        if "$d" in node and len(node) == 1 and type(node["$d"]) is list:
            pairs = _counted(node["$d"])
            if not all(type(p) is list and len(p) == 2 for p in pairs):
                raise ProtocolError("bad dict")
            result = {}
            for k, v in pairs:
                key = self._node(k, depth + 1)
                if type(key) not in (str, int, float, bool, tuple) and key is not None:
                    raise ProtocolError("bad dict key")
                if type(key) is str and len(key) > MAX_KEY_CHARS:
                    raise ProtocolError(f"a dict key of {len(key)} characters is too long")
                result[key] = self._node(v, depth + 1)
            return result
        if "$nd" in node and set(node) == {"$nd", "dtype", "shape"}:
            shape = node["shape"]
            if type(shape) is not list or not all(type(s) is int and s >= 0 for s in shape) or len(shape) > 32:
                raise ProtocolError("bad array shape")
            return self._array(node["$nd"], node["dtype"], tuple(shape))
        if "$np" in node and set(node) == {"$np", "dtype"}:
            return self._array(node["$np"], node["dtype"], ())[()]
        if "$ref" in node and type(node["$ref"]) is int:
            kind = node.get("type", "object")
            if type(kind) is not str:
                kind = "object"
            if len(kind) > MAX_TYPE_CHARS:
                raise ProtocolError(f"a type name of {len(kind)} characters is too long")
            return self.resolve(Ref(node["$ref"], untrusted.type_name(kind) or "object",
                                    node.get("callable") is True, node.get("class") is True))
        raise ProtocolError("unknown tagged object in a message")

    def _array(self, index, dtype_name, shape) -> np.ndarray:
        if type(index) is not int or not 0 <= index < len(self.blobs):
            raise ProtocolError("array refers to a missing buffer")
        dtype = _DTYPES.get(dtype_name) if type(dtype_name) is str else None
        if dtype is None:
            raise ProtocolError(f"array dtype {str(dtype_name)[:20]!r} is not numeric")
        count = math.prod(shape)
        if count > MAX_ARRAY_ELEMENTS:
            raise ProtocolError(f"array of {count} elements is too large")
        blob = self.blobs[index]
        if len(blob) != count * dtype.itemsize:
            raise ProtocolError("array buffer does not match its shape and dtype")
        return np.frombuffer(blob, dtype=dtype).reshape(shape).copy()


def _counted(items: list) -> list:
    """`items`, refused before any is rebuilt when there are more than a value may hold."""
    if len(items) > MAX_ITEMS:
        raise ProtocolError(f"a list of {len(items)} items is too long")
    return items


def encode_message(header: dict, values: dict, make_ref=None) -> bytes:
    """Pack `header` plus encoded `values` (a dict of name -> value) into one message."""
    encoder = Encoder(make_ref)
    encoded = {name: encoder.encode(value) for name, value in values.items()}
    return pack({**header, **encoded}, encoder.blobs)


# Spin this long for an answer before sleeping: most answers come within tens of
# microseconds, and waking a sleeping process costs about as much again. Spinning
# burns the core it waits on, so a batch with as many lanes as cores turns it off
# (AUTOGRADER_SPIN_SECONDS=0, set by executors/local.py, passed on to the workers).
SPIN_SECONDS = float(os.environ.get("AUTOGRADER_SPIN_SECONDS", "0.0005"))


def receive_message(sock: socket.socket, deadline: float | None = None, later=None, spin: float | None = None) -> bytes:
    """One message body from `sock`; socket.timeout once time.monotonic() passes `deadline`.

    spin: how long to spin before sleeping (default SPIN_SECONDS).

    later: () -> a later deadline (or None), asked each time the deadline passes:
    the wait goes on until then, keeping what has arrived; a deadline no later
    than the one that passed ends the wait.
    A message usually arrives whole in one recv. Either side sends one message and
    then waits for the answer, so bytes beyond the message mean the peer broke the
    protocol. Raises EOFError when the peer closed the socket, ProtocolError on an
    oversized length or unrequested bytes.
    """
    data = bytearray()
    spin_until = time.perf_counter() + (SPIN_SECONDS if spin is None else spin)
    while not data and time.perf_counter() < spin_until:
        try:
            chunk = sock.recv(RECV_BYTES, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            continue
        except socket.timeout:  # a socket with a timeout polls first, even with MSG_DONTWAIT
            if later is None:
                raise
            break  # the reads below ask `later` for more time
        if not chunk:
            raise EOFError
        data += chunk

    def more(n: int) -> bytes:
        nonlocal deadline
        while True:
            try:
                return _receive(sock, n, deadline)
            except socket.timeout:
                extended = later() if later is not None else None
                if extended is None or deadline is None or extended <= deadline:
                    raise
                deadline = extended

    while len(data) < 8:
        data += more(RECV_BYTES)
    (length,) = struct.unpack(">Q", data[:8])
    if length > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {length} bytes is too large")
    total = 8 + length
    while len(data) < total:
        data += more(min(total - len(data), 1 << 20))
    if len(data) > total:
        raise ProtocolError("bytes after the end of a message")
    return bytes(data[8:])


RECV_BYTES = 1 << 16


def _receive(sock: socket.socket, n: int, deadline: float | None) -> bytes:
    if deadline is not None:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
    chunk = sock.recv(n)
    if not chunk:
        raise EOFError
    return chunk
