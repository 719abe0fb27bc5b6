"""The GitHub Classroom template repository of one assignment: its workflow.

The template holds the student files, a .gitignore and
.github/workflows/classroom.yml, which runs each public test function as one
graded step worth 1 point, stopped after TEST_SECONDS. Only public tests
belong there, since the student can read the whole repository: hidden grading
stays with the instructor (Gradescope, or their own CI running
`python -m autograder classroom-grade`, classroom_instructor.py).

The workflow is built as data (`workflow`) and written by a small YAML emitter
(`to_yaml`) that quotes every string, so that no value can turn into a YAML
boolean or number.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from ..course import Assignment, CourseError

WORKFLOW = ".github/workflows/classroom.yml"
POINTS_PER_TEST = 1
TIMEOUT_MINUTES = 2           # per step, pip install included (GitHub Classroom's default is 10)
TEST_SECONDS = 30             # per public test: each takes well under a second on the reference
JOB_MINUTES_BASE = 5          # checkout and set-up, before the per-test steps
GITIGNORE = "__pycache__/\n*.pyc\n.pytest_cache/\n.ipynb_checkpoints/\n.venv/\nvenv/\n.DS_Store\n"
PYTHON_VERSION = "3.12"
GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"


def pytest_names(path: Path) -> list[str]:
    """pytest's names for the tests of a file: 'test_x', or 'TestCase::test_x' inside a class."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except SyntaxError as exc:
        raise CourseError(f"{path} does not parse: {exc}") from None
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            names.append(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names += [f"{node.name}::{item.name}" for item in node.body
                      if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test")]
    return names


def graded_tests(assignment: Assignment, test_files: list[Path]) -> list[tuple[str, str, str]]:
    """(step id, test name, pytest node id) for each public test function."""
    found = [(path.name, name) for path in test_files for name in pytest_names(path)]
    if not found:
        raise CourseError(f"{assignment.id}: no public test functions in {assignment.folder}/test_*.py")
    clashes = {name for _, name in found if sum(n == name for _, n in found) > 1}
    result = []
    for filename, name in found:
        label = f"{Path(filename).stem}::{name}" if name in clashes else name
        result.append((label.replace("::", "__"), label, f"{filename}::{name}"))
    return result


def workflow(assignment: Assignment, test_files: list[Path]) -> dict:
    """The workflow as data: one command-grader step per public test, then the reporter."""
    tests = graded_tests(assignment, test_files)
    steps: list[dict] = [
        {"name": "Check out the code", "uses": "actions/checkout@v4"},
        {"name": "Set up Python", "uses": "actions/setup-python@v5",
         "with": {"python-version": PYTHON_VERSION}},
    ]
    for step_id, name, node in tests:
        steps.append({"name": name, "id": step_id, "uses": GRADER, "with": {
            "test-name": name,
            "setup-command": "pip install -r requirements.txt",
            # An endless loop costs TEST_SECONDS, not the step's minutes: coreutils' timeout stops
            # the test (and kills it 5 s later if it ignores SIGTERM).
            "command": f"timeout -k 5 {TEST_SECONDS} python -m pytest -q {node}",
            "timeout": TIMEOUT_MINUTES,
            "max-score": POINTS_PER_TEST,
        }})
    steps.append({
        "name": "Autograding Reporter",
        "uses": REPORTER,
        # The reporter reads each step's result from <STEP ID IN CAPITALS>_RESULTS.
        "env": {f"{step_id.upper()}_RESULTS": f"${{{{ steps.{step_id}.outputs.result }}}}"
                for step_id, _, _ in tests},
        "with": {"runners": ",".join(step_id for step_id, _, _ in tests)},
    })
    return {
        "name": "Autograding Tests",
        "on": ["push", "repository_dispatch"],
        "permissions": {"checks": "write", "actions": "read", "contents": "read"},
        "jobs": {"run-autograding-tests": {
            "runs-on": "ubuntu-latest",
            # A backstop: about a minute a test covers TEST_SECONDS and the step's pip install.
            "timeout-minutes": JOB_MINUTES_BASE + len(tests),
            "if": "github.actor != 'github-classroom[bot]'",
            "steps": steps,
        }},
    }


def workflow_text(assignment: Assignment, test_files: list[Path]) -> str:
    header = (f"# GitHub Classroom autograding for {assignment.id}: each public test is worth "
              f"{POINTS_PER_TEST} point.\n# Generated by `make release`; edit the course, not this file.\n")
    return header + to_yaml(workflow(assignment, test_files))


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_YAML11_BOOLEANS = {"y", "yes", "n", "no", "true", "false", "on", "off"}  # `on:` would read as True


def to_yaml(value: dict | list) -> str:
    """Block-style YAML for dicts, lists, strings, ints and bools."""
    return "\n".join(_lines(value, 0)) + "\n"


def _key(key: str) -> str:
    return key if _PLAIN_KEY.match(key) and key.lower() not in _YAML11_BOOLEANS else json.dumps(key)


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, str)) or value in ({}, []):
        return json.dumps(value)  # a JSON string is a valid double-quoted YAML scalar
    raise TypeError(f"to_yaml cannot write {type(value).__name__}")


def _block(value) -> bool:
    """A script of several lines reads best as a literal block (`|`): printable, no leading or trailing blanks."""
    return (isinstance(value, str) and "\n" in value.rstrip("\n")
            and all(line.isprintable() and line == line.rstrip() for line in value.split("\n"))
            and not value[:1].isspace() and not value.endswith("\n\n"))


def _lines(value, indent: int):
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                yield f"{pad}{_key(key)}:"
                yield from _lines(item, indent + 2)
            elif _block(item):
                yield f"{pad}{_key(key)}: |{'' if item.endswith(chr(10)) else '-'}"
                yield from (f"{pad}  {line}" if line else "" for line in item.rstrip("\n").split("\n"))
            else:
                yield f"{pad}{_key(key)}: {_scalar(item)}"
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                inner = list(_lines(item, indent + 2))
                yield f"{pad}- {inner[0][indent + 2:]}"
                yield from inner[1:]
            else:
                yield f"{pad}- {_scalar(item)}"
