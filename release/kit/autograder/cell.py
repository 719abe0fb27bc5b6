"""Grading from inside a notebook: what an nbgrader autograded cell calls.

    hidden_test("03_affine", "<the name of one of its hidden tests>")

How it works and why: docs/notebooks.md (The hidden-test cell).
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
from dataclasses import dataclass
from pathlib import Path

STARTUP_SECONDS = 30  # a fresh interpreter, numpy and the sandbox, on a busy machine

# Run by the installed engine: what the autograder knows of one assignment, as JSON on stdout.
DESCRIBE = """\
import json, sys
from autograder import course
try:
    a = course.load(sys.argv[1])
except course.CourseError as exc:
    print(json.dumps({"error": str(exc)}))
else:
    print(json.dumps({"student_files": list(a.student_files), "tests": [[t.unit, t.name] for t in a.tests],
                      "seconds": a.limits.submission_seconds}))
"""


@dataclass(frozen=True)
class Assignment:
    """What a hidden cell needs of an assignment, as the installed engine's manifest says."""
    id: str
    student_files: tuple[str, ...]
    tests: tuple[tuple[str, str], ...]      # (unit, hidden test name), in the manifest's order
    submission_seconds: float


_ASSIGNMENTS: dict[str, Assignment] = {}
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
        # one write: a kernel may send print's text and its newline as two outputs
        sys.stdout.write((result.get("output") or _say("grade.passed")) + "\n")
        return
    raise AssertionError(result.get("output") or _say("cell.failed"))


def _say(key: str, **fields) -> str:
    """A sentence of the catalogue shipped beside this module (the kit's or the installed engine's)."""
    from . import messages  # the standard library alone: the same from the kit and the installed package

    return messages.text(key, **fields)


def _engine_env() -> dict[str, str]:
    """The environment of the engine's processes: nothing that could choose another course or package."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AUTOGRADER_", "PYTHON"))}


def describe(assignment_id: str) -> Assignment:
    """The assignment as the installed engine knows it (asked once per kernel)."""
    if assignment_id not in _ASSIGNMENTS:
        _ASSIGNMENTS[assignment_id] = _ask_engine(assignment_id)
    return _ASSIGNMENTS[assignment_id]


def _ask_engine(assignment_id: str) -> Assignment:
    with tempfile.TemporaryDirectory(prefix="notebook-grade-") as tmp:
        try:
            run = subprocess.run([sys.executable, "-I", "-c", DESCRIBE, assignment_id], cwd=tmp,
                                 env=_engine_env(), stdin=subprocess.DEVNULL, capture_output=True,
                                 timeout=STARTUP_SECONDS)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GradingUnavailable(_say("cell.not_started", reason=exc)) from None
    try:
        data = json.loads(run.stdout)
    except ValueError:
        last = run.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no answer"]
        raise GradingUnavailable(_say("cell.not_installed", reason=last[0])) from None
    if "error" in data:
        raise GradingUnavailable(_say("cell.unknown_assignment", reason=data["error"]))
    return Assignment(assignment_id, tuple(data["student_files"]),
                      tuple((unit, name) for unit, name in data["tests"]), data["seconds"])


def _grade_one(assignment_id: str, test_name: str, folder: Path) -> dict:
    assignment = describe(assignment_id)
    if test_name not in {name for _, name in assignment.tests}:
        raise GradingUnavailable(_say("cell.unknown_test", test=repr(test_name), assignment=assignment.id))
    files = {}
    for name in assignment.student_files:
        saved = folder / name
        if not saved.is_file():
            raise AssertionError(_say("cell.not_saved", name=name))
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
        env = _engine_env()
        limit = assignment.submission_seconds + STARTUP_SECONDS
        process = subprocess.Popen(command, cwd=work, env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, errors = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise AssertionError(_say("cell.too_long", seconds=f"{limit:g}")) from None
        try:
            tests = json.loads(out.read_text(encoding="utf-8"))["tests"]
        except (OSError, ValueError, KeyError):
            tests = []
        expected = [f"{unit}: {name}" for unit, name in assignment.tests]
        if [t.get("name") for t in tests] != expected:
            last = errors.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
            raise GradingUnavailable(_say("cell.not_graded", status=process.returncode, reason=last[0]))
        return {name: result for (_, name), result in zip(assignment.tests, tests)}
