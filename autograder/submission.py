"""Step 1 of grading: find the student's file(s) in a file, a folder or a zip.

Uploads arrive in every shape: `layers.py`, `layers (1).py`, a folder with the
file somewhere inside, a zip made on macOS with __MACOSX/ beside it. The rule,
for each student file, in a file, a folder (the one Gradescope passes) or a zip,
ignoring hidden folders, __MACOSX and notebook checkpoints:

1. the file of that exact name nearest the top;
2. else a copy's name of it (`choose` says which): another case (`Layers.py`), or a
   browser's or file manager's copy suffix (`layers (1).py`, `layers-2.py`,
   `layers copy.py`), nearest the top, then the highest copy number (the latest);
3. else, for an assignment of one student file, the upload's only .py file
   (a lone .py file is taken whatever its name, as is a folder or zip holding one).

A file taken by rule 2 or 3 is named in the result's output ("layers.py was
graded from layers (1).py"), so the student and the instructor see which.

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
import re
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
    notes: tuple[str, ...] = field(default_factory=tuple)     # which upload file a student file came from

    def __post_init__(self):
        object.__setattr__(self, "name", untrusted.name(self.name))
        object.__setattr__(self, "problems", tuple(untrusted.message(p) for p in self.problems))
        object.__setattr__(self, "notes", tuple(untrusted.message(p) for p in self.notes))

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
    files, problems, notes = {}, [], []
    for wanted in student_files:
        found = choose(list(candidates), wanted, lone=len(student_files) == 1)
        if found is None:
            problems.append(text("grade.submission.missing_file", wanted=wanted))
            continue
        try:
            files[wanted] = candidates[found]()
        except _Unreadable as exc:
            problems.append(text(exc.key, wanted=wanted, **exc.fields))
            continue
        if found.name != wanted:  # (a lone .py file, often named for its student in a batch, is keyed `wanted`)
            notes.append(text("upload.took", wanted=wanted, found=found.as_posix()))
    return Submission(name, files, tuple(problems), tuple(notes))


def choose(paths: list[PurePosixPath], wanted: str, lone: bool = False) -> PurePosixPath | None:
    """The upload file that stands for the student file `wanted` (the rules above), or None.

    lone: the assignment has this one student file, so an upload's only .py file stands for it.
    """
    def depth_then_name(p: PurePosixPath):
        return len(p.parts), str(p)

    exact = sorted((p for p in paths if p.name == wanted), key=depth_then_name)
    if exact:
        return exact[0]
    copies = [(p, number) for p in paths if (number := copy_number(p.name, wanted)) is not None]
    if copies:
        return min(copies, key=lambda pn: (len(pn[0].parts), -pn[1], str(pn[0])))[0]
    python = [p for p in paths if p.suffix.lower() == ".py" and not p.name.startswith("test_")]  # not a public test
    if lone and len(python) == 1:
        return python[0]
    return None


def copy_number(name: str, wanted: str) -> int | None:
    """0 when `name` is `wanted` in another case, n for a copy's name ('layers (2).py', 'layers-2.py',
    'layers copy 2.py'; 1 for 'layers copy.py'), None when it is another file's name."""
    stem, suffix = wanted.rsplit(".", 1) if "." in wanted else (wanted, "")
    pattern = (rf"{re.escape(stem)}(?:\s*\((?P<paren>\d+)\)|-(?P<dash>\d+)|\s+copy(?:\s+(?P<copy>\d+))?(?P<once>))?"
               + (rf"\.{re.escape(suffix)}" if suffix else ""))
    match = re.fullmatch(pattern, name, flags=re.IGNORECASE)
    if match is None:
        return None
    number = match.group("paren") or match.group("dash") or match.group("copy")
    if number:
        return int(number)
    return 1 if match.group("once") is not None else 0


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
    for path in folder.rglob("*"):  # rglob does not follow symlinked folders
        relative = PurePosixPath(*path.relative_to(folder).parts)
        if path.suffix.lower() != ".py" or _skipped(relative.parts) or path.is_symlink() or not path.is_file():
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
        if not parts or _skipped(parts) or not parts[-1].lower().endswith(".py"):
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
