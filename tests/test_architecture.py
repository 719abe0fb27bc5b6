"""docs/architecture.md is the map of the engine: it names every module, and names only what exists."""

from __future__ import annotations

import re

from autograder import course

ROOT = course.find_root()
MAP = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _modules() -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "autograder").rglob("*.py")
                  if "__pycache__" not in p.parts)


def test_every_module_of_the_engine_is_on_the_map():
    missing = [m for m in _modules() if f"`{m}`" not in MAP]
    assert not missing, f"add these to docs/architecture.md, in the step they serve: {missing}"


def test_every_module_on_the_map_exists():
    named = set(re.findall(r"`(autograder/[\w/]+\.py)`", MAP))
    gone = sorted(m for m in named if not (ROOT / m).is_file())
    assert not gone, f"docs/architecture.md names modules that do not exist: {gone}"


def test_every_make_verb_on_the_map_is_a_target_of_the_makefile():
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M))
    named = set(re.findall(r"`make ([\w-]+)", MAP))
    assert named and named <= targets, sorted(named - targets)


def test_every_folder_of_the_repository_is_said_to_be_source_or_generated():
    tracked = {p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".")} - {"out", "build"}
    said = {m.split("/")[0] for m in re.findall(r"^\| `([\w.-]+)/", MAP, re.M)}
    missing = sorted(d for d in tracked if d not in said and not d.endswith(".egg-info"))
    assert not missing, f"say in docs/architecture.md whether these are source or generated: {missing}"


def test_no_two_modules_share_a_name():
    """A name says what a module holds, once (checks.py beside check/, or report/student.py beside
    student.py, read alike and held different things). The exception is by design: an assignment's
    hidden tests (hidden/<slug>.py) and its bug patterns (bugs/<slug>.py) are both named for it."""
    package = ROOT / "autograder"
    per_assignment = {p.stem for p in (package / "hidden").glob("*.py")} & {p.stem for p in (package / "bugs").glob("*.py")}
    seen: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        if path.name in ("__init__.py", "__main__.py") or "__pycache__" in path.parts:
            continue
        if path.parent.name in ("hidden", "bugs") and path.stem in per_assignment:
            continue
        seen.setdefault(path.stem, []).append(path.relative_to(ROOT).as_posix())
    for path in sorted(package.rglob("__init__.py")):  # a package and a module of one name
        if path.parent != package:
            seen.setdefault(path.parent.name, []).append(path.parent.relative_to(ROOT).as_posix() + "/")
    twice = {name: where for name, where in seen.items() if len(where) > 1}
    assert not twice, f"modules that share a name: {twice}"
