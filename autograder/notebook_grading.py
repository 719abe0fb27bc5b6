"""Grading a notebook's code with the engine: what hidden-test cells of notebook exports call.

Notebook platforms (otter-grader, nbgrader) run a hidden-test cell inside the
student's own kernel, after the student's cells have run there and could have
changed anything in it: `np.allclose = lambda *a, **k: True` is one line. So a
hidden-test cell does not test the kernel's objects. It calls

    check("03_affine", "test_affine_db_sums_over_batch")

which reads the notebook file from disk, joins the sources of the cells that
make up each student file (cell metadata {"autograder": {"file": "layers.py"}},
set by the exports) into that file, and grades it with the hidden tests in the
sandbox, exactly as an uploaded layers.py would be graded. Tampering in the
kernel changes nothing there: the sandbox imports the assembled file afresh.

The whole submission is graded once per kernel and file content; the next
hidden-test cells read that result. A failed test raises AssertionError with
the engine's message for the student.

What stays trusted: the kernel still runs the call and reports its outcome to
the platform, so code that attacks the platform itself (patches this function
or the platform's result collection in the kernel, or writes the platform's
result files) is not stopped here; that needs the platform's own isolation, or
grading the notebook with `python -m autograder` outside the kernel.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from . import course
from .result import Result, TestResult
from .submission import MAX_FILE_BYTES, Submission

CELL_KEY = "autograder"          # cell metadata key: {"autograder": {"file": "layers.py"}}
NOTEBOOK_ENV = "AUTOGRADER_NOTEBOOK"  # the notebook to grade, when not the only one in the folder

_graded: dict[tuple[str, str], Result] = {}


def cell_metadata(student_file: str) -> dict:
    """The metadata that marks a cell as part of `student_file`."""
    return {CELL_KEY: {"file": student_file}}


def part_of(cell: dict) -> str | None:
    """The student file a cell belongs to, or None."""
    mark = (cell.get("metadata") or {}).get(CELL_KEY)
    return mark.get("file") if isinstance(mark, dict) and isinstance(mark.get("file"), str) else None


def find_notebook(folder: Path | None = None) -> Path:
    """The notebook being graded: $AUTOGRADER_NOTEBOOK, else the only .ipynb in `folder` (the cwd)."""
    named = os.environ.get(NOTEBOOK_ENV)
    if named:
        return Path(named)
    folder = Path(folder or Path.cwd())
    found = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    if len(found) != 1:
        what = "no notebook" if not found else f"{len(found)} notebooks ({', '.join(p.name for p in found)})"
        raise course.CourseError(
            f"cannot tell which notebook to grade: {folder} holds {what}; "
            f"set {NOTEBOOK_ENV} to the notebook's path")
    return found[0]


def submission_from_notebook(path: Path, assignment: course.Assignment) -> Submission:
    """The student files of `assignment`, each joined from the notebook's cells marked as its parts."""
    path = Path(path)
    name = path.stem
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES * 16 + 1)
        if len(raw) > MAX_FILE_BYTES * 16:
            return Submission(name, {}, (f"{path.name} is larger than {MAX_FILE_BYTES * 16 // 1024 // 1024} MiB; "
                                         "clear the cells' outputs and submit it again.",))
        cells = json.loads(raw)["cells"]
        if not isinstance(cells, list):
            raise TypeError("cells is not a list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return Submission(name, {}, (f"{path.name} is not a readable notebook ({exc}); "
                                     "download it again from Jupyter and submit that file.",))
    parts: dict[str, list[str]] = {f: [] for f in assignment.student_files}
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        target = part_of(cell)
        if target in parts:
            source = cell.get("source", "")
            parts[target].append("".join(source) if isinstance(source, list) else str(source))
    files, problems = {}, []
    for student_file, sources in parts.items():
        if not sources:
            problems.append(f"the notebook has no cells of {student_file}: keep the code cells "
                            "as they were handed out and write your code inside them.")
            continue
        data = ("\n\n".join(s.rstrip("\n") for s in sources) + "\n").encode("utf-8")
        if len(data) > MAX_FILE_BYTES:
            problems.append(f"the code of {student_file} is larger than {MAX_FILE_BYTES // 1024} KiB.")
            continue
        files[student_file] = data
    return Submission(name, files, tuple(problems))


def grade_notebook(assignment: course.Assignment, path: Path, sandbox=None) -> Result:
    """All hidden tests of `assignment` on the notebook's code, in the sandbox (cached per content)."""
    from .batch import safe_grade
    from .sandbox import default_sandbox

    submission = submission_from_notebook(path, assignment)
    key = (assignment.id, submission.sha256 + "|".join(submission.problems))
    if key not in _graded:
        if sandbox is not None:
            _graded[key] = safe_grade(assignment, submission, sandbox)
        else:
            with default_sandbox() as fresh:
                _graded[key] = safe_grade(assignment, submission, fresh)
    return _graded[key]


def test_result(assignment_id: str, test_name: str, notebook: Path | None = None) -> TestResult:
    """The result of one hidden test on the code of `notebook` (default: see find_notebook)."""
    assignment = course.load(assignment_id)
    if test_name not in {t.name for t in assignment.tests}:
        raise course.CourseError(f"{assignment_id} has no hidden test {test_name!r}")
    result = grade_notebook(assignment, Path(notebook) if notebook else find_notebook())
    return next(t for t in result.tests if t.name == test_name)


test_result.__test__ = False  # a function of the engine, not a pytest test


def check(assignment_id: str, test_name: str, notebook: Path | None = None) -> None:
    """Pass silently, or raise AssertionError with the engine's message: a hidden-test cell's body."""
    outcome = test_result(assignment_id, test_name, notebook)
    if not outcome.passed:
        raise AssertionError(f"{test_name}: {outcome.output}")
