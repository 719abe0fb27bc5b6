"""Step 2 of grading: where student code runs.

`start_worker(limits)` gives a Worker: a channel to a process that holds only
numpy, the worker code and (later) the student's files. Two kinds:

  ForkServer   the default on Linux and macOS: a warm parent that imported numpy
               forks one worker per submission, limited (see limits.py)
  Spawner      a fresh interpreter per worker, where fork is unavailable
  InProcess    no isolation at all: the student's own `check` on their own code,
               and the engine's unit tests
"""

from __future__ import annotations

import os
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


def default_sandbox():
    """The sandbox grading uses, as a context manager that shuts it down at the end.

    A fork server where the OS can fork; AUTOGRADER_SANDBOX=spawn starts a fresh
    interpreter per worker instead (slower, same walls).
    """
    from .forkserver import ForkServer, Spawner

    if os.environ.get("AUTOGRADER_SANDBOX") == "spawn" or not hasattr(os, "fork"):
        return Spawner()
    return ForkServer()
