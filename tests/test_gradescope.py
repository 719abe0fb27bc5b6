"""The Gradescope zip grades in a fake /autograder tree with the engine it carries.

The tree sits in a folder every uid may enter, as /autograder does: inside
pytest's tmp_path (root's alone) the worker could reach nothing of it, whatever
run_autograder did. Run as root, as Gradescope runs the grader, the worker
drops to nobody; tests that need that are skipped for other users.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from autograder import cli, course
from autograder.assign import gradescope, release
from autograder.course import CourseError

IDS = course.assignment_ids()
ROOT = course.find_root()
SECRET = b"5e" * 32  # a course secret, as instructor_secret makes them: 64 hex digits
WITHOUT_LANDLOCK = Path(__file__).with_name("kernel_without_landlock.py")
as_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                             reason="the worker drops to nobody only when the grader runs as root")


def bundle(aid: str, secret: bytes = SECRET) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(release.gradescope_zips([course.load(aid)], secret)[f"{aid}.zip"]))


@pytest.fixture
def open_dir():
    """A fresh folder that every uid may enter and list, as the parent of /autograder is."""
    path = Path(tempfile.mkdtemp(prefix="gradescope-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def fake_autograder(aid: str, parent: Path) -> Path:
    """/autograder as Gradescope lays it out: the zip unpacked in source/ with the zip's
    permissions (as unzip applies them), an empty submission/ and results/."""
    root = parent / "autograder"
    for folder in ("source", "submission", "results"):
        (root / folder).mkdir(parents=True)
        (root / folder).chmod(0o755)
    root.chmod(0o755)
    with bundle(aid) as archive:
        archive.extractall(root / "source")
        for info in archive.infolist():
            (root / "source" / info.filename).chmod(info.external_attr >> 16 & 0o777)
    return root


def grader_env(tmp_path: Path) -> dict[str, str]:
    """The environment Gradescope gives: this interpreter as python3, nothing of the checkout on the path."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    python3 = bin_dir / "python3"
    python3.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python3.chmod(0o755)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "AUTOGRADER_COURSE", "AUTOGRADER_SECRET", "PYTHONDONTWRITEBYTECODE")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', os.defpath)}"
    return env


def run_autograder(root: Path, tmp_path: Path, landlock: bool = True) -> subprocess.CompletedProcess:
    """Run it as Gradescope would; with landlock=False, on what looks like a kernel without Landlock."""
    command = ["bash", str(root / "source" / "run_autograder")]
    if not landlock:
        command = [sys.executable, str(WITHOUT_LANDLOCK), *command]
    return subprocess.run(command, cwd=tmp_path, env={**grader_env(tmp_path), "AUTOGRADER_ROOT": str(root)},
                          capture_output=True, text=True, timeout=300)


def results_of(root: Path) -> dict:
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.parametrize("aid", IDS)
def test_zip_holds_the_scripts_the_engine_one_hidden_module_and_the_course(aid):
    a = course.load(aid)
    with bundle(aid) as archive:
        names = archive.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
    assert modes["setup.sh"] == modes["run_autograder"] == 0o100755
    hidden = {n.removeprefix("autograder/hidden/") for n in names if n.startswith("autograder/hidden/")}
    others = {f"{course.load(i).slug}.py" for i in IDS if i != aid}
    assert {"__init__.py", "draw.py", f"{a.slug}.py"} <= hidden and not hidden & others
    assert f"assignments/{aid}/manifest.toml" in names
    assert f"solutions/{aid}/{a.student_files[0]}" in names
    assert {"autograder/__main__.py", "autograder/grade.py", "autograder/sandbox/worker.py"} <= set(names)
    others = [n for n in names if n.startswith(("assignments/", "solutions/")) and f"/{aid}/" not in n]
    assert not others and not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


@pytest.mark.parametrize("aid", IDS)
def test_setup_and_run_autograder_are_valid_bash(aid, tmp_path):
    with bundle(aid) as archive:
        for script in ("setup.sh", "run_autograder"):
            text = archive.read(script).decode()
            assert text.startswith("#!/usr/bin/env bash\n")
            (tmp_path / script).write_text(text)
            check = subprocess.run(["bash", "-n", str(tmp_path / script)], capture_output=True, text=True)
            assert check.returncode == 0, check.stderr
    setup = (tmp_path / "setup.sh").read_text()
    assert "pip install" in setup and "numpy" in setup and "rich" in setup
    assert f"--assignment {aid}" in (tmp_path / "run_autograder").read_text()


@pytest.mark.parametrize("aid", IDS)
def test_solution_scores_full_and_stub_scores_zero_with_the_bundled_engine(aid, open_dir, tmp_path):
    a = course.load(aid)
    root = fake_autograder(aid, open_dir)
    scores = {}
    for kind, folder in (("solution", a.solution_folder), ("stub", a.folder)):
        for name in a.student_files:
            shutil.copy(folder / name, root / "submission" / name)
        run = run_autograder(root, tmp_path)
        assert run.returncode == 0, run.stdout + run.stderr
        results = results_of(root)
        assert [t["name"].split(": ")[1] for t in results["tests"]] == [t.name for t in a.tests]
        scores[kind] = results["score"]
    assert scores == {"solution": a.max_score, "stub": 0}
    # Python left the bytecode of what it imported beside the sources: the engine and the
    # hidden tests came from the unzipped bundle, not from the checkout.
    engine = root / "source" / "autograder"
    assert list((engine / "__pycache__").glob("grade.*.pyc"))
    assert list((engine / "hidden" / "__pycache__").glob(f"{a.slug}.*.pyc"))


def test_run_autograder_writes_a_result_even_when_the_engine_cannot_run(open_dir, tmp_path):
    root = fake_autograder(IDS[0], open_dir)
    shutil.rmtree(root / "source" / "assignments")  # the course is broken: the engine exits 2
    run = run_autograder(root, tmp_path)
    assert run.returncode == 2
    results = results_of(root)
    assert results["score"] == 0 and "could not grade" in results["output"]
