"""Step 2 of grading: where student code runs.

A sandbox's `start(limits)` gives a worker: a channel to a process that holds
only numpy, the worker code and (once loaded) the student's files. Three kinds:

  ForkServer   the default on Linux and macOS: a warm parent that imported numpy
               forks one worker per submission, limited (see limits.py)
  Spawner      a fresh interpreter per worker, where fork is unavailable
  InProcess    no isolation at all: the student's own `check` on their own code,
               and the engine's unit tests

`default_sandbox()` gives a ForkServer where the OS can fork, else (or with
AUTOGRADER_SANDBOX=spawn) a Spawner.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path



class InProcessWorker:
    """Runs the worker's request handler in this process: same protocol, no limits."""

    protections: tuple[str, ...] = ()

    def __init__(self):
        from .worker import Session  # here, not at the top: importing sandbox.launch must stay light

        self._tmp = tempfile.TemporaryDirectory(prefix="autograder-")
        self._session = Session(Path(self._tmp.name))

    def exchange(self, message: bytes, seconds: float | None = None) -> bytes:
        from .worker import in_process_answer

        return in_process_answer(self._session, message)[8:]

    @contextlib.contextmanager
    def serving(self, answer):
        """While a request runs, the worker's reference calls go straight to `answer` (body -> message)."""
        transport = self._session.transport
        transport.send = lambda message: answer(message[8:])[8:]
        try:
            yield
        finally:
            transport.send = None

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

    return ForkServer() if forks() else Spawner()


def forks() -> bool:
    """Whether default_sandbox() is a fork server (not AUTOGRADER_SANDBOX=spawn, and the OS can fork)."""
    return os.environ.get("AUTOGRADER_SANDBOX") != "spawn" and hasattr(os, "fork")


def prestart() -> None:
    """Start the fork server's zygote now, if grading will use one: its start-up overlaps what comes next."""
    if forks():
        from . import launch

        launch.prestart()
