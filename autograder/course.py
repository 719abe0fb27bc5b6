"""Where the course lives and what each assignment's manifest says.

The course root is the folder holding assignments/ and solutions/. It is found,
in order: the AUTOGRADER_COURSE environment variable, the folder above this
package (a checkout, or an autograder bundle that ships the package beside its
assignments), then the current directory and its parents.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.9 and 3.10: the same parser from PyPI (the release's requirements.txt)
    import tomli as tomllib


class CourseError(Exception):
    """A problem with the course itself (a manifest, a missing folder): for instructors."""


@dataclass(frozen=True)
class HiddenTest:
    name: str
    unit: str
    points: float


@dataclass(frozen=True)
class Unit:
    name: str
    uses_reference: tuple[str, ...]
    tests: tuple[HiddenTest, ...]


@dataclass(frozen=True)
class Limits:
    """The manifest's [limits]: wall clock and resources for student code (docs/authoring.md).

    import_seconds bounds importing the student's files, which runs their
    top-level code before every hidden test. call_seconds_after_timeout bounds
    each call in a unit's later tests once one of its calls has run out of
    time, so that a loop costs its unit one full call limit, not one per test.
    Left out, both are call_seconds.
    """

    call_seconds: float = 5.0
    submission_seconds: float = 60.0
    cpu_seconds: float = 30.0
    memory_mb: int = 1024
    import_seconds: float | None = None
    call_seconds_after_timeout: float | None = None

    def __post_init__(self):
        for name in ("import_seconds", "call_seconds_after_timeout"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, self.call_seconds)


@dataclass(frozen=True)
class Assignment:
    id: str
    title: str
    student_files: tuple[str, ...]
    units: tuple[Unit, ...]
    limits: Limits
    root: Path
    public_files: tuple[str, ...] = ()  # more files students get, beside the stub and public tests

    @property
    def slug(self) -> str:
        """The id without its number: '03_affine' -> 'affine' (the hidden-test module)."""
        return self.id.split("_", 1)[1]

    @property
    def module_name(self) -> str:
        """The student module the hidden tests see: the first student file's stem."""
        return Path(self.student_files[0]).stem

    @property
    def folder(self) -> Path:
        return self.root / "assignments" / self.id

    @property
    def solution_folder(self) -> Path:
        return self.root / "solutions" / self.id

    @property
    def tests(self) -> tuple[HiddenTest, ...]:
        return tuple(t for unit in self.units for t in unit.tests)

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def secret(self) -> bytes:
        """The course secret that seeds hidden inputs with each submission's sha256 (hidden/draw.py)."""
        return course_secret(self.root)

    def unit_of(self, test_name: str) -> Unit:
        for unit in self.units:
            if any(t.name == test_name for t in unit.tests):
                return unit
        raise KeyError(test_name)


def find_root() -> Path:
    env = os.environ.get("AUTOGRADER_COURSE")
    if env:
        return Path(env).resolve()
    candidates = [Path(__file__).resolve().parent.parent]
    here = Path.cwd().resolve()
    candidates += [here, *here.parents]
    for candidate in candidates:
        if (candidate / "assignments").is_dir() and (candidate / "solutions").is_dir():
            return candidate
    raise CourseError(
        "cannot find the course: no folder with assignments/ and solutions/ above "
        f"{Path(__file__).parent} or the current directory; set AUTOGRADER_COURSE"
    )


SECRET_FILE = ".course-secret"


def course_secret(root: Path) -> bytes:
    """AUTOGRADER_SECRET, else the course root's .course-secret file, else empty (draws still deterministic)."""
    env = os.environ.get("AUTOGRADER_SECRET")
    if env:
        return env.encode()
    path = root / SECRET_FILE
    return path.read_bytes().strip() if path.is_file() else b""


def assignment_ids(root: Path | None = None) -> list[str]:
    root = root or find_root()
    return sorted(p.parent.name for p in (root / "assignments").glob("*/manifest.toml"))


@lru_cache(maxsize=None)
def _load(root: Path, assignment_id: str) -> Assignment:
    path = root / "assignments" / assignment_id / "manifest.toml"
    if not path.is_file():
        known = ", ".join(assignment_ids(root)) or "none"
        raise CourseError(f"no assignment {assignment_id!r} (known: {known})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{path}: {exc}") from None
    return _parse(data, root, path)


def load(assignment_id: str, root: Path | None = None) -> Assignment:
    """The manifest of one assignment, checked."""
    return _load((root or find_root()).resolve(), assignment_id)


def _parse(data: dict, root: Path, path: Path) -> Assignment:
    def need(table: dict, key: str, kind: type, where: str):
        value = table.get(key)
        if not isinstance(value, kind):
            raise CourseError(f"{path}: {where}{key} must be a {kind.__name__}")
        return value

    ident = need(data, "id", str, "")
    if ident != path.parent.name:
        raise CourseError(f"{path}: id {ident!r} differs from its folder name {path.parent.name!r}")
    files = tuple(need(data, "student_files", list, ""))
    if not files or not all(isinstance(f, str) and f.endswith(".py") for f in files):
        raise CourseError(f"{path}: student_files must list .py files")
    public = data.get("public_files", [])
    if not isinstance(public, list) or not all(
            isinstance(f, str) and f and "/" not in f and "\\" not in f and not f.startswith(".") for f in public):
        raise CourseError(f"{path}: public_files must list file names in the assignment's folder")
    limits = _limits(data.get("limits", {}), path)
    units = []
    for i, raw in enumerate(need(data, "units", list, "")):
        name = need(raw, "name", str, f"units[{i}].")
        tests = tuple(
            HiddenTest(test, name, float(points))
            for test, points in need(raw, "tests", dict, f"units[{i}].").items()
        )
        uses = tuple(raw.get("uses_reference", ()))
        units.append(Unit(name, uses, tests))
    names = [t.name for u in units for t in u.tests]
    if len(names) != len(set(names)):
        raise CourseError(f"{path}: a hidden test is listed twice")
    return Assignment(ident, data.get("title", ident), files, tuple(units), limits, root, tuple(public))


def _limits(table, path: Path) -> Limits:
    """[limits], each a positive number of a known name."""
    known = Limits.__dataclass_fields__
    if not isinstance(table, dict):
        raise CourseError(f"{path}: limits must be a table")
    for key, value in table.items():
        if key not in known:
            raise CourseError(f"{path}: limits has no setting {key!r} (known: {', '.join(known)})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise CourseError(f"{path}: limits.{key} must be a positive number, not {value!r}")
    return Limits(**table)
