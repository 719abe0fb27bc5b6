"""Grading a notebook's code with the engine: what the hidden-test cells of notebook exports call.

Notebook platforms (otter-grader, nbgrader) run a hidden-test cell inside the
student's kernel, after the student's cells have run there and could have
changed anything in it: `np.allclose = lambda *a, **k: True` is one line. So a
hidden-test cell neither tests the kernel's objects nor computes expected values
in the kernel. It calls

    check("03_affine", "test_affine_db_sums_over_batch")

which starts `python -m autograder grade --assignment 03_affine NOTEBOOK` in a
fresh process (numpy as installed, not as the kernel left it). That grader
reads the notebook file from disk, joins the sources of the cells that make up
each student file (cell metadata {"autograder": {"file": "layers.py"}}, set by
the exports) into that file, and grades it with the hidden tests of
autograder/hidden/ in the sandbox, exactly as an uploaded layers.py. The whole
notebook is graded once per kernel and content; later hidden-test cells read
that result. A failed test raises AssertionError with the engine's message.

What stays trusted: the kernel still starts the grader, relays its verdict and
reports it to the platform, and the files on disk are the kernel's to change.
Code written to attack this path (patching `check` or `subprocess` in the
kernel, the platform's own result collection, or the installed files) is not
stopped here; against that, grade the notebooks outside the kernel:
`python -m autograder grade --assignment ID notebooks/ --gradebook grades.db`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from . import course
from .submission import MAX_FILE_BYTES, Submission

CELL_KEY = "autograder"               # cell metadata key: {"autograder": {"file": "layers.py"}}
NOTEBOOK_ENV = "AUTOGRADER_NOTEBOOK"  # the notebook to grade, when not the only one in the folder
MAX_NOTEBOOK_BYTES = 16 * MAX_FILE_BYTES  # outputs (plots) make notebooks far larger than their code
GRADER_MARGIN_SECONDS = 60.0          # starting the grader, beyond the submission's own time limit

_graded: dict[tuple[str, str], dict[str, dict]] = {}


def cell_metadata(student_file: str) -> dict:
    """The metadata that marks a code cell as part of `student_file`."""
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


def submission_from_notebook(path: Path, student_files: tuple[str, ...], name: str | None = None) -> Submission:
    """The student files, each joined from the notebook's code cells marked as its parts, in order."""
    path = Path(path)
    name = name or path.name
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_NOTEBOOK_BYTES + 1)
        if len(raw) > MAX_NOTEBOOK_BYTES:
            return Submission(name, {}, (f"{path.name} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB; "
                                         "clear its outputs (Kernel > Restart and Clear Output), save "
                                         "and submit it again.",))
        cells = json.loads(raw)["cells"]
        if not isinstance(cells, list):
            raise TypeError("its cells are not a list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return Submission(name, {}, (f"{path.name} is not a readable notebook ({type(exc).__name__}: {exc}); "
                                     "save it again in Jupyter and submit that file.",))
    parts: dict[str, list[str]] = {f: [] for f in student_files}
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        target = part_of(cell)
        if target in parts:
            source = cell.get("source", "")
            parts[target].append("".join(map(str, source)) if isinstance(source, list) else str(source))
    files, problems = {}, []
    for student_file, sources in parts.items():
        if not sources:
            problems.append(f"the notebook has no code cells of {student_file}: start from the notebook "
                            "as it was handed out and write your code in its cells.")
            continue
        data = ("\n\n".join(s.rstrip("\n") for s in sources) + "\n").encode("utf-8")
        if len(data) > MAX_FILE_BYTES:
            problems.append(f"the code of {student_file} is larger than {MAX_FILE_BYTES // 1024} KiB.")
            continue
        files[student_file] = data
    return Submission(name, files, tuple(problems))


def grade_notebook(assignment: course.Assignment, path: Path) -> dict[str, dict]:
    """Test name -> its entry of the results JSON (score, max_score, output), from a fresh
    grader process; cached per assignment and content of the notebook's student files."""
    submission = submission_from_notebook(path, assignment.student_files)
    key = (assignment.id, submission.sha256 + "\0" + "\0".join(submission.problems))
    if key not in _graded:
        _graded[key] = _run_grader(assignment, Path(path))
    return _graded[key]


def _run_grader(assignment: course.Assignment, path: Path) -> dict[str, dict]:
    seconds = assignment.limits.submission_seconds + GRADER_MARGIN_SECONDS
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["AUTOGRADER_COURSE"] = str(assignment.root)
    with tempfile.TemporaryDirectory(prefix="autograder-notebook-") as folder:
        out = Path(folder) / "results.json"
        command = [sys.executable, "-m", "autograder", "grade", "--assignment", assignment.id,
                   str(path.resolve()), "--out", str(out), "--quiet"]
        try:
            finished = subprocess.run(command, env=env, cwd=folder, capture_output=True, text=True,
                                      timeout=seconds, start_new_session=True)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"The grader did not finish within {seconds:g} s; "
                                 "ask your instructor to grade this notebook again.") from None
        try:
            tests = json.loads(out.read_text(encoding="utf-8"))["tests"]
            return {t["name"].rsplit(": ", 1)[-1]: t for t in tests}  # named "<unit>: <test>"
        except (OSError, ValueError, KeyError, TypeError):
            detail = (finished.stderr or finished.stdout).strip().splitlines()[-1:] or ["no output"]
            raise AssertionError(f"The grader could not grade this notebook (exit status "
                                 f"{finished.returncode}: {detail[0]}); tell your instructor.") from None


def check(assignment_id: str, test_name: str, notebook: Path | None = None) -> None:
    """A hidden-test cell's body: pass silently, or raise AssertionError with the engine's message."""
    assignment = course.load(assignment_id)
    if test_name not in {t.name for t in assignment.tests}:
        raise course.CourseError(f"{assignment_id} has no hidden test {test_name!r}")
    outcome = grade_notebook(assignment, Path(notebook) if notebook else find_notebook()).get(test_name)
    if outcome is None:
        raise AssertionError(f"{test_name}: the grader's results do not list this test; tell your instructor.")
    if outcome["score"] < outcome["max_score"]:
        raise AssertionError(f"{test_name}: {outcome['output']}")
