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
