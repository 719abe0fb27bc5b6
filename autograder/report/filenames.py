"""File names made from student names: safe on every file system, and one per student.

    safe_file_stem(name, taken) -> str     'Kim Min-su' -> 'Kim_Min-su'; 'alice' twice -> 'alice', 'alice-2'

Feedback pages, results JSON files and any other per-student file take their
name from here. A student's name is kept as far as it is safe: letters (any
script, so Korean names stay readable), digits, '-', '_' and '.', the rest
becoming '_'. It never starts with '.' (a hidden file), is never a name
Windows reserves (CON, NUL, COM1, ...), and stays under 255 bytes.

`taken` holds the stems already given in one folder, compared as a
case-insensitive file system (macOS, Windows) compares them: casefolded and
in Unicode NFC. A stem in `taken` gets '-2', '-3', ... so 'Alice' and 'alice'
never write the same file. The caller keeps one `taken` per folder, seeded with
the names of its own files ('index' for the index page).
"""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[^\w.-]+")
MAX_BYTES = 200   # a file name holds 255 bytes: room for '-NN' and '.html'; Hangul takes 3 a character
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def key(stem: str) -> str:
    """How a case-insensitive file system tells names apart."""
    return unicodedata.normalize("NFC", stem).casefold()


def clean_stem(name: str) -> str:
    """The name with anything unsafe as '_' (without a .py or .zip suffix: a submission graded alone)."""
    for suffix in (".py", ".zip"):
        name = name.removesuffix(suffix)
    stem = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip("._") or "student"
    if stem.split(".")[0].casefold() in _RESERVED:
        stem = "_" + stem
    while len(stem.encode("utf-8")) > MAX_BYTES:
        stem = stem[:-1]
    return stem


def safe_file_stem(name: str, taken: set[str]) -> str:
    """A file stem for `name` that no stem in `taken` equals by `key`; it is added to `taken`."""
    used = {key(t) for t in taken}
    stem = candidate = clean_stem(name)
    number = 1
    while key(candidate) in used:
        number += 1
        candidate = f"{stem}-{number}"
    taken.add(candidate)
    return candidate
