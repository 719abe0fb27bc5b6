"""A module's docstring says what it is and how to call it; essays on how and why live in docs/.

A docstring past ESSAY_LINES is an essay: move it to a page of docs/ and leave a pointer there
(as assertions.py, cell.py and reference_calls.py do). The hidden tests keep theirs: each is the
property matrix of its assignment, read beside the tests it lists. The protocol modules keep
their request tables, read beside the code that answers them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import autograder

PACKAGE = Path(autograder.__file__).parent
ESSAY_LINES = 30
KEEP = {"sandbox/worker.py", "sandbox/protocol.py", "sandbox/sharing.py"}


def _lines(path: Path) -> int:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False)
    return len(doc.splitlines()) if doc else 0


MODULES = [p for p in sorted(PACKAGE.rglob("*.py"))
           if p.parent.name != "hidden" and str(p.relative_to(PACKAGE)) not in KEEP]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_docstring_is_no_essay(path):
    assert _lines(path) <= ESSAY_LINES, f"{path.name}: move the essay to docs/ and point there"


def test_every_docs_page_a_docstring_points_to_exists():
    for path in PACKAGE.rglob("*.py"):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        for word in doc.split():
            if word.startswith("docs/") and word.rstrip(".,);:").endswith(".md"):
                assert (PACKAGE.parent / word.rstrip(".,);:")).is_file(), f"{path.name} points to {word}"
