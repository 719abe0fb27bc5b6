"""The Dask executor: a batch graded on a dask.distributed cluster.

    python -m autograder grade --assignment ID SUBMISSIONS_DIR --executor dask --scheduler ADDRESS

This process (the trusted parent) reads the submissions, sends each one to the
cluster as one task, and records results as they come back; it alone writes
the gradebook. Each Dask worker grades with its own fork server, started once
by a worker plugin, so student code runs in the same sandbox as on one machine
(one walled-in process per submission, forked from a warm parent).

Trust: the Dask workers belong to the grader, like the grader processes of the
local executor. They import the hidden tests and the reference solutions from
their own copy of the course, decide scores, and send back Result objects, which
this process unpickles (Dask's protocol): run workers only on machines you
control, from the same version of the course. Each task carries a fingerprint
of the assignment (manifest, solution) and of the engine (every module of the
autograder package, hidden tests included); a worker whose copy differs
refuses to grade, and the batch stops with a sentence saying so.

Failures: when a Dask worker dies mid-task the scheduler runs the task again
elsewhere; a task that has killed `distributed.scheduler.allowed-failures`
workers (3 by default) comes back as KilledWorker and the submission gets a
failed row saying so. Results are delivered by index to autograder.batch's
ledger, which records each entry once.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from pathlib import Path

from .. import course, messages, reference
from ..course import Assignment, CourseError
from ..result import Result
from ..submission import Submission
from ..grade import failed_result, safe_grade
from . import Deliver, ExecutorError

PLUGIN = "autograder-sandbox"
CONNECT_SECONDS = 10


def fingerprint(assignment: Assignment) -> str:
    """A hash of what decides scores: the manifest, the reference solution and the engine.

    The engine is every module and message file of the autograder package (its
    hidden tests, bug patterns, sandbox and protocol included): a worker with
    another version of any of them could score differently, or speak to its
    workers differently.
    """
    digest = hashlib.sha256(engine_digest().encode())
    paths = [assignment.folder / "manifest.toml"]
    paths += [assignment.solution_folder / name for name in assignment.student_files]
    for path in paths:
        with open(path, "rb") as handle:
            digest.update(handle.read() + b"\0")
    return digest.hexdigest()


@functools.cache
def engine_digest(package: Path = Path(__file__).resolve().parents[1]) -> str:  # noqa: B008 (this package)
    """A hash of the autograder package's .py and .toml files, by path and content (once per process)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.suffix in (".py", ".toml") and p.is_file()):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _plugin_class():
    from distributed.diagnostics.plugin import WorkerPlugin

    class SandboxPlugin(WorkerPlugin):
        """Starts one fork server per Dask worker, and shuts it down with the worker."""

        name = PLUGIN

        def setup(self, worker):
            from ..sandbox import default_sandbox

            self.manager = default_sandbox()
            self.sandbox = self.manager.__enter__()

        def teardown(self, worker):
            self.manager.__exit__(None, None, None)

    return SandboxPlugin


def grade_on_worker(assignment_id: str, expected: str, submission: Submission):
    """The task: grade one submission on a Dask worker with that worker's fork server."""
    from distributed import get_worker

    assignment = course.load(assignment_id)
    if fingerprint(assignment) != expected:
        raise CourseError(
            f"the Dask worker {get_worker().address} has a different copy of {assignment_id} "
            "(its manifest, solution or grading engine differ from the grading machine's): "
            "install the same version of the course on every worker")
    reference.module(assignment)  # imported once per worker process (cached), not per test
    return safe_grade(assignment, submission, get_worker().plugins[PLUGIN].sandbox)


class DaskExecutor:
    """Grades on the cluster whose scheduler is at `scheduler` (an address, or a distributed.Client)."""

    def __init__(self, scheduler, task=grade_on_worker, connect_seconds: float = CONNECT_SECONDS):
        self.scheduler, self.task, self.connect_seconds = scheduler, task, connect_seconds

    def _client(self):
        try:
            from distributed import Client
        except ImportError:
            raise ExecutorError("the Dask executor needs dask.distributed, which is not installed: "
                                "pip install 'backprop-rnn-kit[dask]' (or pip install 'dask[distributed]').") \
                from None
        if not isinstance(self.scheduler, str):
            return self.scheduler, False
        try:
            return Client(self.scheduler, timeout=self.connect_seconds, set_as_default=False), True
        except (OSError, TimeoutError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ExecutorError(
                f"could not reach the Dask scheduler at {self.scheduler} within {self.connect_seconds:g} s "
                f"({reason}). Check the address (as `dask scheduler` prints it, e.g. tcp://10.0.0.5:8786), "
                "that the scheduler is running and that this machine can reach its port.") from None

    def run(self, assignment: Assignment, work: list[tuple[int, Submission]], deliver: Deliver) -> None:
        if not work:
            return
        client, owned = self._client()
        try:
            self._run(client, assignment, work, deliver)
        finally:
            if owned:
                client.close()

    def _run(self, client, assignment, work, deliver) -> None:
        from concurrent.futures import CancelledError

        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        client.register_plugin(_plugin_class()(), name=PLUGIN)
        expected = fingerprint(assignment)
        batch = uuid.uuid4().hex[:12]
        # An explicit key per submission: Dask would otherwise merge two students
        # who uploaded the same bytes into one task.
        tasks = {client.submit(self.task, assignment.id, expected, submission,
                               key=f"grade-{assignment.id}-{batch}-{index}"): (index, submission)
                 for index, submission in work}
        try:
            for future, value in as_completed(tasks, loop=client.loop, with_results=True, raise_errors=False):
                index, submission = tasks[future]
                if isinstance(value, dict):  # a task may answer with Result.to_dict()
                    value = Result.from_dict(value)
                if isinstance(value, Result):
                    deliver(index, value)
                    continue
                if isinstance(value, tuple) and len(value) == 3:  # a task's error: (type, exception, traceback)
                    value = value[1]
                if isinstance(value, CancelledError):
                    raise ExecutorError(
                        "lost the Dask cluster mid-batch (the scheduler closed or stopped answering). "
                        "Run the same command again: the gradebook keeps what was recorded and grades the rest.")
                if isinstance(value, CourseError):
                    raise value
                if isinstance(value, KilledWorker):
                    message = messages.text("grade.workers_died", tries=value.allowed_failures + 1)
                else:
                    message = messages.text("grade.grader_failed", detail=f"{type(value).__name__}: {value}")
                deliver(index, failed_result(assignment, submission, message))
        finally:
            client.cancel(list(tasks))
