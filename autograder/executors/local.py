"""The local executor: grading lanes on this machine, each with its own fork server.

`--jobs N` runs N lanes side by side. Lane 0 grades in this process, in a
thread, with a fork server started at once; lanes 1..N-1 each drive one grader
process of a pool, kept for the whole batch. Every lane takes the next
submission from one shared queue when it is free, so

  - grading starts as soon as this process's fork server is up, while the
    other grader processes are still importing numpy and starting theirs
    (the pool's start-up, about half a second, no longer stalls small batches);
  - a lane held up by a hanging submission holds up only itself: the others
    keep taking work;
  - no submission is handed out twice, and results come back to the caller's
    thread, which alone records them.

A batch too small to repay a grader process's start-up gets fewer lanes
(HELPER_MIN_SUBMISSIONS per extra lane). If a grader process dies (killed from
outside), its lane puts its submission back and stops; what is left is graded
in this process.
"""

from __future__ import annotations

import atexit
import collections
import concurrent.futures as futures
import contextlib
import multiprocessing
import os
import queue
import threading

from ..course import Assignment
from ..submission import Submission
from . import Deliver, safe_grade

_SANDBOX = None  # in a pool process: its fork server, for the whole batch

# A grader process costs about half a second of CPU to start (a Python that
# imports numpy, then its fork server's): it is only worth it for a lane that
# will grade at least this many submissions, at tens of milliseconds each.
HELPER_MIN_SUBMISSIONS = 16


def _init_process() -> None:
    from ..sandbox import default_sandbox

    global _SANDBOX
    manager = default_sandbox()
    _SANDBOX = manager.__enter__()
    atexit.register(manager.__exit__, None, None, None)


def _grade_in_pool(assignment: Assignment, submission: Submission):
    return safe_grade(assignment, submission, _SANDBOX)


class LocalExecutor:
    def __init__(self, jobs: int = 1, sandbox_factory=None):
        from ..sandbox import default_sandbox

        self.jobs = max(1, int(jobs or 1))
        self.sandbox_factory = sandbox_factory or default_sandbox

    def run(self, assignment: Assignment, work: list[tuple[int, Submission]], deliver: Deliver) -> None:
        helpers = min(self.jobs - 1, len(work) // HELPER_MIN_SUBMISSIONS)
        with _no_spinning(helpers + 1 >= (os.cpu_count() or 1) and helpers > 0):
            self._run(assignment, work, deliver, helpers)

    def _run(self, assignment: Assignment, work: list[tuple[int, Submission]], deliver: Deliver,
             helpers: int) -> None:
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
            with self.sandbox_factory() as sandbox:
                while (item := take()) is not None:
                    done.put((item[0], safe_grade(assignment, item[1], sandbox)))

        def helper(pool) -> None:
            while (item := take()) is not None:
                try:
                    result = pool.submit(_grade_in_pool, assignment, item[1]).result()
                except futures.process.BrokenProcessPool:
                    give_back(item)  # its grader process died: another lane grades it
                    return
                done.put((item[0], result))

        pool = None
        if helpers:
            pool = futures.ProcessPoolExecutor(helpers, mp_context=multiprocessing.get_context("spawn"),
                                               initializer=_init_process)
        threads = [threading.Thread(target=lane, args=(here,), daemon=True, name="grade-lane-0")]
        threads += [threading.Thread(target=lane, args=(lambda: helper(pool),), daemon=True,
                                     name=f"grade-lane-{n}") for n in range(1, helpers + 1)]
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
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        if failure is not None:
            raise failure
        if todo:  # every helper died after lane 0 had finished: grade the rest here
            with self.sandbox_factory() as sandbox:
                for index, submission in todo:
                    deliver(index, safe_grade(assignment, submission, sandbox))


@contextlib.contextmanager
def _no_spinning(wanted: bool):
    """With as many lanes as cores, receivers sleep instead of spinning for answers.

    A spinning receiver (sandbox/protocol.py) saves a wake-up per round trip when a
    core is free, and takes a core from another lane when none is. Measured on 2
    cores, 300 submissions: --jobs 1 grades 37/s spinning and 30/s without; --jobs 2
    grades 42/s spinning and 52/s without. Set here for this process (lane 0), the
    grader processes and, through their environment, every fork server's workers.
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
