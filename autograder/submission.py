"""Step 1 of grading: find the student's file(s) in a file, a folder or a zip.

Uploads arrive in every shape: `layers.py`, `layers (1).py`, a folder with the
file somewhere inside, a zip made on macOS with __MACOSX/ beside it. The rule:
for each student file, take the copy nearest the top (ignoring hidden folders,
__MACOSX and notebook checkpoints); a lone .py file stands for the assignment's
only student file whatever its name.

Archives are read in memory, never extracted: no path in a zip can point
outside anything, symlinks are skipped, and sizes are capped, so a zip bomb
costs at most MAX_FILE_BYTES + 1 bytes of decompression per file.

A submission's name and the sentences saying what could not be loaded hold
names the student chose (file, folder and zip member names, a zip library's
complaint about them): a Submission cleans them when it is made
(autograder/untrusted.py), whichever way it was made.
"""

from __future__ import annotations

import hashlib
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import untrusted
from .messages import text

MAX_FILE_BYTES = 1024 * 1024      # one student file
MAX_ARCHIVE_MEMBERS = 10_000      # entries of a zip looked at
SKIPPED_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}


@dataclass(frozen=True)
class Submission:
    name: str                      # the student / upload name, for reports
    files: dict[str, bytes]        # student file name -> source bytes
    problems: tuple[str, ...] = field(default_factory=tuple)  # what could not be loaded, in words

    def __post_init__(self):
        object.__setattr__(self, "name", untrusted.name(self.name))
        object.__setattr__(self, "problems", tuple(untrusted.message(p) for p in self.problems))

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + self.files[name] + b"\0")
        return digest.hexdigest()


def load(path: Path, student_files: tuple[str, ...], name: str | None = None) -> Submission:
    """Read the student files out of `path` (a .py file, a folder or a .zip)."""
    path = Path(path)
    name = name or path.name
    if path.is_symlink():
        return Submission(name, {}, (text("grade.submission.symlink", name=path.name),))
    if path.is_dir():
        candidates = _from_folder(path)
    elif zipfile.is_zipfile(path):
        try:
            candidates = _from_zip(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            return Submission(name, {}, (text("grade.submission.bad_zip", name=path.name, problem=exc),))
    elif path.is_file():
        if len(student_files) == 1 and path.suffix == ".py":
            candidates = {PurePosixPath(student_files[0]): lambda: _read_capped(path)}
        else:
            candidates = {PurePosixPath(path.name): lambda: _read_capped(path)}
    else:
        return Submission(name, {}, (text("grade.submission.missing_path", path=path),))
    files, problems = {}, []
    for wanted in student_files:
        matches = sorted((p for p in candidates if p.name == wanted), key=lambda p: (len(p.parts), str(p)))
        if not matches:
            problems.append(text("grade.submission.missing_file", wanted=wanted))
            continue
        try:
            files[wanted] = candidates[matches[0]]()
        except _Unreadable as exc:
            problems.append(text(exc.key, wanted=wanted, **exc.fields))
    return Submission(name, files, tuple(problems))


class _Unreadable(Exception):
    """A student file that is there but cannot be taken: a catalogue key, filled with the file's name."""

    def __init__(self, key: str, **fields):
        super().__init__(key)
        self.key, self.fields = key, fields


def _too_large() -> _Unreadable:
    return _Unreadable("grade.submission.too_large", kib=MAX_FILE_BYTES // 1024)


def _capped(data: bytes) -> bytes:
    if len(data) > MAX_FILE_BYTES:
        raise _too_large()
    return data


def _skipped(parts: tuple[str, ...]) -> bool:
    return any(part in SKIPPED_PARTS or part.startswith(".") for part in parts[:-1])


def _read_capped(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return _capped(handle.read(MAX_FILE_BYTES + 1))


def _from_folder(folder: Path) -> dict:
    found = {}
    for path in folder.rglob("*.py"):  # rglob does not follow symlinked folders
        relative = PurePosixPath(*path.relative_to(folder).parts)
        if _skipped(relative.parts) or path.is_symlink() or not path.is_file():
            continue
        found[relative] = (lambda p=path: _read_capped(p))
    return found


def _from_zip(path: Path) -> dict:
    found = {}
    archive = zipfile.ZipFile(path)
    for info in archive.infolist()[:MAX_ARCHIVE_MEMBERS]:
        if info.is_dir() or stat.S_ISLNK(info.external_attr >> 16):
            continue
        parts = tuple(p for p in info.filename.replace("\\", "/").split("/") if p not in ("", ".", ".."))
        if not parts or _skipped(parts) or not parts[-1].endswith(".py"):
            continue
        found[PurePosixPath(*parts)] = (lambda i=info: _read_member(archive, i))
    return found


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_FILE_BYTES:
        raise _too_large()
    try:
        with archive.open(info) as handle:
            return _capped(handle.read(MAX_FILE_BYTES + 1))  # the header's size may lie: cap what is inflated
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, ValueError) as exc:
        raise _Unreadable("grade.submission.unreadable_member", problem=exc) from None
