"""A whole course's submissions: every assignment of the course, n students each.

The mix follows the sample uploads of examples/submissions/ (examples/build.py): of every
twelve students, four hand in correct work (the solution, a correct rewrite, a folder, a zip
from macOS), four buggy work (three realistic bugs and a cheat that patches numpy), three
work that crashes or cannot be graded (a syntax error, the untouched stub, a zip without the
file) and one an endless loop at import. KINDS holds that cycle; students(...) writes it for
any assignment of the course from its solution, its stub and tests/mutants/<id>.toml, so an
assignment added to the course joins the benchmark with no change here. The bugs cycle
through every [[mutant]] of the assignment and the correct rewrites through every [[variant]],
so that a large batch holds many different bugs, not three copies.

    assignments()               the course's assignment ids, in order
    students(id, folder, n)     n uploads into folder, named s00000_<kind>...; returns {kind: count}
    proportions()               {"correct": 4, "buggy": 4, "crashing": 3, "hang": 1}
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from autograder import course
from autograder.assign import mutants

# One cycle of twelve students: (what it is, how the sample uploads name it).
KINDS = [("correct", "correct"), ("buggy", "bug"), ("crashing", "syntax_error"), ("correct", "variant"),
         ("buggy", "bug"), ("crashing", "untouched_stub"), ("correct", "folder_upload"), ("buggy", "bug"),
         ("hang", "endless_loop_at_import"), ("correct", "zip_from_macos"), ("buggy", "cheat_patches_numpy"),
         ("crashing", "zip_without_the_file")]
HANG = "endless_loop_at_import"


def assignments() -> list[str]:
    """Every assignment of the course (assignments/*/manifest.toml), in order."""
    return course.assignment_ids()


def proportions() -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind, _ in KINDS:
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def students(assignment_id: str, folder: Path, n: int) -> dict[str, int]:
    """Write n uploads of the mix into folder; return how many of each sample kind."""
    assignment = course.load(assignment_id)
    filename = assignment.student_files[0]
    solution = (assignment.solution_folder / filename).read_text(encoding="utf-8")
    stub = (assignment.folder / filename).read_text(encoding="utf-8")
    found = mutants.entries(assignment_id)
    bugs = [mutants.edited(solution, e) for e in found.get("mutant", []) if e.get("file", filename) == filename]
    variants = [mutants.edited(solution, e) for e in found.get("variant", []) if e.get("file", filename) == filename]
    bugs, variants = bugs or [solution.replace("):", ")", 1)], variants or [solution]
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for i in range(n):
        _, sample = KINDS[i % len(KINDS)]
        counts[sample] = counts.get(sample, 0) + 1
        turn = counts[sample] - 1  # the how-many-th of this kind: picks the bug or the rewrite
        name = f"s{i:05d}_{sample}"
        if sample == "folder_upload":
            (folder / name / "homework").mkdir(parents=True)
            (folder / name / "homework" / filename).write_text(solution, encoding="utf-8")
            continue
        if sample == "zip_from_macos":
            (folder / f"{name}.zip").write_bytes(_zip({f"hw/{filename}": solution,
                                                       f"__MACOSX/hw/._{filename}": "\0\5\26\7",
                                                       "hw/notes.txt": "see the code"}))
            continue
        if sample == "zip_without_the_file":
            (folder / f"{name}.zip").write_bytes(_zip({"README.md": "forgot the code"}))
            continue
        code = {"correct": solution,
                "variant": variants[turn % len(variants)],
                "bug": bugs[turn % len(bugs)],
                "cheat_patches_numpy": bugs[turn % len(bugs)] + "\nnp.allclose = lambda *a, **k: True\n"
                                       "np.testing.assert_allclose = lambda *a, **k: None\n",
                "syntax_error": solution.replace("):", ")", 1),
                "untouched_stub": stub,
                HANG: solution + "\nwhile True:\n    pass\n"}[sample]
        (folder / f"{name}.py").write_text(code, encoding="utf-8")
    return counts


def correct_copies(assignment_id: str, folder: Path, n: int) -> None:
    """n copies of the solution: the cost of a submission that runs every test to the end."""
    assignment = course.load(assignment_id)
    filename = assignment.student_files[0]
    solution = (assignment.solution_folder / filename).read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"s{i:05d}.py").write_text(solution, encoding="utf-8")
