"""The student's `check`: run the public tests on their own files and explain every failure.

    python -m autograder check [FOLDER] [--assignment ID] [--lang ko|en] [--plain]
    make check            (in a release folder)

The pipeline, one module per step:
  target.py    which assignment FOLDER holds, its public tests, each test's units and points
  runner.py    pytest in this process, with a plugin recording why each test failed
  explain.py   an exception -> sentences: missing name, import error, not implemented, values
  show.py      the summary table and the explanations (rich, or plain text)

It needs numpy and pytest (rich is optional), runs no sandbox (the code is the
student's own) and so works on Linux, macOS and Windows alike. A release folder
ships this package with autograder/assertions.py, hints.py, messages.py and the
catalogue, and nothing of the grader's: no hidden test, no solution.
"""

from __future__ import annotations

from pathlib import Path

from .. import messages
from .target import CheckError, locate

__all__ = ["CheckError", "check"]


def check(folder: Path, assignment: str | None = None, lang: str | None = None, plain: bool = False,
          out=None) -> int:
    """Run the public tests of `folder` and print the report. 0: all passed; 1: a test failed.

    Raises CheckError when the check cannot run (its .key and .fields name the sentence).
    """
    from .explain import Explainer
    from .runner import run
    from .show import show

    lang = messages.language(lang)
    target = locate(Path(folder), assignment)
    for filename in target.student_files:
        if not (target.folder / filename).is_file():
            raise CheckError("check.error.no_student_file", folder=target.folder, file=filename)
    with messages.speaking(lang):  # the assertions' own messages follow the chosen language
        explainer = Explainer(target, lang)
        checked = run(target, explainer)
    rows, limit, took = checked.rows, target.import_seconds, checked.import_took
    slow = limit is not None and took is not None and took > limit / 2  # a warning from half the limit on
    too_slow = slow and took > limit                                    # the grader would fail every test
    note = explainer.text("check.slow_import", files=", ".join(target.student_files), took=f"{took:.1f}",
                          seconds=f"{limit:g}") if slow else None
    show(target, rows, explainer.text, plain=plain, out=out, note=note, ready=not too_slow)
    return 0 if rows and all(r.passed for r in rows) and not too_slow else 1
