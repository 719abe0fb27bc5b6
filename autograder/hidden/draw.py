"""Hidden inputs drawn per submission, so that none can be collected.

    rng(*label) -> numpy Generator
    drawing(secret, sha256, test)   the context grade() runs each hidden test in

A hidden test draws its inputs from `rng("x", n, d)` instead of a fixed seed.
The generator is seeded from the course secret (instructor-side, never in a
release), the submission's sha256, the test's name and the label: the same
submission always meets the same inputs and gets the same score, while inputs
read back from one submission's feedback say nothing about the next one's.
Fixed cases a README publishes (the apple figures, 07's published example)
stay fixed, next to drawn ones.

Outside grade() (a unit test calling a hidden test directly) the secret, the
sha256 and the test name are empty: draws are still deterministic.
"""

from __future__ import annotations

import contextvars
import hashlib
from contextlib import contextmanager

import numpy as np

_CONTEXT: contextvars.ContextVar[tuple[bytes, str, str]] = contextvars.ContextVar(
    "hidden_draw", default=(b"", "", ""))


def rng(*label) -> np.random.Generator:
    """A generator for one family of inputs of the running hidden test, e.g. rng("case", n, d, m)."""
    secret, sha256, test = _CONTEXT.get()
    digest = hashlib.sha256()
    for part in (secret, sha256.encode(), test.encode(), repr(label).encode()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return np.random.default_rng(int.from_bytes(digest.digest()[:16], "big"))


@contextmanager
def drawing(secret: bytes, sha256: str, test: str):
    """Draws inside this block depend on (secret, sha256, test)."""
    token = _CONTEXT.set((bytes(secret), str(sha256), str(test)))
    try:
        yield
    finally:
        _CONTEXT.reset(token)
