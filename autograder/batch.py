"""Grading a folder of submissions, one entry per student, into a gradebook.

Each entry (a .py file, a folder or a .zip) is one student; the student's name
is the entry's name without its extension, cleaned by autograder/untrusted.py
(a name is chosen by whoever named the upload: no escape sequence, no markup
trick, at most untrusted.NAME_CHARS characters). Two entries whose names clean
to the same text are told apart by " (2)", " (3)", ... in sorted order. Grading happens in an executor
(autograder/executors/: the local one with --jobs N lanes, or a Dask cluster),
every grader with its own fork server; the parent alone writes the gradebook,
one transaction per submission, as results arrive, and a ledger makes that
exactly once per entry even when an executor retries. A submission
already in the gradebook with the same content is skipped (unless regrading),
so a rerun after a crash picks up where the last one stopped; a row whose grading
failed in the grader itself (Result.failed_by_grader) counts as not graded, and
the rerun grades it again. Whatever happens, every entry ends with a row: a
grader failure is recorded as a failed result, marked as the grader's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterator
from typing import Callable

from .course import Assignment
from .executors import Executor, failed_result, safe_grade
from .executors.local import LocalExecutor
from . import messages, untrusted
from .result import Result
from .submission import Submission, load

__all__ = ["Entry", "Ledger", "entries", "grade_batch", "iter_pending", "safe_grade"]


@dataclass(frozen=True)
class Entry:
    student: str
    path: Path


def entries(folder: Path) -> list[Entry]:
    """The students' entries of a submissions folder, sorted by name."""
    found, taken = [], set()
    for path in sorted(Path(folder).iterdir()):
        if path.name.startswith((".", "__")) or path.is_symlink():
            continue
        name = path.name
        for suffix in (".zip", ".py"):
            if path.is_file() and name.lower().endswith(suffix):
                name = name[: -len(suffix)]
        student = untrusted.name(name) or "student"
        if student in taken:
            student = next(f"{student[:untrusted.NAME_CHARS - 8]} ({n})" for n in range(2, len(taken) + 3)
                           if f"{student[:untrusted.NAME_CHARS - 8]} ({n})" not in taken)
        taken.add(student)
        found.append(Entry(student, path))
    return found


class Ledger:
    """Hands each entry's result to `on_result` exactly once, whatever the executor delivers.

    An executor may deliver a result twice (a retried task whose first run did
    finish after all) or, for a bug of its own, an index it was never given:
    both are ignored, so the gradebook gets one row per entry.
    """

    def __init__(self, loaded: list[tuple[Entry, Submission]], on_result: Callable[[Entry, Result], None]):
        self.waiting = dict(enumerate(loaded))
        self.on_result = on_result
        self.ignored = 0

    def deliver(self, index: int, result: Result) -> None:
        found = self.waiting.pop(index, None)
        if found is None:
            self.ignored += 1
            return
        self.on_result(found[0], result)


def grade_batch(assignment: Assignment, todo: list[Entry], jobs: int, sandbox_factory,
                on_result: Callable[[Entry, Result], None], executor: Executor | None = None) -> None:
    """Grade every entry; `on_result` is called in this process once per entry as it finishes.

    `executor` is where grading happens (autograder.executors); by default the
    local one with `jobs` grader lanes, each with a sandbox from `sandbox_factory`.
    """
    loaded = [(entry, load(entry.path, assignment.student_files, entry.student)) for entry in todo]
    ledger = Ledger(loaded, on_result)
    executor = executor or LocalExecutor(jobs, sandbox_factory)
    executor.run(assignment, [(i, submission) for i, (_, submission) in enumerate(loaded)], ledger.deliver)
    if ledger.waiting:  # an executor that returned without an answer for some: say so in their rows
        for index, (_, submission) in sorted(ledger.waiting.items()):
            ledger.deliver(index, failed_result(assignment, submission, messages.text("fault.no_answer")))


def iter_pending(assignment: Assignment, all_entries: list[Entry], gradebook, regrade: bool) -> Iterator[Entry]:
    """Entries not yet in the gradebook with their current content."""
    for entry in all_entries:
        if regrade or gradebook is None:
            yield entry
            continue
        submission = load(entry.path, assignment.student_files, entry.student)
        if not gradebook.has(entry.student, assignment.id, submission.sha256):
            yield entry
