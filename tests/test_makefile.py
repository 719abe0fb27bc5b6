"""The Makefile's verbs that touch files: `make clean` never deletes course data."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from autograder import course

ROOT = course.find_root()
COURSE_DATA = ("out/grades.db", "out/grades.csv", "out/feedback/alice.html", "out/class_report.html",
               "out/nbgrader/gradebook.db", "out/nbgrader/submitted/alice/03_affine/03_affine.ipynb",
               "out/nbgrader/autograded/alice/03_affine/03_affine.ipynb", "out/otter/03_affine/results.json",
               ".course-secret", "assignments/03_affine/layers.py")
GENERATED = (".venv/bin/python", ".venv-nbgrader/x", ".venv-otter/x", "build/lib/x.py", "kit.egg-info/PKG-INFO",
             "out/gradescope/03_affine.zip", "autograder/__pycache__/x.pyc", ".pytest_cache/x")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_clean_removes_what_is_generated_and_keeps_course_data(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    for name in COURSE_DATA + GENERATED:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    run = subprocess.run(["make", "clean"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert [n for n in COURSE_DATA if not (tmp_path / n).exists()] == []
    assert [n for n in GENERATED if (tmp_path / n).exists()] == []
    assert "kept out/" in run.stdout
