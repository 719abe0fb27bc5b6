"""What a student release folder ships besides the assignment's own files, so that checking works there.

    Makefile           `make check` (python -m autograder check) and `make test` (python -m pytest)
    pyproject.toml     makes the folder an installable package of the student side of the engine:
                       requirements.txt ends with `.`, so that `pip install -r requirements.txt` in the
                       folder installs it and `python -m autograder check FOLDER` works from any folder
    assignment.toml    which assignment the folder holds, for `check` (no hidden test names: not the manifest)
    autograder/        the student side of the engine: the check verb (check/; its notebook.py is
                       what a notebook's setup and public-test cells call), the assertions the
                       public tests call (assertions.py, hints.py), the message catalogue (messages.py,
                       catalogue/), and cli.py, course.py and __main__.py for `python -m autograder`;
                       cell.py, what the autograded cells of an nbgrader or otter notebook import: it
                       holds no test and asks the installed engine for everything (cell.py says why)

It is the package's own files, byte for byte, chosen by STUDENT_ENGINE: never
the sandbox, the hidden tests, the reference module or anything that grades.
tests/test_release.py proves the list imports on its own and leaks no hidden
test and no solution.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..check.target import marker_text
from ..course import Assignment, CourseError

PACKAGE = Path(__file__).resolve().parents[1]
# The engine files a student gets, as globs under autograder/.
STUDENT_ENGINE = ("__init__.py", "__main__.py", "cli.py", "course.py", "assertions.py", "hints.py", "messages.py",
                  "untrusted.py", "cell.py", "check/*.py", "check/pytest.ini", "catalogue/*/*.toml")
# What the hidden tests say (their advice names the properties they check) and what batches and
# classroom-grade tell the instructor: for the grader only.
# Every language leaves out the same files, so the student's catalogue stays complete in each.
NOT_SHIPPED = ("catalogue/*/hidden.toml", "catalogue/*/batch.toml", "catalogue/*/classroom.toml")

MAKEFILE = """\
# make check           run the public tests on your files and explain every failure
# make check lang=ko   the same, in Korean
# make test            the public tests with plain pytest
# Another Python (Windows: python): make check PYTHON=python
PYTHON ?= python3

.PHONY: check test

check:
\t$(PYTHON) -m autograder check $(if $(lang),--lang $(lang))

test:
\t$(PYTHON) -m pytest
"""


# flit_core builds the wheel straight from the files, leaving no build/ or *.egg-info in the student's
# folder (setuptools would); [tool.flit.module] (flit_core 3.8+) names the package apart from the project.
PYPROJECT = """\
# Written by `make release`: `pip install -r requirements.txt` installs the check from this folder,
# so that `python -m autograder check FOLDER` works from any folder. Nothing here is graded.
[build-system]
requires = ["flit_core>=3.8,<4"]
build-backend = "flit_core.buildapi"

[project]
name = "backprop-rnn-student-kit"
version = "{version}"
description = "The public tests' assertions and the check command of the backprop and RNN course"
requires-python = ">=3.9"
dependencies = [{dependencies}]

[tool.flit.module]
name = "autograder"
"""
# The last line of requirements.txt: this folder itself (relative to where pip runs: the README says
# to run it in the folder).
REQUIREMENTS_TAIL = "# the check itself, so that `python -m autograder check FOLDER` works from any folder\n.\n"


def pyproject_text(requirements: list[str]) -> str:
    """pyproject.toml of a student folder, depending on `requirements` (pip specifiers)."""
    from .. import __version__

    return PYPROJECT.format(version=__version__, dependencies=", ".join(json.dumps(r) for r in requirements))


def requirements_text(requirements: list[str]) -> str:
    """requirements.txt of a student folder: the packages, then the folder itself."""
    return "".join(f"{r}\n" for r in requirements) + REQUIREMENTS_TAIL


def engine_files() -> dict[str, bytes]:
    """The student side of the engine, by path in the release folder (autograder/...)."""
    files = {}
    left_out = {p for pattern in NOT_SHIPPED for p in PACKAGE.glob(pattern)}
    for pattern in STUDENT_ENGINE:
        found = sorted(PACKAGE.glob(pattern))
        if not found:
            raise CourseError(f"the student engine file autograder/{pattern} is missing")
        for path in found:
            if path.is_file() and path not in left_out:
                files[f"autograder/{path.relative_to(PACKAGE).as_posix()}"] = path.read_bytes()
    return files


def shared_names() -> list[str]:
    """The kit files every assignment's folder holds alike: Makefile and autograder/... (not assignment.toml)."""
    return ["Makefile", *engine_files()]


def kit_files(assignment: Assignment) -> dict[str, bytes]:
    """Makefile, assignment.toml and autograder/..., by path in the release folder."""
    return {"Makefile": MAKEFILE.encode(), "assignment.toml": marker_text(assignment).encode(), **engine_files()}
