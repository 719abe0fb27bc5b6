"""Which assignment a folder holds, its public tests, and the unit and points of each test.

A release folder carries a small marker, assignment.toml (written by `make
release`): the assignment's id, title, student files and unit names. It names
no hidden test, unlike the manifest, which stays with the instructors. The
assignment of FOLDER is found, in order, from:

  FOLDER/assignment.toml         a release folder
  FOLDER/manifest.toml           an assignment folder of the course repository
  assignment.toml beside the autograder package   (check run from a release folder on another folder)
  the course repository         with --assignment, or by the public test files FOLDER holds

The public tests are FOLDER's test_*.py, or, when it has none, those of the
assignment's own folder (so that a folder holding only layers.py can be checked).

Units and points: each public test function is worth POINTS_PER_TEST point (as
in the GitHub Classroom workflow, one step per function); its units are the
unit names it mentions (body and decorators), in the manifest's order. A
parametrized function is one row, passed when all its cases pass.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.9 and 3.10: the same parser from PyPI (the release's requirements.txt)
    import tomli as tomllib

MARKER = "assignment.toml"
POINTS_PER_TEST = 1
PACKAGE_HOME = Path(__file__).resolve().parents[2]  # the folder holding autograder/


class CheckError(Exception):
    """The check cannot run at all (no such folder, no assignment, no student file): exit 2."""

    def __init__(self, key: str, **fields):
        super().__init__(key)
        self.key, self.fields = key, fields


@dataclass(frozen=True)
class Target:
    id: str
    title: str
    student_files: tuple[str, ...]
    units: tuple[str, ...]
    folder: Path               # the student's files
    tests: tuple[Path, ...]    # the public test files
    import_seconds: float | None = None  # the grader's limit on importing the student's files, where known

    @property
    def module_names(self) -> tuple[str, ...]:
        return tuple(Path(f).stem for f in self.student_files)


@dataclass(frozen=True)
class PublicTest:
    file: str                  # 'test_affine.py'
    name: str                  # pytest's name: 'test_x', or 'TestCase::test_x'
    units: tuple[str, ...]
    points: float = POINTS_PER_TEST


def marker_text(assignment) -> str:
    """assignment.toml for a release folder of `assignment` (a course.Assignment)."""
    def quoted(value: str) -> str:  # a JSON string is a TOML basic string
        return json.dumps(value, ensure_ascii=False)

    def listed(values) -> str:
        return "[" + ", ".join(quoted(v) for v in values) + "]"

    return (
        "# Written by `make release`: tells `python -m autograder check` which assignment this folder holds.\n"
        f"id = {quoted(assignment.id)}\n"
        f"title = {quoted(assignment.title)}\n"
        f"student_files = {listed(assignment.student_files)}\n"
        f"units = {listed(u.name for u in assignment.units)}\n"
        f"import_seconds = {assignment.limits.import_seconds:g}  # the grader's limit on importing the student files\n"
    )


def _read_spec(path: Path) -> dict | None:
    """id, title, student_files, units and import_seconds of a marker or manifest; None if it is unreadable."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    units = data.get("units", [])
    names = [u if isinstance(u, str) else u.get("name") for u in units if isinstance(u, (str, dict))]
    files = data.get("student_files")
    if not isinstance(data.get("id"), str) or not isinstance(files, list) or not files:
        return None
    limits = data.get("limits") if isinstance(data.get("limits"), dict) else {}
    seconds = data.get("import_seconds", limits.get("import_seconds", limits.get("call_seconds")))
    seconds = None if isinstance(seconds, bool) else seconds
    return {"id": data["id"], "title": str(data.get("title", data["id"])),
            "student_files": tuple(str(f) for f in files),
            "units": tuple(n for n in names if isinstance(n, str)), "home": path.parent,
            "import_seconds": float(seconds) if isinstance(seconds, (int, float)) and seconds > 0 else None}


def _course_spec(assignment_id: str | None, folder: Path) -> dict | None:
    """The spec from the course repository, when this package sits in one."""
    try:
        from .. import course
        root = course.find_root()
        ids = course.assignment_ids(root)
    except Exception:  # a release folder: no course, no manifests
        return None
    if assignment_id is None:
        tests = {p.name for p in folder.glob("test_*.py")}
        matching = [i for i in ids if tests and tests == {p.name for p in (root / "assignments" / i).glob("test_*.py")}]
        if len(matching) != 1:
            return None
        assignment_id = matching[0]
    if assignment_id not in ids:
        return None
    return _read_spec(root / "assignments" / assignment_id / "manifest.toml")


def locate(folder: Path, assignment_id: str | None = None) -> Target:
    """The assignment, student folder and public tests of a check of `folder`."""
    if not folder.is_dir():
        raise CheckError("check.error.no_folder", folder=folder)
    folder = folder.resolve()
    spec = None
    for candidate in (folder / MARKER, folder / "manifest.toml", PACKAGE_HOME / MARKER):
        found = _read_spec(candidate) if candidate.is_file() else None
        if candidate.is_file() and found is None and candidate.name == MARKER:
            raise CheckError("check.error.bad_marker", file=candidate)
        if found and assignment_id in (None, found["id"]):
            spec = found
            break
    spec = spec or _course_spec(assignment_id, folder)
    if spec is None:
        if assignment_id:
            raise CheckError("check.error.unknown_assignment", assignment=assignment_id, folder=folder)
        raise CheckError("check.error.which_assignment", folder=folder, marker=MARKER)
    tests = sorted(folder.glob("test_*.py")) or sorted(spec["home"].glob("test_*.py"))
    if not tests:
        raise CheckError("check.error.no_tests", folder=folder)
    return Target(spec["id"], spec["title"], spec["student_files"], spec["units"], folder, tuple(tests),
                  spec["import_seconds"])


def public_tests(target: Target) -> list[PublicTest]:
    """Every test function of the public test files, with its units and points."""
    found = []
    for path in target.tests:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            continue  # the runner reports the broken file
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                found.append(PublicTest(path.name, node.name, _units(node, target.units)))
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                        found.append(PublicTest(path.name, f"{node.name}::{item.name}", _units(item, target.units)))
    return found


def _units(function: ast.AST, units: tuple[str, ...]) -> tuple[str, ...]:
    named = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
    named |= {n.attr for n in ast.walk(function) if isinstance(n, ast.Attribute)}
    return tuple(u for u in units if u in named)


def imported_names(path: Path, module: str) -> list[str]:
    """The names a test file imports from the student module: `from layers import Affine`."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return []
    return [alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module == module
            for alias in node.names]
