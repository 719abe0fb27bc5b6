"""Hints for an exception raised inside a student's method: the bug that makes numpy raise it.

Some classic bugs never reach an assertion: `np.dot(dout, self.W)` raises
"shapes (3,3) and (2,3) not aligned" in backward, `xs[t]` for `xs[:, t]` a
broadcast error in forward. A hint detector (hints.py) needs the student's
output, which these never return, so the check reads the failing line instead:
each RULE names the exception, a pattern of its message, a pattern of the
student's line and the method it is in, and the sentence that names the bug.
A rule only speaks when all of them match, so a line written another way gets
no hint rather than a wrong one.

The sentences are the catalogue's: "hint." keys where the hidden tests name
the same bug, "explain." keys for what only shows as an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..hints import Hint, hint


@dataclass(frozen=True)
class Rule:
    key: str                      # the catalogue key of the sentence
    errors: tuple[str, ...]       # exception class names
    message: str                  # a regex the exception's message matches
    line: str                     # a regex the student's failing line matches
    methods: tuple[str, ...] = ()  # method names it applies to (empty: any)


_DOT_ALIGN = r"not aligned|mismatch in its core dimension|matmul: Input operand"
_DOUT_W = r"(?:np\.)?(?:dot|matmul)\(\s*dout\s*,\s*(?:self\.)?W\s*\)|dout\s*@\s*(?:self\.)?W\b(?!\s*\.\s*T)"

RULES = (
    Rule("hint.time.embedding_axis", ("ValueError", "IndexError"), r"broadcast|out of bounds|index",
         r"\bxs\s*\[\s*t\s*\]", ("forward",)),
    Rule("hint.affine.dx_missing_transpose", ("ValueError",), _DOT_ALIGN, _DOUT_W, ("backward",)),
    Rule("explain.raised.forward_transposed", ("ValueError",), _DOT_ALIGN,
         r"(?:dot|matmul)\(\s*\w+\s*,\s*(?:self\.)?W\s*\.\s*T\s*\)|@\s*(?:self\.)?W\s*\.\s*T\b", ("forward",)),
    Rule("explain.raised.grad_shape", ("ValueError",), r"could not broadcast input array from shape",
         r"grads\s*\[\s*\d+\s*\]\s*\[\s*\.\.\.\s*\]\s*=", ()),
)
_SHAPES = re.compile(r"from shape (\([^)]*\)) into shape (\([^)]*\))")


def raised_hints(exc: BaseException, method: str, line: str) -> list[Hint]:
    """The hints of the rules that match `exc` raised by `method` ('TimeRNN.forward') on `line`."""
    name = method.rsplit(".", 1)[-1]
    found = []
    for rule in RULES:
        if type(exc).__name__ not in rule.errors or (rule.methods and name not in rule.methods):
            continue
        if re.search(rule.message, str(exc)) and re.search(rule.line, line):
            found.append(hint(rule.key, **_fields(rule, exc, line)))
    return found


def _fields(rule: Rule, exc: BaseException, line: str) -> dict:
    if rule.key != "explain.raised.grad_shape":
        return {}
    shapes = _SHAPES.search(str(exc))
    target = re.search(r"grads\s*\[\s*(\d+)\s*\]", line)
    return {"actual": shapes.group(1) if shapes else "?", "expected": shapes.group(2) if shapes else "?",
            "index": target.group(1) if target else "?"}
