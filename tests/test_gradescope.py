"""The Gradescope zip grades in a fake /autograder tree with the engine it carries."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import course
from autograder.assign import release

IDS = course.assignment_ids()


def bundle(aid: str) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(release.gradescope_zips([course.load(aid)])[f"{aid}.zip"]))


def fake_autograder(aid: str, tmp_path: Path) -> Path:
    """/autograder as Gradescope lays it out: the zip unpacked in source/, an empty submission/ and results/."""
    root = tmp_path / "autograder"
    for folder in ("source", "submission", "results"):
        (root / folder).mkdir(parents=True)
    with bundle(aid) as archive:
        archive.extractall(root / "source")
    return root


def run_autograder(root: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run it as Gradescope would, with this interpreter as python3 and nothing of the checkout on the path."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    python3 = bin_dir / "python3"
    python3.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python3.chmod(0o755)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "AUTOGRADER_COURSE", "PYTHONDONTWRITEBYTECODE")}
    env.update(AUTOGRADER_ROOT=str(root), PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', os.defpath)}")
    return subprocess.run(["bash", str(root / "source" / "run_autograder")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("aid", IDS)
def test_zip_holds_the_scripts_the_engine_one_hidden_module_and_the_course(aid):
    a = course.load(aid)
    with bundle(aid) as archive:
        names = archive.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
    assert modes["setup.sh"] == modes["run_autograder"] == 0o100755
    hidden = sorted(n for n in names if n.startswith("autograder/hidden/"))
    assert hidden == ["autograder/hidden/__init__.py", f"autograder/hidden/{a.slug}.py"]
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
def test_solution_scores_full_and_stub_scores_zero_with_the_bundled_engine(aid, tmp_path):
    a = course.load(aid)
    root = fake_autograder(aid, tmp_path)
    scores = {}
    for kind, folder in (("solution", a.solution_folder), ("stub", a.folder)):
        for name in a.student_files:
            shutil.copy(folder / name, root / "submission" / name)
        run = run_autograder(root, tmp_path)
        assert run.returncode == 0, run.stdout + run.stderr
        results = json.loads((root / "results" / "results.json").read_text())
        assert [t["name"].split(": ")[1] for t in results["tests"]] == [t.name for t in a.tests]
        scores[kind] = results["score"]
    assert scores == {"solution": a.max_score, "stub": 0}
    # Python left the bytecode of what it imported beside the sources: the engine and the
    # hidden tests came from the unzipped bundle, not from the checkout.
    engine = root / "source" / "autograder"
    assert list((engine / "__pycache__").glob("grade.*.pyc"))
    assert list((engine / "hidden" / "__pycache__").glob(f"{a.slug}.*.pyc"))


def test_run_autograder_writes_a_result_even_when_the_engine_cannot_run(tmp_path):
    root = fake_autograder(IDS[0], tmp_path)
    shutil.rmtree(root / "source" / "assignments")  # the course is broken: the engine exits 2
    run = run_autograder(root, tmp_path)
    assert run.returncode == 2
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "could not grade" in results["output"]
