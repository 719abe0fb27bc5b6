"""File names for a batch's per-student results (`grade --out DIR`): DIR/<student>.json.

A student's name is chosen by whoever named the upload, so it becomes a file
name only through filenames.safe_file_stem (safe characters, no name Windows
reserves, distinct as a case-insensitive, normalizing disk compares names).
The names of a batch are chosen from its sorted student names before grading
starts, so they never depend on the order in which results arrive.
"""

from __future__ import annotations

from collections.abc import Iterable

from .filenames import safe_file_stem


def json_names(students: Iterable[str]) -> dict[str, str]:
    """student -> the file name of their results, `<stem>.json`, one per student, in sorted order."""
    taken: set[str] = set()
    return {student: f"{safe_file_stem(student, taken)}.json" for student in sorted(set(students))}
