"""Grading a folder of submissions, one entry per student, into a gradebook.

Each entry (a .py file, a folder or a .zip) is one student; the student's name
is the entry's name without its extension. With --jobs N, N grader processes
run side by side, each with its own fork server; the parent alone writes the
gradebook, one transaction per submission, as results arrive. A submission
already in the gradebook with the same content is skipped (unless regrading),
so a rerun after a crash picks up where the last one stopped. Whatever happens,
every entry ends with a row: a grader failure is recorded as a failed result.
"""

from __future__ import annotations

import concurrent.futures as futures
import multiprocessing
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .course import Assignment, CourseError
from .grade import grade
from .result import Result, TestResult
from .submission import Submission, load

_SANDBOX = None


@dataclass(frozen=True)
class Entry:
    student: str
    path: Path


def entries(folder: Path) -> list[Entry]:
    """The students' entries of a submissions folder, sorted by name."""
    found = []
    for path in sorted(Path(folder).iterdir()):
        if path.name.startswith((".", "__")) or path.is_symlink():
            continue
        name = path.name
        for suffix in (".zip", ".py"):
            if path.is_file() and name.lower().endswith(suffix):
                name = name[: -len(suffix)]
        found.append(Entry(name, path))
    return found


def _init_process() -> None:
    import atexit

    from .sandbox import default_sandbox

    global _SANDBOX
    manager = default_sandbox()
    _SANDBOX = manager.__enter__()
    atexit.register(manager.__exit__, None, None, None)


def _grade_one(assignment: Assignment, submission: Submission) -> Result:
    return safe_grade(assignment, submission, _SANDBOX)


def safe_grade(assignment: Assignment, submission: Submission, sandbox,
               only: tuple[str, ...] | None = None) -> Result:
    """grade(), except that a failure of the grader itself still gives a (failed) result."""
    try:
        return grade(assignment, submission, sandbox, only=only)
    except CourseError:
        raise  # the course itself is broken: no result would be fair
    except Exception as exc:  # a bug of ours must not cost the student their row
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        message = f"The grader failed on this submission ({detail}); ask the instructor to regrade it."
        return Result(assignment.id, submission.name,
                      tuple(TestResult(t.name, t.unit, 0.0, t.points, message) for t in assignment.tests
                            if only is None or t.name in only),
                      submission.sha256, output=message)


def grade_batch(assignment: Assignment, todo: list[Entry], jobs: int, sandbox_factory,
                on_result: Callable[[Entry, Result], None]) -> None:
    """Grade every entry; `on_result` is called in this process as each one finishes."""
    loaded = [(entry, load(entry.path, assignment.student_files, entry.student)) for entry in todo]
    if jobs <= 1:
        with sandbox_factory() as sandbox:
            for entry, submission in loaded:
                on_result(entry, safe_grade(assignment, submission, sandbox))
        return
    remaining = dict(enumerate(loaded))
    context = multiprocessing.get_context("spawn")
    try:
        with futures.ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_process) as pool:
            running = {pool.submit(_grade_one, assignment, sub): i for i, (_, sub) in remaining.items()}
            for done in futures.as_completed(running):
                index = running[done]
                result = done.result()
                on_result(remaining.pop(index)[0], result)
    except futures.process.BrokenProcessPool:
        pass  # a grader process died: finish what is left here, one by one
    if remaining:
        with sandbox_factory() as sandbox:
            for entry, submission in remaining.values():
                on_result(entry, safe_grade(assignment, submission, sandbox))


def iter_pending(assignment: Assignment, all_entries: list[Entry], gradebook, regrade: bool) -> Iterator[Entry]:
    """Entries not yet in the gradebook with their current content."""
    for entry in all_entries:
        if regrade or gradebook is None:
            yield entry
            continue
        submission = load(entry.path, assignment.student_files, entry.student)
        if not gradebook.has(entry.student, assignment.id, submission.sha256):
            yield entry
