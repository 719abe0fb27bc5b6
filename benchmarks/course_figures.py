"""The course-scale figures: every assignment graded in batches, against a fresh `import numpy`.

    fresh_numpy(repeat)            median s of `python -c "import numpy"`: what a naive grader pays
                                   per submission before any work, the unit of every ratio here
    grade_course(ids, sizes, jobs, tmp)  each assignment's mix (course_mix.students) at each batch size,
                                   one `grade --jobs J` process per batch, start included
    per_submission(ids, n, ...)    n copies of each solution in one batch: wall / n, start included
    profile(figures, repeat)       where one correct submission's time goes (ours.floor per assignment)
    single_upload(ids, repeat)     one correct upload alone: the whole `grade FILE --out results.json`
                                   process (what Gradescope runs per upload), median wall
    extrapolated(run, n)           a batch's wall scaled to n submissions (its cost per submission x n)

Walls are timed from outside, through measure.run_limited, so a process's start-up counts.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from autograder import course

from . import course_mix, ours
from .measure import Run, run_limited

LIMIT = 3600.0  # seconds for one batch: far beyond 1,000 submissions here


@dataclass
class Assignment:
    """One assignment's figures: its mix at each batch size, a batch of solutions, one upload alone."""

    id: str
    tests: int
    mix: list[Run] = field(default_factory=list)     # by batch size, ascending
    counts: dict[str, int] = field(default_factory=dict)  # sample kind -> students, at the largest size
    solutions: Run | None = None                     # the batch of solution copies
    single: list[float] = field(default_factory=list)  # s per `grade FILE --out` process
    floor: ours.Floor | None = None                  # where one correct submission's time goes

    @property
    def largest(self) -> Run | None:
        return self.mix[-1] if self.mix else None

    def hang_seconds(self) -> float:
        """Grading time the hanging students took in the largest batch (s, summed over lanes)."""
        run = self.largest
        return sum(s for name, s in run.by_name.items() if course_mix.HANG in name) if run else 0.0


def fresh_numpy(repeat: int) -> float:
    times = []
    for _ in range(repeat):
        times.append(run_limited([sys.executable, "-c", "import numpy"], 60).wall)
    return statistics.median(times)


def sizes_up_to(n: int, steps: tuple[int, ...] = (10, 100, 1000)) -> list[int]:
    """The batch sizes measured for a course of n students: each step below n, then n."""
    return [s for s in steps if s < n] + [n]


def grade_course(ids: list[str], sizes: list[int], jobs: int, tmp: Path,
           say: Callable[[str], None] = print) -> list[Assignment]:
    found = []
    for assignment_id in ids:
        figures = Assignment(assignment_id, len(course.load(assignment_id).tests))
        for n in sizes:
            folder = tmp / f"course-{assignment_id}-{n}"
            counts = course_mix.students(assignment_id, folder, n)
            run = ours.batch(assignment_id, folder, jobs, "course mix", n, LIMIT)
            run.tool = f"{assignment_id} --jobs {jobs}"
            figures.mix.append(run)
            figures.counts = counts
            say(f"{assignment_id:24s} mix n={n:<5d} wall {run.wall:8.2f} s  "
                f"{1000 * run.per_submission:7.1f} ms/submission" + (f"  {run.unavailable}" if not run.ok else ""))
        found.append(figures)
    return found


def per_submission(figures: list[Assignment], copies: int, jobs: int, tmp: Path,
                   say: Callable[[str], None] = print) -> None:
    for each in figures:
        folder = tmp / f"solutions-{each.id}"
        course_mix.correct_copies(each.id, folder, copies)
        each.solutions = ours.batch(each.id, folder, jobs, "solutions", copies, LIMIT)
        say(f"{each.id:24s} {copies} solutions: {1000 * each.solutions.per_submission:7.1f} ms/submission")


def single_upload(figures: list[Assignment], repeat: int, say: Callable[[str], None] = print) -> None:
    for each in figures:
        assignment = course.load(each.id)
        with tempfile.TemporaryDirectory(prefix="bench-single-") as tmp:
            upload = Path(tmp) / assignment.student_files[0]
            upload.write_bytes((assignment.solution_folder / assignment.student_files[0]).read_bytes())
            command = [sys.executable, "-m", "autograder", "grade", "--assignment", each.id, str(upload),
                       "--out", str(Path(tmp) / "results.json")]
            subprocess.run(command, capture_output=True, timeout=600)  # a first run writes the bytecode caches
            for _ in range(repeat):
                finished = run_limited(command, 600, cwd=Path(tmp))
                if finished.returncode not in (0, 1):  # 1: the grade ran and the score is below full
                    raise RuntimeError(f"grade {each.id} alone failed: {finished.stderr[-300:]}")
                each.single.append(finished.wall)
        say(f"{each.id:24s} one upload alone: {1000 * statistics.median(each.single):7.1f} ms")


def profile(figures: list[Assignment], repeat: int, say: Callable[[str], None] = print) -> None:
    """Where one correct submission's time goes, for each assignment (ours.floor, in this process)."""
    for each in figures:
        each.floor = ours.floor(each.id, repeat, spawned=False)
        say(f"{each.id:24s} one correct: {1000 * each.floor.graded:7.1f} ms = worker "
            f"{1000 * each.floor.warm_worker:.1f} + tests in-process {1000 * each.floor.arithmetic:.1f} + the rest")


def extrapolated(run: Run, n: int) -> float:
    """The batch's wall scaled to n submissions: start-up included, so an overestimate."""
    return run.per_submission * n
