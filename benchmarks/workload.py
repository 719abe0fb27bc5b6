"""The submissions the benchmark grades, built from examples/submissions/<id>/ (examples/build.py).

Two workloads:

  samples(folder)          the ten sample submissions as ten students: three correct (the solution,
                           a rewrite with @, a folder upload), three realistic bugs, a cheat that
                           patches numpy, a syntax error, the untouched stub (it raises) and an
                           endless loop at import. Our grader and the peers grade these same ten.
  without_hangs(...)       the nine samples that do not hang, three times over: the same submissions
                           for every tool, throughput that no time limit decides.
  scaling(folder, n)       n students cycling through every sample upload that does not hang
                           (the .py files, the folder, both zips), so that 10, 100 and 1,000
                           submissions hold the same mix and the cost per submission can be
                           compared. The hang is left out here: it costs its own time limit
                           (the manifest's import_seconds), whatever the batch, and `samples`
                           measures it.

Each entry is named after the sample it copies, so a table can say what every row was.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from autograder import course

HANGS = ("endless_loop_at_import",)


def sample_folder(assignment_id: str) -> Path:
    folder = course.find_root() / "examples" / "submissions" / assignment_id
    if not folder.is_dir():
        raise SystemExit(f"{folder} does not exist: run `python examples/build.py {assignment_id}` first.")
    return folder


def _copy(path: Path, target: Path) -> None:
    if path.is_dir():
        shutil.copytree(path, target)
    else:
        shutil.copyfile(path, target)


def sample_sources(assignment_id: str) -> dict[str, str]:
    """The ten samples as student name -> the student file's source (what a notebook would hold)."""
    assignment = course.load(assignment_id)
    filename = assignment.student_files[0]
    sources = {}
    for path in sorted(sample_folder(assignment_id).iterdir()):
        if path.suffix == ".py":
            sources[path.stem] = path.read_text(encoding="utf-8")
        elif path.is_dir():
            found = sorted(path.rglob(filename))
            if found:
                sources[path.name] = found[0].read_text(encoding="utf-8")
    return sources


def samples(assignment_id: str, folder: Path) -> list[str]:
    """Write the ten samples as `<name>.py` into folder; return the names."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = sample_sources(assignment_id)
    for name, source in sources.items():
        (folder / f"{name}.py").write_text(source, encoding="utf-8")
    return sorted(sources)


def scaling(assignment_id: str, folder: Path, n: int) -> dict[str, int]:
    """n students cycling through the non-hanging sample uploads; returns how many of each kind."""
    folder.mkdir(parents=True, exist_ok=True)
    kinds = [p for p in sorted(sample_folder(assignment_id).iterdir())
             if not p.name.startswith(".") and Path(p.name).stem not in HANGS]
    counts: dict[str, int] = {}
    for i in range(n):
        path = kinds[i % len(kinds)]
        kind = path.stem if path.is_file() else path.name
        counts[kind] = counts.get(kind, 0) + 1
        _copy(path, folder / f"s{i:05d}_{kind}{path.suffix if path.is_file() else ''}")
    return counts


def without_hangs(sources: dict[str, str], copies: int) -> dict[str, str]:
    """The samples that do not hang, each `copies` times (name_1, name_2, ...): throughput without time limits."""
    return {f"{name}_{k}": code for k in range(1, copies + 1) for name, code in sorted(sources.items())
            if name not in HANGS}
