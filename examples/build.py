"""Write examples/submissions/<id>/: sample uploads that `make grade` grades.

    python examples/build.py 03_affine

One entry per "student", named for what it shows: the reference solution, a
correct float32 rewrite, realistic bugs from the mutation suite, the untouched
stub, a syntax error, an endless loop, a cheat that patches numpy, and the
upload shapes that arrive in practice (a zip with __MACOSX/, a folder). The
files are generated from the solution and tests/mutants/<id>.toml, so they
follow the course when it changes: rerun and commit.
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

from autograder import course
from autograder.assign.mutants import edited, entries

HERE = Path(__file__).resolve().parent


def slug(name: str) -> str:
    keep = "".join(c if c.isalnum() else "_" for c in name.lower())
    return "_".join(part for part in keep.split("_") if part)[:40]


def build(assignment_id: str) -> Path:
    assignment = course.load(assignment_id)
    filename = assignment.student_files[0]
    solution = (assignment.solution_folder / filename).read_text(encoding="utf-8")
    stub = (assignment.folder / filename).read_text(encoding="utf-8")
    mutants = entries(assignment_id, HERE.parent)
    out = HERE / "submissions" / assignment_id
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)

    files = {"correct": solution, "untouched_stub": stub, "syntax_error": solution.replace("):", ")", 1)}
    for entry in mutants.get("variant", [])[:1]:
        files[f"correct_{slug(entry['name'])}"] = edited(solution, entry)
    for entry in mutants.get("mutant", [])[:3]:
        files[f"bug_{slug(entry['name'])}"] = edited(solution, entry)
    files["endless_loop_at_import"] = solution + "\nwhile True:\n    pass\n"
    files["cheat_patches_numpy"] = (edited(solution, mutants["mutant"][0]) +
                                    "\nnp.allclose = lambda *a, **k: True\n"
                                    "np.testing.assert_allclose = lambda *a, **k: None\n")
    for name, text in files.items():
        (out / f"{name}.py").write_text(text, encoding="utf-8")

    folder = out / "folder_upload" / "homework"
    folder.mkdir(parents=True)
    (folder / filename).write_text(solution, encoding="utf-8")
    with zipfile.ZipFile(out / "zip_from_macos.zip", "w") as archive:
        for name, data in ((f"hw/{filename}", solution), (f"__MACOSX/hw/._{filename}", "\0\5\26\7"),
                           ("hw/notes.txt", "see layers")):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(info, data)
    with zipfile.ZipFile(out / "zip_without_the_file.zip", "w") as archive:
        archive.writestr(zipfile.ZipInfo("README.md", date_time=(2026, 1, 1, 0, 0, 0)), "forgot the code")
    return out


if __name__ == "__main__":
    for assignment_id in sys.argv[1:] or ["03_affine"]:
        print(f"wrote {build(assignment_id)}")
