"""Which objects are the same object, across the boundary: the links of a reference call.

A reference unit computes on the trusted side (autograder/reference_calls.py)
while the student's code holds a stub of it in the worker (sandbox/reference_stubs.py).
Values cross as plain data, so every array that crosses is a copy; yet textbook
code relies on identity: `grads = layer.grads` must see what the next
`layer.backward` writes into it, and `RNN(*self.params)` keeps the very arrays
it was given. So each side also sends links: "the object at this path is the
one you already hold at that path".

A path is a tuple: a root tag, then list indices and dict keys. Roots:

    ("p", i)     positional argument i of the call
    ("k", name)  keyword argument `name`
    ("n", i)     positional argument i of the constructor, when the call builds the object first
    ("m", name)  keyword argument `name` of that constructor
    ("s", name)  attribute `name` of the object as the stub sent it, before the call
    ("a", name)  attribute `name` after the call
    ("r",)       the call's return value
    ("h", name)  attribute `name` of the grader's object as both sides last agreed on
                 it, before this call (a stub's message only: see held)

Only arrays, lists and dicts carry identity (tuples and numbers do not). A
link's target is either an object the receiver held before this message
(p, k, n, m, s, h) or one met earlier in the same message (aliasing inside it).
`SharedEncoder` writes values and links; `Rebuilder` reads them back, writing
new contents into the objects the links name (arrays in place, lists and dicts
refilled), so that the receiver's references stay valid.

This module runs in the worker as well as on the trusted side: it imports only
numpy and the protocol.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .protocol import MAX_DEPTH, Encoder, ProtocolError, Ref

ROOTS = ("p", "k", "n", "m", "s", "a", "r", "h")
HELD = ("p", "k", "n", "m", "s", "h")  # roots of what the receiver held before the message
MAX_PATH = MAX_DEPTH + 2
MAX_LINKS = 100_000


def _has_identity(value) -> bool:
    return isinstance(value, np.ndarray) or type(value) in (list, dict)


class SharedEncoder:
    """protocol.Encoder that also records links: objects met before, at another path.

    known: id(object) -> path of objects the receiver already holds (kept
    alive by the caller while this encoder is in use); contents: id(array) ->
    what that array held when the receiver got it (see index). An array linked
    to one the receiver holds with those very contents, or to one met earlier
    in this message, is not sent again: the link says "the same" (a third
    element, 1) and the value carries None in its place.
    """

    def __init__(self, known: dict[int, tuple] | None = None, contents: dict[int, tuple] | None = None):
        self.encoder = Encoder(None)
        self.known = dict(known or {})
        self.contents = contents or {}
        self.links: list[list] = []
        self._keep: list = []  # what `known` names from this message: alive, so no id is reused

    @property
    def blobs(self) -> list[bytes]:
        return self.encoder.blobs

    def encode(self, value, path: tuple):
        """The plain encoding of value, found at `path`; ProtocolError (and nothing added) if it is not plain."""
        mark, links, added = len(self.encoder.blobs), len(self.links), []
        try:
            return self.encoder.encode(self._prepare(value, path, 0, added))
        except ProtocolError:
            del self.encoder.blobs[mark:]
            del self.links[links:]
            for key in added:
                del self.known[key]
            raise

    def _prepare(self, value, path: tuple, depth: int, added: list):
        """value with each array the receiver has as it is replaced by None; the links recorded."""
        if depth > MAX_DEPTH:
            return value  # the encoder refuses it
        kind = type(value)
        if kind is list or kind is dict or isinstance(value, np.ndarray):
            earlier = self.known.get(id(value))
            if earlier is None:
                self.known[id(value)] = path
                added.append(id(value))
                self._keep.append(value)
            elif isinstance(value, np.ndarray) and (earlier[0] in ("a", "r")
                                                    or self.contents.get(id(value)) == array_contents(value)):
                self.links.append([list(path), list(earlier), 1])
                return None
            else:
                self.links.append([list(path), list(earlier)])
        if kind is list or kind is tuple:
            items = [self._prepare(v, path + (i,), depth + 1, added) for i, v in enumerate(value)]
            return items if kind is list else tuple(items)
        if kind is dict and all(type(k) is str for k in value):
            return {k: self._prepare(v, path + (k,), depth + 1, added) for k, v in value.items()}
        return value


def index(value, path: tuple, known: dict[int, tuple], keep: list, depth: int = 0,
          contents: dict[int, tuple] | None = None) -> None:
    """Record in `known` the path of every array, list and dict inside value (the first path wins),
    and in `contents` (if given) what each array holds now (array_contents)."""
    if depth > MAX_DEPTH:
        return
    kind = type(value)
    if kind is list or kind is tuple:
        if kind is list and id(value) not in known:
            known[id(value)] = path
            keep.append(value)
        _index_children(value, path, known, keep, depth, contents)
    elif kind is dict:
        if id(value) not in known:
            known[id(value)] = path
            keep.append(value)
        if all(type(k) is str for k in value):
            for key, child in value.items():
                index(child, path + (key,), known, keep, depth + 1, contents)
    elif isinstance(value, np.ndarray) and id(value) not in known:
        known[id(value)] = path
        keep.append(value)
        if contents is not None:
            contents[id(value)] = array_contents(value)


def _index_children(value, path, known, keep, depth, contents) -> None:
    for i, child in enumerate(value):
        index(child, path + (i,), known, keep, depth + 1, contents)


def array_contents(array: np.ndarray) -> tuple:
    """What an array holds: equal for arrays of the same dtype, shape and bytes."""
    return (array.dtype, array.shape, array.tobytes())


def read_links(node, same: bool = True, check: bool = True) -> dict[tuple, tuple]:
    """Validate a message's links: {path: (earlier path, the same)}; ProtocolError if malformed.

    same: whether links may say "the same, not sent again" (only the trusted side's do);
    check: whether to validate every path (the worker reading the grader's links need not).
    """
    if node is None:
        return {}
    if not check:
        return {tuple(link[0]): (tuple(link[1]), len(link) == 3) for link in node}
    if type(node) is not list or len(node) > MAX_LINKS:
        raise ProtocolError("links must be a list")
    links = {}
    for link in node:
        if type(link) is not list or len(link) not in (2, 3) or (len(link) == 3 and (link[2] != 1 or not same)):
            raise ProtocolError("a link must be a pair of paths")
        links[_path(link[0])] = (_path(link[1]), len(link) == 3)
    return links


def _path(node) -> tuple:
    if type(node) is not list or not 1 <= len(node) <= MAX_PATH or node[0] not in ROOTS:
        raise ProtocolError("malformed path in a link")
    for step in node:  # a loop, not all(...): every link of every reference call comes here
        if type(step) is not int and (type(step) is not str or len(step) > 200):
            raise ProtocolError("malformed path in a link")
    return tuple(node)


def resolve(roots: dict, path: tuple):
    """The object at `path` below roots[path[:2]] (roots keyed by ("p", 0), ("s", "grads"), ...); KeyError if none."""
    if path[:1] == ("r",):
        value, rest = roots[("r",)], path[1:]
    else:
        value, rest = roots[path[:2]], path[2:]
    for step in rest:
        if type(value) in (list, tuple) and type(step) is int and 0 <= step < len(value):
            value = value[step]
        elif type(value) is dict and type(step) is str and step in value:
            value = value[step]
        else:
            raise KeyError(path)
    return value


class Rebuilder:
    """Turns decoded values back into the receiver's objects, following the links.

    old: path -> an object the receiver held before the message (raises
    KeyError for none); None when links may only name objects of this message.
    strict: a link that names nothing is a ProtocolError, and only arrays are
    shared (on the trusted side, reading the worker's links); else such a value
    is simply taken as new.
    """

    def __init__(self, links: dict[tuple, tuple], old: Callable[[tuple], object] | None, strict: bool):
        self.links, self.old, self.strict = links, old, strict
        self.built: dict[tuple, object] = {}

    def value(self, decoded, path: tuple):
        target = self._target(path)
        if target is not None and self.links[path][1]:  # the same array, not sent again
            if not isinstance(target, np.ndarray):
                raise ProtocolError("a link says the same of something that is not an array")
            self.built.setdefault(path, target)
            return target
        if type(decoded) is list:
            items = [self.value(v, path + (i,)) for i, v in enumerate(decoded)]
            result = items
            # From the worker a list it held is refilled with arrays only: no list can come to hold itself.
            if type(target) is list and not (self.strict and not all(isinstance(v, np.ndarray) for v in items)):
                target[:] = items
                result = target
        elif type(decoded) is tuple:
            result = tuple(self.value(v, path + (i,)) for i, v in enumerate(decoded))
        elif type(decoded) is dict and all(type(k) is str for k in decoded):
            items = {k: self.value(v, path + (k,)) for k, v in decoded.items()}
            result = items
            if type(target) is dict:
                target.clear()
                target.update(items)
                result = target
        elif isinstance(decoded, np.ndarray) and isinstance(target, np.ndarray) \
                and target.shape == decoded.shape and target.dtype == decoded.dtype:
            if target.flags.writeable:
                target[...] = decoded
            result = target
        else:
            result = decoded
        if _has_identity(result):
            self.built.setdefault(path, result)
        return result

    def _target(self, path: tuple):
        link = self.links.get(path)
        if link is None:
            return None
        earlier = link[0]
        if earlier in self.built:
            target = self.built[earlier]
            # From the worker only arrays may be shared: a list or dict named twice could be made to hold itself.
            return None if self.strict and not isinstance(target, np.ndarray) else target
        if self.old is not None and earlier[0] in HELD:
            try:
                return self.old(earlier)
            except KeyError:
                pass
        if self.strict:
            raise ProtocolError("a link names an object that is not there")
        return None


def held_targets(attributes: dict, fixed: Callable[[object], bool]) -> Callable[[tuple], object]:
    """`old` for a Rebuilder reading a stub's links on the trusted side: the object at ("h", name, ...).

    attributes: {name: value} of the grader's object that the stub holds too,
    as they are before the call; fixed(obj): whether obj must never be written
    into (the reference module's own data). Only an array, or a list of arrays,
    is named: the stub's in-place changes are written into them, so arrays the
    reference object shares (a model's params, its layers' own) see them, as
    in one process. Anything else at an "h" path is None: the value is taken
    as new (a stub's link there is no fault: the grader's object may have
    changed it since). KeyError for other roots.
    """
    roots = {("h", name): value for name, value in attributes.items()}

    def old(path: tuple):
        if path[:1] != ("h",):
            raise KeyError(path)
        try:
            target = resolve(roots, path)
        except KeyError:
            return None
        if isinstance(target, np.ndarray) and target.flags.writeable and not fixed(target):
            return target
        if type(target) is list and not fixed(target) and all(isinstance(v, np.ndarray) for v in target):
            return target
        return None

    return old


def module_data(module) -> Callable[[object], bool]:
    """Whether an object is (or shares memory with) data of the reference module itself: its globals
    and its classes' attributes, one level into lists, tuples and dicts. A stub may never write into
    those, whatever a reference object keeps (sharing.held_targets)."""
    values = []
    for value in (vars(module).values() if module is not None else ()):
        values.extend(vars(value).values() if isinstance(value, type) else (value,))
    found = []
    for value in values:
        found.extend(value.values() if type(value) is dict else value if type(value) in (list, tuple) else ())
        found.append(value)
    arrays = [v for v in found if isinstance(v, np.ndarray)]
    lists = {id(v) for v in found if type(v) is list}

    def fixed(obj) -> bool:
        if isinstance(obj, np.ndarray):
            return any(np.may_share_memory(obj, array) for array in arrays)
        return id(obj) in lists

    return fixed


def fingerprint(value, depth: int = 0):
    """What a value is, identities included: equal fingerprints mean nothing to send again.

    Each side keeps the fingerprints of the attributes both sides last agreed on
    and sends only those that changed since (in place or rebound), so a call
    of RNN.forward carries its arguments and the new cache, not params and grads.
    This runs for every attribute of a reference object at every call: the
    common kinds come first, and a list's items go through a list comprehension.
    """
    kind = type(value)
    if kind is np.ndarray or isinstance(value, np.ndarray):
        return ("nd", id(value), value.dtype, value.shape, value.tobytes())
    if depth < MAX_DEPTH and (kind is list or kind is tuple):
        return (kind, id(value) if kind is list else 0, tuple([fingerprint(v, depth + 1) for v in value]))
    if value is None or kind is bool or kind is int or kind is float or kind is str:
        return (kind, value)
    if isinstance(value, np.generic):
        return ("np", value.dtype, value.tobytes())
    if depth < MAX_DEPTH and kind is dict:
        return ("dict", id(value), tuple([(repr(k), fingerprint(v, depth + 1)) for k, v in value.items()]))
    return ("object", id(value), object())  # never equal to anything: always sent (or found not plain)


# What protocol.Encoder sends as plain data (an array only of a numeric dtype); anything else it refuses.
_SENDABLE = (type(None), bool, int, float, str, np.ndarray, np.generic, list, tuple, dict, Ref)


def never_plain(value, depth: int = 0) -> bool:
    """Whether the trusted side's Encoder is sure to refuse value: value is, or holds within two levels
    of lists, tuples and dict values, an object of a kind it never sends (a model's layers).

    False says nothing (encoding may still fail). It lets an answer skip such an attribute without
    fingerprinting it and trying to encode it again at every call.
    """
    if not isinstance(value, _SENDABLE):
        return True
    if depth < 2 and isinstance(value, (list, tuple, dict)):
        for item in (value.values() if isinstance(value, dict) else value):
            if not isinstance(item, np.ndarray) and never_plain(item, depth + 1):  # arrays first: the common case
                return True
    return False
