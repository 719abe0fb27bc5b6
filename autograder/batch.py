"""Grading a folder of submissions, one entry per student, into a gradebook.

Each entry (a .py file, a folder or a .zip) is one student; the student's name
is the entry's name without its extension, cleaned by autograder/untrusted.py
(a name is chosen by whoever named the upload: no escape sequence, no markup
trick, at most untrusted.NAME_CHARS characters).

One student, one entry: two entries whose names are one student's name (eve.py
beside eve.zip or eve/, Eve.py beside eve.py, or names that clean or normalize
to the same text) would leave the grade to whichever finished last, so `plan`
finds them before anything is graded, and the batch either stops with a
sentence naming them (the default, --duplicates error) or grades the most
recently modified entry of each (--duplicates newest, which refuses a tie).
Symbolic links and files that are no submission (notes.txt) are listed as
skipped, never graded as a student; hidden names (.DS_Store) and __MACOSX are
left out without a word.

Grading happens in an executor
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

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator
from typing import Callable

from .course import Assignment
from .executors import Executor
from .grade import failed_result
from .executors.local import LocalExecutor
from . import messages, untrusted
from .messages import text
from .result import Result
from .submission import Submission, load

__all__ = ["DUPLICATE_POLICIES", "BatchError", "Entry", "Ledger", "Plan", "entries", "grade_batch",
           "iter_pending", "plan"]

DUPLICATE_POLICIES = ("error", "newest")
SUBMISSION_SUFFIXES = (".py", ".zip")   # a file entry is a submission when its name ends so
_LEFT_OUT = {"__MACOSX", "__pycache__"}  # what archivers and Python leave beside submissions


class BatchError(Exception):
    """The folder cannot be graded as it is (duplicate entries): a sentence for the instructor."""


@dataclass(frozen=True)
class Entry:
    student: str
    path: Path


@dataclass(frozen=True)
class Plan:
    """What a submissions folder holds: the entries to grade, those skipped, the duplicates left.

    `skipped` pairs each entry not graded with the sentence saying why; `duplicates`
    holds the groups of entries of one student the policy could not resolve
    (sorted by name): a batch with any does not start.
    """
    entries: tuple[Entry, ...]
    skipped: tuple[tuple[Path, str], ...] = ()
    duplicates: tuple[tuple[Path, ...], ...] = ()
    refusal: str = field(default="", compare=False)  # the sentence naming the duplicates, if any


def student_name(path: Path) -> str:
    """The student an entry stands for: its name without .py or .zip, cleaned and in NFC."""
    name = path.name
    for suffix in SUBMISSION_SUFFIXES:
        if path.is_file() and name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    # macOS writes Hangul file names decomposed (NFD): one student, however the name was stored.
    return untrusted.name(unicodedata.normalize("NFC", name)) or "student"


def shown(name: str) -> str:
    """An entry's file name as the instructor can find it on disk: unprintable characters as escapes.

    Two entries whose names clean to one student's name ("kim\\x1b.py" and "kim.py")
    are told apart in the sentences that list them.
    """
    out = []
    for char in name:
        code = ord(char)
        if char.isprintable():
            out.append(char)
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as os.fsdecode keeps it
            out.append(f"\\x{code - 0xDC00:02x}")
        else:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return untrusted.name("".join(out))


def _key(student: str) -> str:
    """Names that are one student's: equal once case is folded (as on a case-insensitive disk)."""
    return unicodedata.normalize("NFC", student.casefold())


def _modified(path: Path) -> int:
    """When an entry was last changed, in ns: a folder's newest file, not the folder's own time."""
    newest = path.lstat().st_mtime_ns
    if path.is_dir():
        for folder, _, names in os.walk(path):  # os.walk does not follow symlinked folders
            for name in names:
                try:
                    newest = max(newest, os.lstat(os.path.join(folder, name)).st_mtime_ns)
                except OSError:
                    continue
    return newest


def plan(folder: Path, duplicates: str = "error", lang: str | None = None) -> Plan:
    """Sort a submissions folder into entries to grade, skipped entries and unresolved duplicates.

    `duplicates` is the policy for several entries of one student: "error" (leave
    them in Plan.duplicates) or "newest" (grade the most recently modified, unless tied).
    The result depends on the folder's contents only, never on the order the disk lists them.
    """
    if duplicates not in DUPLICATE_POLICIES:
        raise ValueError(f"unknown duplicates policy {duplicates!r}: choose from {', '.join(DUPLICATE_POLICIES)}")
    skipped: list[tuple[Path, str]] = []
    by_student: dict[str, list[Path]] = {}
    for path in sorted(Path(folder).iterdir(), key=lambda p: p.name):
        if path.name.startswith(".") or path.name in _LEFT_OUT:
            continue
        if path.is_symlink():
            skipped.append((path, text("batch.skipped.symlink", lang, name=shown(path.name))))
        elif path.is_dir() or (path.is_file() and path.name.lower().endswith(SUBMISSION_SUFFIXES)):
            by_student.setdefault(_key(student_name(path)), []).append(path)
        else:
            skipped.append((path, text("batch.skipped.not_submission", lang, name=shown(path.name))))
    found, unresolved = [], []
    for paths in by_student.values():
        if len(paths) == 1:
            found.append(Entry(student_name(paths[0]), paths[0]))
            continue
        kept = _newest(paths) if duplicates == "newest" else None
        if kept is None:
            unresolved.append(tuple(paths))
            continue
        found.append(Entry(student_name(kept), kept))
        skipped += [(p, text("batch.skipped.older", lang, name=shown(p.name), newest=shown(kept.name)))
                    for p in paths if p != kept]
    return Plan(tuple(sorted(found, key=lambda e: (e.student, e.path.name))),
                tuple(sorted(skipped, key=lambda s: s[0].name)), tuple(unresolved),
                _refusal(Path(folder), unresolved, duplicates, lang))


def _newest(paths: list[Path]) -> Path | None:
    """The one most recently modified entry, or None when the newest time is shared."""
    times = {p: _modified(p) for p in paths}
    latest = max(times.values())
    newest = [p for p in paths if times[p] == latest]
    return newest[0] if len(newest) == 1 else None


def _refusal(folder: Path, groups: list[tuple[Path, ...]], policy: str, lang: str | None) -> str:
    if not groups:
        return ""
    named = "; ".join(", ".join(shown(p.name) for p in group) for group in groups)
    key = "batch.duplicates_tied" if policy == "newest" else "batch.duplicates"
    return text(key, lang, count=len(groups), folder=untrusted.path(str(folder)), groups=named)


def entries(folder: Path, duplicates: str = "error") -> list[Entry]:
    """The students' entries of a submissions folder, sorted by name; BatchError for duplicates."""
    found = plan(folder, duplicates)
    if found.duplicates:
        raise BatchError(found.refusal)
    return list(found.entries)


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
