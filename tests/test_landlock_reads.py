"""Landlock exactly as documented: read-only the standard library and numpy, read-write the worker's folder.

Inside a venv, sysconfig's platstdlib and purelib are the venv's own folders, and
a rule on them would open every installed package (the engine, the solutions
through it, pytest, rich). These tests check the list of readable paths and
then the kernel's verdict, from the project's venv and from the interpreter the
venv was made from (outside any venv, the engine on PYTHONPATH). The probes
that open files are the project's own code, in a child process walled in with
landlock.restrict; as root they see Landlock alone, with no file permission in
the way.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from autograder.sandbox import landlock
from autograder.proxy import StudentError

ROOT = Path(__file__).resolve().parents[1]
IN_VENV = sys.prefix != sys.base_prefix

# Run by an interpreter: which files it would let a worker read, and what Landlock then allows.
PROBE = r'''
import importlib.util, json, os, sys, tempfile
from pathlib import Path
import numpy
from autograder.sandbox import landlock

def origin(name):
    spec = importlib.util.find_spec(name)
    return spec.origin if spec and spec.origin else None

root = Path(sys.argv[1])
paths = {
    "stdlib os.py": os.__file__,
    "stdlib json": origin("json"),
    "stdlib compiled module": origin("_decimal") or origin("_json"),
    "numpy": numpy.__file__,
    "numpy testing": str(Path(numpy.__file__).parent / "testing" / "__init__.py"),
    "pytest": origin("_pytest"),
    "rich": origin("rich"),
    "the engine": str(root / "autograder" / "__init__.py"),
    "a hidden test": str(root / "autograder" / "hidden" / "__init__.py"),
    "a solution": str(root / "solutions" / "03_affine" / "layers.py"),
    "/etc/passwd": "/etc/passwd",
}
paths = {k: v for k, v in paths.items() if v and os.path.exists(v)}
readable = [p for p, _ in landlock.readable()]
listed = {k: any(v == r or v.startswith(r + os.sep) for r in readable) for k, v in paths.items()}
workdir = tempfile.mkdtemp()
if sys.argv[2] == "restrict" and landlock.abi_version() >= 1:
    pid = os.fork()
    if pid == 0:  # the child walls itself in and tries every path
        landlock.restrict(Path(workdir))
        seen = {}
        for k, v in paths.items():
            try:
                with open(v, "rb") as handle:
                    handle.read(1)
                seen[k] = True
            except PermissionError:
                seen[k] = False
        try:
            Path(workdir, "scratch").write_text("x")
            seen["own folder, written"] = True
        except PermissionError:
            seen["own folder, written"] = False
        print(json.dumps({"kernel": seen}), flush=True)
        os._exit(0)
    os.waitpid(pid, 0)
print(json.dumps({"listed": listed, "in_venv": sys.prefix != sys.base_prefix}))
'''

ALLOWED = {"stdlib os.py", "stdlib json", "stdlib compiled module", "numpy", "numpy testing"}


def probe(python: str, restrict: bool, env: dict | None = None) -> tuple[dict, dict | None]:
    run = subprocess.run([python, "-c", PROBE, str(ROOT), "restrict" if restrict else "list"],
                         capture_output=True, text=True, timeout=60, env=env, cwd="/")
    assert run.returncode == 0, run.stderr[-2000:]
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    kernel = next((line["kernel"] for line in lines if "kernel" in line), None)
    return next(line for line in lines if "listed" in line), kernel


def system_python() -> str | None:
    """The interpreter the venv was made from, if it can run the engine from PYTHONPATH (it needs numpy)."""
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidate = str(base) if base.exists() else shutil.which("python3")
    if not candidate or not IN_VENV:  # (the venv's python may be a link to it: run as itself, it is in no venv)
        return None
    check = subprocess.run([candidate, "-c", "import numpy"], capture_output=True)
    return candidate if check.returncode == 0 else None


INTERPRETERS = {"the project's venv": lambda: (sys.executable, None),
                "outside a venv": lambda: (system_python(), {"PYTHONPATH": str(ROOT), "PATH": os.defpath})}


@pytest.fixture(params=list(INTERPRETERS))
def interpreter(request):
    python, env = INTERPRETERS[request.param]()
    if python is None:
        pytest.skip("no interpreter outside the venv that has numpy")
    return python, env


def test_the_readable_list_holds_the_stdlib_and_numpy_and_nothing_else(interpreter):
    python, env = interpreter
    found, _ = probe(python, restrict=False, env=env)
    assert found["in_venv"] is (env is None)
    listed = found["listed"]
    assert {k for k, v in listed.items() if v} == ALLOWED & set(listed), listed
    assert {"pytest", "the engine", "a solution"} <= set(listed)  # the probe did look at them


def test_no_readable_path_opens_a_site_packages_folder_beyond_numpy():
    folders = {Path(p).resolve() for p in site.getsitepackages() + [sysconfig.get_path("purelib")]}
    for path, _ in landlock.readable():
        assert not any(Path(path) == f or Path(path) in f.parents for f in folders), path
        parts = Path(path).parts
        if "site-packages" in parts or "dist-packages" in parts:
            below = parts[max(i for i, p in enumerate(parts) if p in ("site-packages", "dist-packages")) + 1:]
            assert below and below[0] in ("numpy", "numpy.libs"), path


@pytest.mark.skipif(landlock.abi_version() < 1, reason="no Landlock in this kernel")
def test_landlock_lets_a_walled_in_process_read_the_stdlib_and_numpy_only(interpreter):
    python, env = interpreter
    found, kernel = probe(python, restrict=True, env=env)
    assert kernel is not None
    assert kernel.pop("own folder, written") is True
    assert {k for k, v in kernel.items() if v} == ALLOWED & set(kernel), kernel
    assert {"the engine", "a solution", "/etc/passwd", "pytest"} <= set(kernel)
    if found["in_venv"]:
        assert "rich" in kernel  # installed in the venv: its own site-packages, closed too


# -- the same from student code in a worker ------------------------------------------------

def test_a_worker_cannot_read_other_installed_packages(load_student):
    import _pytest
    import rich

    student = load_student("def read(path):\n    return len(open(path, 'rb').read())\n")
    for module in (rich, _pytest):
        with pytest.raises(StudentError, match="PermissionError"):
            student.read(module.__file__)


def test_a_worker_reads_numpy_and_imports_the_stdlib(load_student):
    import numpy

    student = load_student("import numpy as np\n"
                           "def read(path):\n    return len(open(path, 'rb').read())\n"
                           "def compute():\n    import json, fractions\n"
                           "    return (float(np.dot(np.ones(3), np.ones(3))), json.dumps([1]),\n"
                           "            str(fractions.Fraction(1, 3)))\n")
    if not _world_readable(Path(numpy.__file__)):  # a checkout in a folder only root may enter
        pytest.skip(f"{numpy.__file__} cannot be read by other users: Landlock's rule cannot open it")
    assert student.read(numpy.__file__) > 0
    if not _world_readable(Path(os.__file__)):
        pytest.skip(f"{os.__file__} cannot be read by other users: a worker's uid imports preloaded modules only")
    assert student.read(os.__file__) > 0
    assert student.compute() == (3.0, "[1]", "1/3")


def _world_readable(path: Path) -> bool:
    if os.geteuid() != 0:
        return os.access(path, os.R_OK)
    folders = [p for p in path.parents]
    return path.stat().st_mode & 0o004 and all(p.stat().st_mode & 0o001 for p in folders)


GRADE_OUTSIDE = r'''
import json, sys
from pathlib import Path
from autograder import course
from autograder.grade import grade
from autograder.sandbox import default_sandbox
from autograder.submission import Submission
with default_sandbox() as sandbox:
    result = grade(course.load("03_affine"), Submission("probe", {"layers.py": Path(sys.argv[1]).read_bytes()}),
                   sandbox)
print(json.dumps({"score": result.score, "protections": list(result.protections),
                  "outputs": [t.output for t in result.tests if t.score < t.max_score][:2]}))
'''

WHERE = r'''
import importlib.util, json, numpy
print(json.dumps({"numpy": numpy.__file__, "pytest": importlib.util.find_spec("_pytest").origin}))
'''


def test_a_worker_of_an_engine_outside_a_venv_reads_numpy_and_no_other_package(tmp_path):
    """A whole grading run by the interpreter itself, the engine on PYTHONPATH: the probe loses every
    point if it reads pytest (the interpreter's own site-packages), the engine or a solution.

    (As root, where that interpreter lives under a folder closed to other users, its packages are out of
    a worker's reach whatever Landlock says: the probes above see Landlock alone.)"""
    python = system_python()
    if python is None:
        pytest.skip("no interpreter outside the venv that has numpy")
    env = {"PYTHONPATH": str(ROOT), "PATH": os.defpath, "AUTOGRADER_COURSE": str(ROOT)}
    where = json.loads(subprocess.run([python, "-c", WHERE], capture_output=True, text=True, env=env,
                                      check=True).stdout)
    forbidden = [where["pytest"], str(ROOT / "autograder" / "__init__.py"),
                 str(ROOT / "solutions" / "03_affine" / "layers.py")]
    allowed = [p for p in (where["numpy"],) if _world_readable(Path(p))]
    probe = ("\nfor _p in %r:  # a forbidden read that succeeds costs every point\n"  # noqa: UP031
             "    try:\n        open(_p, 'rb').read(1)\n        Affine = None\n    except OSError:\n        pass\n"
             "for _p in %r:  # an allowed read that fails fails the import\n"
             "    open(_p, 'rb').read(1)\n") % (forbidden, allowed)
    submission = tmp_path / "layers.py"
    submission.write_text((ROOT / "solutions" / "03_affine" / "layers.py").read_text() + probe)
    run = subprocess.run([python, "-c", GRADE_OUTSIDE, str(submission)], capture_output=True, text=True, env=env,
                         timeout=120, cwd="/")
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["score"] == 16, result["outputs"]
    if landlock.abi_version() >= 1:
        assert any("Landlock" in p for p in result["protections"])
