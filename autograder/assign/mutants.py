"""The mutation suite's edits: tests/mutants/<id>.toml turned into submissions.

Each [[mutant]] (a realistic bug) and [[variant]] (a correct rewrite) is one
edit (`find`, `replace`) or a list of them (`edits`) applied to the reference
solution; `find` must occur exactly once. tests/test_mutants.py grades them,
and examples/build.py writes some of them out as sample submissions.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from ..course import Assignment, CourseError, find_root
from ..submission import Submission


def entries(assignment_id: str, root: Path | None = None) -> dict[str, list[dict]]:
    """The mutants file of an assignment: {"mutant": [...], "variant": [...]}."""
    path = (root or find_root()) / "tests" / "mutants" / f"{assignment_id}.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CourseError(f"cannot read the mutants of {assignment_id} ({path}): {exc}") from None


def edited(source: str, entry: dict) -> str:
    """The source with the entry's edits applied; each `find` must occur exactly once."""
    edits = entry["edits"] if "edits" in entry else [{"find": entry["find"], "replace": entry["replace"]}]
    for edit in edits:
        count = source.count(edit["find"])
        if count != 1:
            raise CourseError(f"{entry['name']}: `find` occurs {count} times in the solution, not once")
        source = source.replace(edit["find"], edit["replace"])
    return source


def submission(assignment: Assignment, entry: dict) -> Submission:
    """The reference solution with the entry's edits, as a submission named after the entry."""
    filename = entry.get("file", assignment.student_files[0])
    source = (assignment.solution_folder / filename).read_text(encoding="utf-8")
    files = {name: (assignment.solution_folder / name).read_bytes() for name in assignment.student_files}
    files[filename] = edited(source, entry).encode()
    return Submission(entry["name"], files)
