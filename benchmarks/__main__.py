"""Grading latency and throughput with the sandbox on, on this machine.

    python -m benchmarks [--assignment ID] [--repeat N] [--batch N]

Prints, for one assignment:
  - the cost of a fresh Python that imports numpy (what a naive grader pays per submission)
  - the cost of a warm worker: fork from the zygote, wall it in, say hello, close
  - per-submission latency (median, p95) of grading the reference solution
  - batch throughput over a mix of correct, buggy and broken submissions, --jobs 1 and 2
  - the same latency with a fresh interpreter per worker (AUTOGRADER_SANDBOX=spawn)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from autograder import course
from autograder.batch import entries, grade_batch
from autograder.grade import grade
from autograder.sandbox.forkserver import ForkServer, Spawner
from autograder.submission import Submission


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def ms(value: float) -> str:
    return f"{1000 * value:8.1f} ms"


def fresh_python(repeat: int) -> list[float]:
    return timed(lambda: subprocess.run([sys.executable, "-c", "import numpy"], check=True), repeat)


def sample_folder(assignment, folder: Path, count: int) -> None:
    """count submissions cycling through: correct, stub, a mutant-like bug, a syntax error, a hang."""
    solution = (assignment.solution_folder / assignment.student_files[0]).read_text()
    stub = (assignment.folder / assignment.student_files[0]).read_text()
    kinds = [solution, solution, solution, stub, solution.replace("axis=0", "axis=None", 1), "def (:\n"]
    for i in range(count):
        (folder / f"s{i:04d}.py").write_text(kinds[i % len(kinds)])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--assignment", default="03_affine")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--batch", type=int, default=60)
    args = parser.parse_args(argv)
    assignment = course.load(args.assignment)
    solution = Submission("solution", {f: (assignment.solution_folder / f).read_bytes()
                                        for f in assignment.student_files})

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}; assignment {assignment.id} ({len(assignment.tests)} hidden tests)")
    cold = fresh_python(max(5, args.repeat // 6))
    print(f"fresh python + import numpy      median {ms(statistics.median(cold))}")

    with ForkServer() as server:
        grade(assignment, solution, server)  # warm-up
        starts = timed(lambda: server.start(assignment.limits).close(), args.repeat)
        print(f"warm worker start (fork+walls)   median {ms(statistics.median(starts))}  p95 {ms(p95(starts))}")
        lat = timed(lambda: grade(assignment, solution, server), args.repeat)
        print(f"grade one correct submission     median {ms(statistics.median(lat))}  p95 {ms(p95(lat))}")
        print(f"  fresh-python cost / warm grading: {statistics.median(cold) / statistics.median(lat):.1f}x; "
              f"fresh-python cost / warm worker start: {statistics.median(cold) / statistics.median(starts):.0f}x")

    with Spawner() as spawner:
        spawn_lat = timed(lambda: grade(assignment, solution, spawner), max(3, args.repeat // 6))
        print(f"grade one, fresh interpreter     median {ms(statistics.median(spawn_lat))}")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sample_folder(assignment, folder, args.batch)
        todo = entries(folder)
        for jobs in (1, 2):
            done = []
            start = time.perf_counter()
            grade_batch(assignment, todo, jobs, ForkServer, lambda e, r: done.append(r))
            elapsed = time.perf_counter() - start
            print(f"batch of {len(done)} mixed, --jobs {jobs}      {len(done) / elapsed:6.1f} submissions/s "
                  f"({ms(elapsed / len(done))} each, process start-up included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
