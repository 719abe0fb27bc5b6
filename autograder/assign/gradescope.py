"""The Gradescope autograder of one assignment: the files of its zip.

Gradescope unpacks the zip into /autograder/source/, runs setup.sh once while
it builds the image, and then runs run_autograder for every submission, with
the student's files in /autograder/submission/; Gradescope reads
/autograder/results/results.json. The zip is a minimal course:

    setup.sh, run_autograder
    autograder/                      the engine; autograder/hidden/ holds this assignment's module only
    assignments/<id>/manifest.toml
    solutions/<id>/                  the reference solution, which expected values are computed from

Student code sees none of it: it runs in the engine's sandbox.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from ..course import Assignment, CourseError

ENGINE_REQUIREMENTS = ("numpy", "rich")  # what grading imports, besides the standard library
EXECUTABLES = frozenset({"setup.sh", "run_autograder"})
PACKAGE = Path(__file__).resolve().parents[1]

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
# The engine needs Python 3.11 or later (Ubuntu 22.04 images have 3.10) and
# the packages {packages}. They go into a virtual environment, which also keeps
# pip away from the system's Python (Ubuntu 24.04 refuses to install into it).
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
export DEBIAN_FRONTEND=noninteractive

recent() {{ "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }}

PYTHON=python3
if ! recent python3; then
    apt-get update -q
    apt-get install -y -q python3.11 python3.11-venv
    PYTHON=python3.11
fi
if ! "$PYTHON" -m venv --clear "$ROOT/venv"; then
    # Debian and Ubuntu ship venv's pip in a package of its own.
    apt-get update -q
    apt-get install -y -q "python3.$("$PYTHON" -c 'import sys; print(sys.version_info.minor)')-venv"
    "$PYTHON" -m venv --clear "$ROOT/venv"
fi
"$ROOT/venv/bin/python" -m pip install -q {requirements}
"""

RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission of {id}: the student's files are
# in submission/, and Gradescope reads results/results.json.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="$ROOT/venv/bin/python3"           # made by setup.sh
[ -x "$PYTHON" ] || PYTHON=python3
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -rf "$RESULTS"

# From source/ and with nothing else on the path, the engine in this bundle is
# the one imported, and it grades the course that came with it.
cd "$ROOT/source" || exit 1
unset PYTHONPATH
AUTOGRADER_COURSE="$ROOT/source" "$PYTHON" -m autograder grade --assignment {id} \\
    "$ROOT/submission" --out "$RESULTS"
status=$?
if [ ! -f "$RESULTS" ] || [ ! -s "$RESULTS" ]; then
    # No result file: say so instead of leaving Gradescope without a result.
    rm -rf "$RESULTS"
    printf '{{"score": 0, "output": "The autograder could not grade this submission (exit status %s). Please tell your instructor.", "tests": []}}\\n' \\
        "$status" > "$RESULTS"
fi
exit "$status"
"""


def setup_script(requirements: list[str]) -> str:
    """setup.sh, installing `requirements` (pip specifiers of ENGINE_REQUIREMENTS)."""
    return SETUP.format(packages=" and ".join(ENGINE_REQUIREMENTS),
                        requirements=" ".join(shlex.quote(r) for r in requirements))


def run_script(assignment: Assignment) -> str:
    return RUN.format(id=assignment.id)


def engine_files(assignment: Assignment) -> dict[str, bytes]:
    """The engine's modules and catalogue, by path in the zip, with only this assignment's hidden tests."""
    hidden = PACKAGE / "hidden"
    if not (hidden / f"{assignment.slug}.py").is_file():
        raise CourseError(f"{assignment.id}: its hidden tests {hidden / assignment.slug}.py are missing")
    keep_hidden = {"__init__.py", f"{assignment.slug}.py"}
    files = {}
    # The modules, and the message catalogue every message of the engine comes from.
    for path in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.glob("catalogue/*/*.toml")]):
        inside = path.relative_to(PACKAGE)
        if "__pycache__" in inside.parts:
            continue
        if inside.parts[0] == "hidden" and inside.parts[1] not in keep_hidden:
            continue
        files[(Path("autograder") / inside).as_posix()] = path.read_bytes()
    return files


def course_files(assignment: Assignment) -> dict[str, bytes]:
    """The assignment's manifest and reference solution, by path in the zip."""
    files = {f"assignments/{assignment.id}/manifest.toml": (assignment.folder / "manifest.toml").read_bytes()}
    for path in sorted(assignment.solution_folder.rglob("*")):
        inside = path.relative_to(assignment.solution_folder)
        if not path.is_file() or path.suffix == ".pyc" or any(
                part.startswith(".") or part == "__pycache__" for part in inside.parts):
            continue
        files[f"solutions/{assignment.id}/{inside.as_posix()}"] = path.read_bytes()
    main = assignment.student_files[0]
    if f"solutions/{assignment.id}/{main}" not in files:
        raise CourseError(f"{assignment.id}: the reference solution {assignment.solution_folder / main} is missing")
    return files


def bundle_files(assignment: Assignment, requirements: list[str]) -> dict[str, bytes]:
    """Every file of the assignment's Gradescope zip, by path in the zip."""
    return {
        "setup.sh": setup_script(requirements).encode(),
        "run_autograder": run_script(assignment).encode(),
        **engine_files(assignment),
        **course_files(assignment),
    }
