"""Where a batch's submissions are graded: the executors behind `grade --executor`.

An executor takes the loaded submissions of a batch, numbered, and hands back
each one's Result through `deliver(index, result)`, in this (the trusted
parent) process, in whatever order they finish:

  local   this machine: `--jobs 1` grades in this process with one fork server;
          `--jobs N` keeps N grader processes, each with its own fork server
  dask    a dask.distributed cluster (`--scheduler ADDRESS`): every Dask worker
          grades with its own fork server, sandbox on

The executor never writes the gradebook: the caller does, once per index
(autograder.batch keeps that ledger), so a result that arrives twice, after a
retry, is recorded once.
"""

from __future__ import annotations

import logging
from typing import Callable, Protocol

from ..course import Assignment
from ..result import Result
from ..submission import Submission

Deliver = Callable[[int, Result], None]
log = logging.getLogger("autograder")


class ExecutorError(Exception):
    """The executor could not run the batch (cluster unreachable, extra missing): a sentence for the user."""


class Executor(Protocol):
    def run(self, assignment: Assignment, work: list[tuple[int, Submission]], deliver: Deliver) -> None:
        """Grade every (index, submission); call deliver(index, result) in this process as each finishes."""


def make(kind: str = "local", jobs: int = 1, scheduler: str | None = None, sandbox_factory=None) -> Executor:
    """The executor the command line asked for; ExecutorError when the request cannot work."""
    if kind == "local":
        if scheduler:
            raise ExecutorError("--scheduler needs --executor dask; the local executor grades on this machine.")
        from .local import LocalExecutor
        return LocalExecutor(jobs, sandbox_factory)
    if kind == "dask":
        if not scheduler:
            raise ExecutorError("--executor dask needs --scheduler ADDRESS, the address of a running Dask "
                                "scheduler (for example tcp://10.0.0.5:8786, as `dask scheduler` prints it).")
        if jobs and jobs > 1:
            raise ExecutorError("--jobs sets the lanes of the local executor; a Dask cluster grades with "
                                "its workers (start more with `dask worker ADDRESS --nworkers N`).")
        from .dask_cluster import DaskExecutor
        return DaskExecutor(scheduler)
    raise ExecutorError(f"unknown executor {kind!r}: use local or dask.")
