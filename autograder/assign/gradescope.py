"""The Gradescope autograder of one assignment: the files of its zip.

How it works and why: docs/releases.md (The Gradescope autograder).
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
from importlib import metadata
from pathlib import Path

from ..course import SECRET_FILE, Assignment, CourseError, assignment_ids, course_secret, load

ENGINE_REQUIREMENTS = ("numpy", "rich")  # what grading imports, besides the standard library
PINNED = ("numpy",)                      # installed on Gradescope at the version the tests ran with here
EXECUTABLES = frozenset({"setup.sh", "run_autograder"})
PRIVATE = frozenset({SECRET_FILE})       # readable by their owner alone, in the zip and once unpacked
PACKAGE = Path(__file__).resolve().parents[1]
OUT = Path("out") / "gradescope"         # where the zips go, under the course root (ignored by git)

# Both scripts run as root and end by making the grading root readable by root
# alone: student code runs as an unprivileged uid (nobody, dropped from root),
# so these modes keep the engine, the hidden tests, the solutions, the
# manifests and the course secret from it even where the kernel has no
# Landlock. Only venv/ stays readable, because the worker imports numpy from
# it after dropping privileges; the standard library is the system's. The
# root itself may be entered, not listed. Symbolic links are left alone, never
# followed: chmod would change what they point to.
LOCK_DOWN = """\
lock_down() {{
    chown root:root "$ROOT" && chmod 711 "$ROOT" || return 1
    local entry
    for entry in "$ROOT"/* "$ROOT"/.[!.]*; do
        if [ -L "$entry" ] || [ ! -e "$entry" ] || [ "$entry" = "$ROOT/venv" ]; then
            continue
        fi
        chown -R root:root "$entry" && chmod -R go-rwx "$entry" || return 1
    done
}}
"""

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
# The engine needs Python 3.11 or later (Ubuntu 22.04 images have 3.10) and
# the packages {packages}. They go into a virtual environment, which also keeps
# pip away from the system's Python (Ubuntu 24.04 refuses to install into it).
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
export DEBIAN_FRONTEND=noninteractive
umask 022  # the sandboxed worker, uid nobody, imports numpy from the virtual environment

recent() {{ "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }}
""" + LOCK_DOWN + """
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
# Every upload runs in a fresh container made from this image: bytecode compiled now is read
# by each upload, instead of each compiling the engine and the course again (about 0.2 s).
"$ROOT/venv/bin/python" -m compileall -q "$ROOT/source"
lock_down  # run_autograder does it again before every submission
"""

RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission of {id}, as root: the student's
# files are in submission/, and Gradescope reads results/results.json.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="$ROOT/venv/bin/python3"           # made by setup.sh
[ -x "$PYTHON" ] || PYTHON=python3
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -rf "$RESULTS"
""" + LOCK_DOWN + """
if [ "$(id -u)" -eq 0 ] && ! lock_down; then
    # Student code would run beside files it could read: do not grade.
    echo "run_autograder: could not make $ROOT readable by root alone" >&2
    status=3
else
    # From source/ and with nothing else on the path, the engine in this bundle
    # is the one imported, and it grades the course that came with it, with the
    # course secret the bundle carries.
    cd "$ROOT/source" || exit 1
    unset PYTHONPATH AUTOGRADER_SECRET
    AUTOGRADER_COURSE="$ROOT/source" "$PYTHON" -m autograder grade --assignment {id} \\
        "$ROOT/submission" --out "$RESULTS"{lang}
    status=$?
fi
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


def run_script(assignment: Assignment, lang: str | None = None) -> str:
    """run_autograder; with `lang` ('ko'), every message of the grading speaks that language."""
    return RUN.format(id=assignment.id, lang=f" --lang {shlex.quote(lang)}" if lang else "")


def pinned(requirements: list[str], versions: dict[str, str] | None = None) -> list[str]:
    """The requirements with each PINNED package at the version installed here ('numpy==2.1.3').

    versions: name -> version, for tests (default: what importlib.metadata finds).
    """
    out = []
    for requirement in requirements:
        name = re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip()
        if name.lower() in PINNED:
            version = (versions or {}).get(name) or _installed(name)
            requirement = f"{name}=={version}"
        out.append(requirement)
    return out


def _installed(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        raise CourseError(f"{name} is not installed here, so the Gradescope zip cannot pin the version "
                          "the tests ran with: run `make setup` and build the zips with .venv/bin/python") from None


def engine_files(assignment: Assignment) -> dict[str, bytes]:
    """The engine's modules and catalogue, by path in the zip, without other assignments' hidden tests.

    autograder/hidden/ keeps this assignment's module and what every assignment's
    tests share (its __init__.py, draw.py).
    """
    hidden = PACKAGE / "hidden"
    if not (hidden / f"{assignment.slug}.py").is_file():
        raise CourseError(f"{assignment.id}: its hidden tests {hidden / assignment.slug}.py are missing")
    others = {load(i, assignment.root).slug for i in assignment_ids(assignment.root)} - {assignment.slug}
    files = {}
    # The modules, and the message catalogue every message of the engine comes from.
    for path in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.glob("catalogue/*/*.toml")]):
        inside = path.relative_to(PACKAGE)
        if "__pycache__" in inside.parts:
            continue
        if inside.parts[0] == "hidden" and inside.stem in others:
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


def bundle_files(assignment: Assignment, requirements: list[str], secret: bytes,
                 lang: str | None = None) -> dict[str, bytes]:
    """Every file of the assignment's Gradescope zip, by path in the zip.

    `secret` is the course secret (instructor_secret), which grading on
    Gradescope seeds each submission's hidden inputs with; `lang` the language
    of the feedback (None: English, unless Gradescope's environment sets AUTOGRADER_LANG).
    """
    if not secret.strip():
        raise CourseError("a Gradescope zip needs the course secret, and it is empty")
    return {
        "setup.sh": setup_script(requirements).encode(),
        "run_autograder": run_script(assignment, lang).encode(),
        SECRET_FILE: secret.strip() + b"\n",
        **engine_files(assignment),
        **course_files(assignment),
    }


def instructor_secret(root: Path) -> tuple[bytes, str | None]:
    """The course secret the zips carry, and a sentence to print when it had to be made.

    It is the instructor's (AUTOGRADER_SECRET, else <root>/.course-secret:
    course.course_secret). A course without one gets a new one, 32 random bytes
    in hex, in <root>/.course-secret, readable by its owner alone and listed in
    <root>/.gitignore: every zip built later carries the same one, so a
    resubmission meets the same hidden inputs after the autograder is updated.
    """
    secret = course_secret(root)
    if secret:
        return secret, None
    path = root / SECRET_FILE
    if path.exists():
        raise CourseError(f"{path} is empty: write the course secret into it, or delete it to have one made")
    value = secrets.token_hex(32).encode()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(value + b"\n")
    _ignore(root / ".gitignore", f"/{SECRET_FILE}")
    return value, (f"The course had no secret, so a new one was written to {path} (readable by you "
                   "alone, ignored by git): keep it, since it seeds every submission's hidden inputs.")


def _ignore(gitignore: Path, pattern: str) -> None:
    """Add `pattern` to a .gitignore file unless a line already says it."""
    text = gitignore.read_text(encoding="utf-8") if gitignore.is_file() else ""
    if pattern in text.splitlines() or pattern.lstrip("/") in text.splitlines():
        return
    gitignore.write_text(text + ("" if text.endswith("\n") or not text else "\n") + pattern + "\n",
                         encoding="utf-8")


def write_zips(zips: dict[str, bytes], out: Path) -> list[str]:
    """Write the zips into `out`, readable by their owner alone (they carry the secret). Returns what changed."""
    out.mkdir(parents=True, exist_ok=True)
    changed = []
    for name in sorted(zips):
        path = out / name
        if not (path.is_file() and path.read_bytes() == zips[name]):
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(zips[name])
            changed.append(f"wrote {path}")
        os.chmod(path, 0o600)  # also a zip an earlier version wrote with wider permissions
    return changed
