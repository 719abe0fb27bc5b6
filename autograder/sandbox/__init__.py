"""Step 2 of grading: where student code runs.

`start_worker(limits)` gives a Worker: a channel to a process that holds only
numpy, the worker code and (later) the student's files. Two kinds:

  ForkServer   the default on Linux and macOS: a warm parent that imported numpy
               forks one worker per submission, limited (see limits.py)
  InProcess    no isolation at all: the student's own `check` on their own code,
               and the engine's unit tests
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from .worker import Session, in_process_answer


class InProcessWorker:
    """Runs the worker's request handler in this process: same protocol, no limits."""

    protections: tuple[str, ...] = ()

    def __init__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="autograder-")
        self._session = Session(Path(self._tmp.name))

    def exchange(self, message: bytes, timeout: float | None = None) -> bytes:
        return in_process_answer(self._session, message)[8:]

    def close(self) -> None:
        self._tmp.cleanup()


class InProcess:
    """A sandbox that is not one: for trusted code only."""

    protections: tuple[str, ...] = ("none: student code ran inside the grader",)

    def start(self, limits) -> InProcessWorker:
        return InProcessWorker()

    def close(self) -> None:
        pass


class _Managed:
    def __init__(self, sandbox):
        self.sandbox = sandbox

    def __enter__(self):
        return self.sandbox

    def __exit__(self, *exc):
        self.sandbox.close()


def default_sandbox() -> _Managed:
    """The sandbox grading uses: a context manager that shuts it down at the end."""
    if hasattr(os, "fork") and sys.platform != "win32":
        from .forkserver import ForkServer
        return _Managed(ForkServer())
    raise RuntimeError("grading needs a POSIX system with fork (Linux or macOS)")
