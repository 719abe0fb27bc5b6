"""File names for a batch's per-student results (`grade --out DIR`): DIR/<student>.json.

A student's name is chosen by whoever named the upload, so it becomes a file
name only through `safe_file_stem`: characters outside letters, digits, `.`,
`-` and `_` become `_`, names Windows reserves (CON, NUL, COM1, ...) get a
trailing `_`, the stem stays under 200 bytes of UTF-8, and a stem already
taken, compared as a case-insensitive, normalizing disk compares names
(macOS, Windows), gets `-2`, `-3`, ... The names of a batch are chosen from
its sorted student names before grading starts, so they never depend on the
order in which results arrive.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_UNSAFE = re.compile(r"[^\w.-]+")
_RESERVED = re.compile(r"(con|prn|aux|nul|com\d|lpt\d)(\..*)?\Z", re.IGNORECASE)
MAX_STEM_BYTES = 200  # a file name holds 255 bytes; Hangul takes 3 a character


def _disk_key(stem: str) -> str:
    """Two stems a case-insensitive, normalizing file system would take for one file."""
    return unicodedata.normalize("NFC", stem).casefold()


def safe_file_stem(name: str, taken: set[str]) -> str:
    """A file stem for `name`, safe on every disk and distinct from each stem in `taken`.

    `taken` holds the disk keys of stems given so far; the new one is added to it.
    """
    stem = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip("._") or "student"
    if _RESERVED.match(stem):
        stem += "_"
    while len(stem.encode("utf-8")) > MAX_STEM_BYTES:
        stem = stem[:-1]
    candidate, n = stem, 1
    while _disk_key(candidate) in taken:
        n += 1
        candidate = f"{stem}-{n}"
    taken.add(_disk_key(candidate))
    return candidate


def json_names(students: Iterable[str]) -> dict[str, str]:
    """student -> the file name of their results, `<stem>.json`, one per student, in sorted order."""
    taken: set[str] = set()
    return {student: f"{safe_file_stem(student, taken)}.json" for student in sorted(set(students))}
