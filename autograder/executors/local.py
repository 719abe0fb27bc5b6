"""The local executor: grading lanes side by side on this machine.

`--jobs N` runs N lanes side by side. Lane 0 grades in this process, in a
thread; lanes 1..N-1 each drive one grader process, started for the batch.
Every lane takes the next submission from one shared queue when it is free, so

  - a lane held up by a hanging submission holds up only itself: the others
    keep taking work;
  - no submission is handed out twice, and results come back to the caller's
    thread, which alone records them.

Where the OS allows (Linux), a grader process is forked from this one before
any lane thread starts, and shares lane 0's fork server (one zygote, a control
channel each): it has every module it needs already imported and a zygote
ready, so it grades at once, instead of first starting a Python, importing
numpy and the hidden tests and starting a zygote of its own (most of a second
of a core). Elsewhere it is spawned and starts its own. A batch too small
to repay a grader process's start-up gets fewer lanes (HELPER_MIN_SUBMISSIONS
per extra lane). If a grader process dies (killed from outside), its lane puts
its submission back and stops; what is left is graded in this process.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import queue
import sys
import threading

from ..course import Assignment
from ..result import Result
from ..submission import Submission
from ..grade import safe_grade
from . import Deliver

# A lane is worth a grader process for at least this many submissions: a forked
# one grades within milliseconds, a spawned one costs most of a second of a core
# first (a Python importing numpy and the grader, then its own zygote).
HELPER_MIN_SUBMISSIONS = {"fork": 4, "spawn": 16}


def default_jobs() -> int:
    """--jobs when not given: the cores this process may run on (its CPU affinity where the system has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS and Windows have no affinity call
        return max(1, os.cpu_count() or 1)


def planned_lanes(jobs: int, submissions: int, method: str | None = None) -> int:
    """How many lanes `--jobs jobs` gets for a batch of `submissions`, its grader processes started by `method`."""
    return 1 + min(max(1, jobs) - 1, submissions // HELPER_MIN_SUBMISSIONS[method or _start_method()])


def _start_method() -> str:
    return "fork" if sys.platform == "linux" else "spawn"


def _grader_process(connection, assignment: Assignment, sandbox_factory, shared=None, others=()) -> None:
    """A grader process: grade (index, submission) pairs from `connection` until it sends None.

    `shared`, in a forked process: (the parent's fork server, a channel to its
    zygote from share()); this process forks its workers through that channel.
    `others`: the parent's ends of the pipes to this and earlier grader
    processes; a forked process closes its copies, so that every grader process
    sees the parent go (EOF) if it dies.
    """
    from ..sandbox import launch
    from ..sandbox.forkserver import ForkServer

    launch.forget_inherited()  # a prestarted zygote is the parent's
    for other in others:
        other.close()
    if shared is not None:
        parents, channel = shared
        parents.control.close()  # our copy: the zygote must see the parent hang up when it does
        sandbox = ForkServer(joining=channel)
    else:
        sandbox = sandbox_factory()
    with sandbox:
        try:
            while (item := connection.recv()) is not None:
                index, submission = item
                # Plain data over the pipe (Result.to_dict), read back with Result.from_dict.
                connection.send((index, safe_grade(assignment, submission, sandbox).to_dict()))
        except (EOFError, OSError):
            return  # the parent is gone: nobody is waiting for results


class LocalExecutor:
    def __init__(self, jobs: int = 1, sandbox_factory=None):
        from ..sandbox import default_sandbox

        self.jobs = max(1, int(jobs or 1))
        self.sandbox_factory = sandbox_factory or default_sandbox

    def run(self, assignment: Assignment, work: list[tuple[int, Submission]], deliver: Deliver) -> None:
        lanes = planned_lanes(self.jobs, len(work))
        with _no_spinning(lanes >= (os.cpu_count() or 1) and lanes > 1), self.sandbox_factory() as sandbox:
            sys.stdout.flush()  # a forked process would write what is still buffered a second time
            sys.stderr.flush()
            helpers: list = []
            for _ in range(lanes - 1):
                helpers.append(self._start_helper(assignment, sandbox, [c for _, c in helpers]))
            try:
                self._run(assignment, work, deliver, sandbox, helpers)
            finally:
                for process, connection in helpers:
                    connection.close()
                    process.join(timeout=10)
                    if process.is_alive():
                        process.kill()
                        process.join()

    def _start_helper(self, assignment: Assignment, sandbox, earlier: list):
        method = _start_method()
        context = multiprocessing.get_context(method)
        ours, theirs = context.Pipe()
        forked = method == "fork"
        shared = (sandbox, sandbox.share()) if forked and hasattr(sandbox, "share") else None
        process = context.Process(target=_grader_process, name="grader", daemon=True,
                                  args=(theirs, assignment, self.sandbox_factory, shared,
                                        [*earlier, ours] if forked else ()))
        process.start()
        theirs.close()
        if shared is not None:
            shared[1][1].close()  # the grader process has its copy of the channel
        return process, ours

    def _run(self, assignment: Assignment, work: list[tuple[int, Submission]], deliver: Deliver,
             sandbox, helpers: list) -> None:
        todo = collections.deque(work)
        lock = threading.Lock()
        done: queue.Queue = queue.Queue()  # (index, result) or (None, exception) from the lanes
        stop = threading.Event()

        def take():
            with lock:
                return todo.popleft() if todo and not stop.is_set() else None

        def give_back(item) -> None:
            with lock:
                todo.appendleft(item)

        def lane(body) -> None:
            try:
                body()
            except BaseException as exc:  # a broken course (CourseError) or a bug: stop every lane
                stop.set()
                done.put((None, exc))
            finally:
                done.put((None, None))  # this lane has finished

        def here() -> None:
            while (item := take()) is not None:
                done.put((item[0], safe_grade(assignment, item[1], sandbox)))

        def helper(connection) -> None:
            try:
                while (item := take()) is not None:
                    try:
                        connection.send(item)
                        answer = connection.recv()
                    except (EOFError, OSError):
                        give_back(item)  # its grader process died: another lane grades it
                        return
                    index, answer = answer
                    done.put((index, Result.from_dict(answer)))
            finally:
                with contextlib.suppress(OSError):
                    connection.send(None)

        threads = [threading.Thread(target=lane, args=(here,), daemon=True, name="grade-lane-0")]
        threads += [threading.Thread(target=lane, args=(lambda c=connection: helper(c),), daemon=True,
                                     name=f"grade-lane-{n}") for n, (_, connection) in enumerate(helpers, 1)]
        failure = None
        try:
            for thread in threads:
                thread.start()
            running = len(threads)
            while running:
                index, payload = done.get()
                if index is None:
                    running -= 1
                    failure = failure or payload
                else:
                    deliver(index, payload)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        if failure is not None:
            raise failure
        for index, submission in todo:  # every helper died after lane 0 had finished: grade the rest here
            deliver(index, safe_grade(assignment, submission, sandbox))


@contextlib.contextmanager
def _no_spinning(wanted: bool):
    """With as many lanes as cores, receivers sleep instead of spinning for answers.

    A spinning receiver (sandbox/protocol.py) saves a wake-up per round trip when a
    core is free, and takes a core from another lane when none is. Measured on 2
    cores, 300 submissions: --jobs 1 grades 37/s spinning and 30/s without; --jobs 2
    grades 42/s spinning and 52/s without. Set here for this process (lane 0) and the
    grader processes (forked ones copy it, spawned ones read the environment); every
    fork server passes it on to its workers with each fork.
    """
    if not wanted:
        yield
        return
    from ..sandbox import protocol

    before_env, before = os.environ.get("AUTOGRADER_SPIN_SECONDS"), protocol.SPIN_SECONDS
    os.environ["AUTOGRADER_SPIN_SECONDS"], protocol.SPIN_SECONDS = "0", 0.0
    try:
        yield
    finally:
        protocol.SPIN_SECONDS = before
        if before_env is None:
            os.environ.pop("AUTOGRADER_SPIN_SECONDS", None)
        else:
            os.environ["AUTOGRADER_SPIN_SECONDS"] = before_env
