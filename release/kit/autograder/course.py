"""Where the course lives and what each assignment's manifest says.

The course root is the folder holding assignments/ and solutions/. It is found,
in order: the AUTOGRADER_COURSE environment variable, the folder above this
package (a checkout, or an autograder bundle that ships the package beside its
assignments), then the current directory and its parents.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import cache
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
    visibility: str = "visible"  # when a student sees its result: one of VISIBILITIES (Gradescope's)


@dataclass(frozen=True)
class Unit:
    name: str
    uses_reference: tuple[str, ...]
    tests: tuple[HiddenTest, ...]


@dataclass(frozen=True)
class Limits:
    """The manifest's [limits]: wall clock and resources for student code (docs/authoring.md).

    Each call into student code may take call_time_factor times what the
    reference solution takes for the same hidden test's calls (measured on the
    trusted side, call_limits.py), at least call_seconds_floor and at most
    call_seconds. Once a call of a unit has run out of time, each call in that
    unit's later tests gets call_time_factor_after_timeout times the
    reference's time, at least call_seconds_after_timeout: an endless loop
    costs its unit one full limit, then a short one per later test.
    import_seconds bounds importing the student's files, which runs their
    top-level code before every hidden test.

    Left out: import_seconds is call_seconds; the floor is 0.25 s (or
    call_seconds, if less) and the factor 300; after a timeout, 0.01 s (or the
    floor, if less) and a tenth of the factor.
    """

    call_seconds: float = 5.0
    submission_seconds: float = 60.0
    cpu_seconds: float = 30.0
    memory_mb: int = 1024
    import_seconds: float | None = None
    call_seconds_floor: float | None = None
    call_time_factor: float = 300.0
    call_seconds_after_timeout: float | None = None
    call_time_factor_after_timeout: float | None = None

    def __post_init__(self):
        defaults = {"import_seconds": lambda: self.call_seconds,
                    "call_seconds_floor": lambda: min(0.25, self.call_seconds),
                    "call_seconds_after_timeout": lambda: min(0.01, self.call_seconds_floor),
                    "call_time_factor_after_timeout": lambda: self.call_time_factor / 10}
        for name, default in defaults.items():  # in this order: the later defaults read the earlier
            if getattr(self, name) is None:
                object.__setattr__(self, name, default())


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


@cache
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


# What a manifest may say, table by table (docs/authoring.md). A key outside these is a
# spelling mistake more often than a new setting: it is refused, with the keys that exist.
TOP_KEYS = ("id", "title", "student_files", "public_files", "limits", "units")
UNIT_KEYS = ("name", "uses_reference", "tests", "visibility")
TEST_KEYS = ("points", "visibility")
# Gradescope's visibility settings of a test (results.json): shown at once, never, after the due
# date, after the grades are published.
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def _parse(data: dict, root: Path, path: Path) -> Assignment:
    def need(table: dict, key: str, kind: type, where: str):
        value = table.get(key)
        if not isinstance(value, kind):
            raise CourseError(f"{path}: {where}{key} must be a {_kind(kind)}, not {_shown(value)}: "
                              f"{_example(where + key)}")
        return value

    _known_keys(data, TOP_KEYS, "the top level", path)
    ident = need(data, "id", str, "")
    if ident != path.parent.name:
        raise CourseError(f"{path}: id {ident!r} differs from its folder name {path.parent.name!r}: "
                          "make them the same")
    title = data.get("title", ident)
    if not isinstance(title, str):
        raise CourseError(f"{path}: title must be a string, not {_shown(title)}: {_example('title')}")
    files = tuple(need(data, "student_files", list, ""))
    if not files or not all(isinstance(f, str) and f.endswith(".py") for f in files):
        raise CourseError(f"{path}: student_files must list .py files: {_example('student_files')}")
    public = data.get("public_files", [])
    if not isinstance(public, list) or not all(
            isinstance(f, str) and f and "/" not in f and "\\" not in f and not f.startswith(".") for f in public):
        raise CourseError(f"{path}: public_files must list file names in the assignment's folder")
    limits = _limits(data.get("limits", {}), path)
    raw_units = need(data, "units", list, "")
    if not raw_units:
        raise CourseError(f"{path}: units is empty: give each graded unit a [[units]] table with its tests")
    units = tuple(_unit(raw, f"units[{i}]", need, path) for i, raw in enumerate(raw_units))
    twice = _repeated([u.name for u in units])
    if twice:
        raise CourseError(f"{path}: the unit {twice!r} is listed twice: give each unit one [[units]] table")
    twice = _repeated([t.name for u in units for t in u.tests])
    if twice:
        raise CourseError(f"{path}: the hidden test {twice!r} is listed twice: a test belongs to one unit, once")
    return Assignment(ident, title, files, units, limits, root, tuple(public))


def _unit(raw, where: str, need, path: Path) -> Unit:
    """One [[units]] table: its name, the earlier units it builds on, and its tests with their points."""
    if not isinstance(raw, dict):
        raise CourseError(f"{path}: {where} must be a table ([[units]]), not {_shown(raw)}")
    _known_keys(raw, UNIT_KEYS, where, path)
    name = need(raw, "name", str, f"{where}.")
    where = f"{where} ({name})"
    uses = raw.get("uses_reference", [])
    if not isinstance(uses, list) or not all(isinstance(u, str) and u for u in uses):
        raise CourseError(f"{path}: {where}: uses_reference must list the names of earlier units, not "
                          f"{_shown(uses)}: {_example('uses_reference')}")
    visibility = _visibility(raw.get("visibility", "visible"), f"{where}: visibility", path)
    tests = need(raw, "tests", dict, f"{where}: ")
    if not tests:
        raise CourseError(f"{path}: {where} has no tests: list them under [units.tests], {_example('tests')}")
    return Unit(name, tuple(uses), tuple(_test(test, value, name, visibility, f"{where}: {test}", path)
                                         for test, value in tests.items()))


def _test(name: str, value, unit: str, visibility: str, where: str, path: Path) -> HiddenTest:
    """A test's points, as `test_x = 2` or `test_x = { points = 2, visibility = "hidden" }`."""
    if isinstance(value, dict):
        _known_keys(value, TEST_KEYS, where, path)
        visibility = _visibility(value.get("visibility", visibility), f"{where}: visibility", path)
        value = value.get("points")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise CourseError(f"{path}: {where} must be worth a positive number of points, not {_shown(value)}: "
                          f"{_example('tests')}")
    return HiddenTest(name, unit, float(value), visibility)


def _visibility(value, where: str, path: Path) -> str:
    if value not in VISIBILITIES:
        raise CourseError(f"{path}: {where} must be one of {', '.join(map(repr, VISIBILITIES))}, "
                          f"not {_shown(value)} (Gradescope's settings: when a student sees the test)")
    return value


def _known_keys(table: dict, known: tuple[str, ...], where: str, path: Path) -> None:
    unknown = [key for key in table if key not in known]
    if unknown:
        raise CourseError(f"{path}: {where} has no setting {unknown[0]!r} (known: {', '.join(known)}): "
                          "correct its spelling or remove it")


def _repeated(names: list[str]) -> str | None:
    """The first name that comes twice, if any."""
    seen: set = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None


def _kind(kind: type) -> str:
    return {str: "string", list: "list", dict: "table", int: "integer", float: "number",
            bool: "boolean"}.get(kind, kind.__name__)


def _shown(value) -> str:
    if value is None:
        return "nothing"
    kind = _kind(type(value))
    return f"{value!r} ({'an' if kind[0] in 'aeiou' else 'a'} {kind})"


EXAMPLES = {
    "id": 'id = "03_affine", the name of its folder',
    "title": 'title = "Affine layer"',
    "student_files": 'student_files = ["layers.py"]',
    "units": '[[units]] tables, each with a name and its [units.tests]',
    "name": 'name = "Affine", the class or function the unit grades',
    "uses_reference": 'uses_reference = ["RNN"]',
    "tests": ('test_forward_values = 2 under [units.tests], '
              'or { points = 2, visibility = "after_due_date" }'),
}


def _example(key: str) -> str:
    """How a correct line looks, for the key at the end of `key` (a path like 'units[0].name')."""
    last = key.rsplit(".", 1)[-1].rsplit(" ", 1)[-1]
    return "for example " + EXAMPLES.get(last, EXAMPLES["units"])


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
