"""Our grader's figures: batches through the command line, and the floor a submission cannot go below.

    batch(...)    `python -m autograder grade --assignment ID FOLDER --jobs N --gradebook DB` as its own
                  process; per-submission latency is each row's execution_time (the time grade() took
                  for it, inside its lane), wall and memory come from outside (measure.run_limited).
    floor(...)    the baseline of the goal "latency within 3x of forking a warm worker plus the
                  tests' own arithmetic": a warm worker's start (fork from the zygote, walls, hello)
                  plus the hidden tests run in this process on the solution (no sandbox, no IPC).
"""

from __future__ import annotations

import sqlite3
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder import course
from autograder.grade import grade
from autograder.sandbox import InProcess
from autograder.sandbox.forkserver import ForkServer, Spawner
from autograder.submission import Submission

from .measure import Run, run_limited, timed


def batch(assignment_id: str, folder: Path, jobs: int, workload: str, n: int, limit: float) -> Run:
    run = Run(f"ours --jobs {jobs}", workload, n)
    with tempfile.TemporaryDirectory(prefix="bench-ours-") as tmp:
        db = Path(tmp) / "grades.db"
        finished = run_limited([sys.executable, "-m", "autograder", "grade", "--assignment", assignment_id,
                                str(folder), "--jobs", str(jobs), "--gradebook", str(db), "--quiet", "--regrade"],
                               limit, log=Path(tmp) / "log.txt")
        run.wall = finished.wall
        run.add_memory(finished)
        if finished.returncode != 0:
            run.unavailable = (f"exit status {finished.returncode}" if finished.returncode is not None
                               else f"did not finish within {limit:g} s") + f": {finished.stderr[-300:]}"
            return run
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT st.name, s.score, s.execution_time FROM submissions s "
                                "JOIN students st ON st.id = s.student_id").fetchall()
    run.scores = {name: score for name, score, _ in rows}
    run.latencies = [seconds for _, _, seconds in rows]
    run.by_name = {name: seconds for name, _, seconds in rows}
    if len(rows) != n:
        run.note = f"{len(rows)} rows for {n} submissions"
    return run


@dataclass
class Floor:
    fresh_python: float        # median s: a fresh interpreter importing numpy (a naive grader, per submission)
    warm_worker: float         # median s: fork a walled-in worker from the warm zygote and say hello
    warm_worker_p95: float
    arithmetic: float          # median s: the hidden tests on the solution, in this process, no sandbox
    graded: float              # median s: grade() of the solution with the fork server (sandbox on)
    graded_p95: float
    spawned: float             # median s: grade() with a fresh interpreter per worker (AUTOGRADER_SANDBOX=spawn)
    tests: int

    @property
    def baseline(self) -> float:
        return self.warm_worker + self.arithmetic

    @property
    def ratio(self) -> float:
        return self.graded / self.baseline


def floor(assignment_id: str, repeat: int, spawned: bool = True) -> Floor:
    """The floor's parts, medians of `repeat` runs; spawned=False leaves out the fresh-interpreter grade (nan)."""
    assignment = course.load(assignment_id)
    solution = Submission("solution", {f: (assignment.solution_folder / f).read_bytes()
                                        for f in assignment.student_files})
    fresh = timed(lambda: subprocess.run([sys.executable, "-c", "import numpy"], check=True),
                  max(3, repeat // 5))
    grade(assignment, solution, InProcess())  # warm-up: imports, caches
    arithmetic = timed(lambda: grade(assignment, solution, InProcess()), repeat)
    with ForkServer() as server:
        grade(assignment, solution, server)
        starts = timed(lambda: server.start(assignment.limits).close(), repeat)
        graded = timed(lambda: grade(assignment, solution, server), repeat)
    if spawned:
        with Spawner() as spawner:
            spawned = timed(lambda: grade(assignment, solution, spawner), max(3, repeat // 5))
    else:
        spawned = [float("nan")]
    p95 = lambda values: sorted(values)[min(len(values) - 1, round(0.95 * (len(values) - 1)))]  # noqa: E731
    return Floor(statistics.median(fresh), statistics.median(starts), p95(starts), statistics.median(arithmetic),
                 statistics.median(graded), p95(graded), statistics.median(spawned), len(assignment.tests))
