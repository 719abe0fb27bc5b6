"""Which None a student's method tripped over, and where it should have been set.

A layer keeps what backward needs on itself (`self.x = x` in forward); the
stub's __init__ sets those attributes to None. Forgetting the assignment makes
backward fail with "'NoneType' object has no attribute 'T'" or "unsupported
operand type(s) ... 'NoneType'", far from the line to fix. Given the frame of
the student's method that raised, this finds the `self.<name>` of the failing
line that is None and the method that should have set it: the one of the
class that assigns it (it did not run first), else forward (what backward
needs is what forward saw), else __init__.
"""

from __future__ import annotations

import ast
import linecache
import re
from dataclasses import dataclass
from types import FrameType

_SELF_ATTRIBUTE = re.compile(r"\bself\.([A-Za-z_]\w*)")


@dataclass(frozen=True)
class NoneAttribute:
    name: str            # 'x', of self.x
    method: str          # 'Affine.backward', where it was None
    setter: str          # 'Affine.forward', where it should be set
    assigned: bool       # whether the setter assigns it already (then it did not run, or not that far)
    parameter: bool      # whether the setter takes an argument of the same name (`self.x = x`)
    item_assignment: bool = False  # whether the line writes into it (`self.h[...] = h`)


def none_attribute(frame: FrameType, lineno: int) -> NoneAttribute | None:
    """The attribute of `self` that is None on the failing line of `frame`, and its setter; None if there is none."""
    owner = frame.f_locals.get("self")
    if owner is None:
        return None
    line = linecache.getline(frame.f_code.co_filename, lineno)
    names = [n for n in _read_attributes(line) if not callable(getattr(owner, n, 0)) and _is_none(owner, n)]
    if not names:
        return None
    cls = type(owner).__name__
    methods = _methods(frame.f_code.co_filename, cls)
    method = frame.f_code.co_name
    name = names[0]
    setters = [m for m, body in methods.items() if m != method and name in body["sets"]]
    if setters:
        setter, assigned = setters[0], True
    else:
        setter, assigned = ("forward" if "forward" in methods and method != "forward" else "__init__"), False
    parameter = name in methods.get(setter, {}).get("parameters", ())
    writes = re.search(rf"\bself\.{name}\s*\[[^\]]*\]\s*=(?!=)", line) is not None
    return NoneAttribute(name, f"{cls}.{method}", f"{cls}.{setter}", assigned, parameter, writes)


def _read_attributes(line: str) -> list[str]:
    """The attributes of self that `line` reads, in order (`self.dW = np.dot(self.x.T, dout)`: x, not dW)."""
    try:
        tree = ast.parse(line.strip())
    except SyntaxError:  # one line of a longer statement: every self.<name> on it
        return list(dict.fromkeys(_SELF_ATTRIBUTE.findall(line)))
    read = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load)
            and isinstance(n.value, ast.Name) and n.value.id == "self"]
    return list(dict.fromkeys(n.attr for n in sorted(read, key=lambda n: n.col_offset)))


def _is_none(owner, name: str) -> bool:
    try:
        return getattr(owner, name) is None
    except Exception:  # a property of the student's that raises: not ours to call again
        return False


def _methods(filename: str, cls: str) -> dict[str, dict]:
    """The methods of class `cls` in `filename`: {name: {"sets": attributes set to a value, "parameters": ...}}."""
    source = "".join(linecache.getlines(filename))
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == cls:
            return {f.name: {"sets": _assigned(f), "parameters": [a.arg for a in f.args.args]}
                    for f in node.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return {}


def _assigned(function: ast.AST) -> set[str]:
    """Attributes of self that `function` assigns a value other than None."""
    found = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets, value = [node.target], node.value
        else:
            continue
        if isinstance(value, ast.Constant) and value.value is None:
            continue
        for target in targets:
            for item in (target.elts if isinstance(target, ast.Tuple) else [target]):
                if isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name) and item.value.id == "self":
                    found.add(item.attr)
    return found
