"""Grading from inside a notebook: what an nbgrader autograded cell calls.

    hidden_test("03_affine", "test_affine_db_sums_over_batch")

An exported notebook (assign/nbgrader.py) has one autograded cell per hidden
test, and that cell is two lines: this import and this call. The hidden tests
stay in autograder/hidden/ and are never copied into a notebook.

What is graded is the student file that the notebook's setup cell saved beside
the notebook when the student's code cell ran (assign/notebook.py): the
solution cell's source, byte for byte. It is graded like any upload, in the
sandbox, by a fresh interpreter (`python -I -m autograder grade`), so that nothing the student's cells did to this kernel (replacing
`np.allclose`, patching the engine's modules, setting PYTHONPATH or
AUTOGRADER_* variables, planting an `autograder` folder in the working
directory) reaches the checks. Python's -I flag ignores PYTHON* variables, the
user's site-packages and the working directory; AUTOGRADER_* variables are
dropped, so the course is the one beside the installed package (an editable
install of this repository, as `make venv-nbgrader` makes).

One run of the engine grades every hidden test of the file (each test with a
fresh import of the student module, as always), in the first autograded cell;
the other cells take their test's result from a memo in this module, keyed by
the sha256 of the student files, so a notebook costs one start of the engine
rather than one per cell. A changed file is graded again.

What remains trusted: this function itself, its memo of results and the
modules it uses (sys, subprocess, json, tempfile) live in the student's kernel,
which nbgrader runs without a sandbox; a student who rewrites those in the
kernel on purpose (say, `sys.executable` or `_GRADED`), or who can write to the
course's files from the kernel, can fool this cell as they could fool any
nbgrader test. The sandbox makes the cheap tricks, the ones
that work against plain nbgrader tests, worthless.

Every message goes to stdout or into the raised AssertionError, never to
stderr: nbgrader gives 0 to a cell that writes to stderr, and warnings are
not errors.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

STARTUP_SECONDS = 30  # a fresh interpreter, numpy and the sandbox, on a busy machine

# (assignment id, sha256 of the student files) -> hidden test name -> its Gradescope-style result
_GRADED: dict[tuple[str, str], dict[str, dict]] = {}


class GradingUnavailable(RuntimeError):
    """The grader could not run at all: the instructor must look (the course, the install)."""


def hidden_test(assignment_id: str, test_name: str, folder: str | os.PathLike = ".") -> None:
    """Grade the student file(s) in `folder` with one hidden test; raise AssertionError if it fails.

    Prints 'Passed.' when the test passes. The student files are those of the
    assignment's manifest (e.g. layers.py), as the notebook's setup cell saved them.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = _grade_one(assignment_id, test_name, Path(folder))
    if result.get("status") == "passed":
        print(result.get("output") or "Passed.")
        return
    raise AssertionError(result.get("output") or "The test failed.")


def _grade_one(assignment_id: str, test_name: str, folder: Path) -> dict:
    from . import course

    try:
        assignment = course.load(assignment_id)
    except course.CourseError as exc:
        raise GradingUnavailable(f"The autograder cannot find this assignment ({exc}). "
                                 "Please tell your instructor.") from None
    if test_name not in {t.name for t in assignment.tests}:
        raise GradingUnavailable(f"The autograder has no test {test_name!r} for {assignment.id}. "
                                 "Please tell your instructor.")
    files = {}
    for name in assignment.student_files:
        saved = folder / name
        if not saved.is_file():
            raise AssertionError(
                f"{name} was not found beside the notebook. The cell holding your code must start "
                f"with the line '# {name}', and the notebook's first code cell must run before it.")
        files[name] = saved.read_bytes()
    digest = hashlib.sha256(b"".join(n.encode() + b"\0" + files[n] + b"\0" for n in sorted(files))).hexdigest()
    key = (assignment.id, digest)
    if key not in _GRADED:
        _GRADED[key] = _grade_all(assignment, files)
    return _GRADED[key][test_name]


def _grade_all(assignment, files: dict[str, bytes]) -> dict[str, dict]:
    """Every hidden test's result for these files, from a fresh interpreter and the sandbox."""
    with tempfile.TemporaryDirectory(prefix="notebook-grade-") as tmp:
        work = Path(tmp)
        submission = work / "submission"
        submission.mkdir()
        for name, data in files.items():
            (submission / name).write_bytes(data)
        out = work / "results.json"
        command = [sys.executable, "-I", "-m", "autograder", "grade", "--assignment", assignment.id,
                   str(submission), "--out", str(out), "--quiet"]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOGRADER_", "PYTHON"))}
        limit = assignment.limits.submission_seconds + STARTUP_SECONDS
        process = subprocess.Popen(command, cwd=work, env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, errors = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise AssertionError(f"Grading took longer than {limit:g} s and was stopped.") from None
        try:
            tests = json.loads(out.read_text(encoding="utf-8"))["tests"]
        except (OSError, ValueError, KeyError):
            tests = []
        expected = [f"{t.unit}: {t.name}" for t in assignment.tests]
        if [t.get("name") for t in tests] != expected:
            last = errors.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
            raise GradingUnavailable(f"The autograder could not grade this notebook (exit status "
                                     f"{process.returncode}: {last[0]}). Please tell your instructor.")
        return {t.name: result for t, result in zip(assignment.tests, tests)}
