"""One upload graded alone (Gradescope's `grade FILE --out results.json`) imports what grading it needs only.

The process's time is mostly imports: the batch machinery (executors' lanes and
multiprocessing), the report and assign packages, rich (unless a table is
printed), hypothesis and dask have no part in one grade.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NEVER = ("autograder.batch", "autograder.executors.local", "autograder.report.console", "autograder.assign",
         "multiprocessing", "hypothesis", "dask")


def imported(tmp_path: Path, *extra: str) -> set[str]:
    """The modules `python -m autograder grade` imports to grade the 03 solution into results.json."""
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "autograder", "grade", "--assignment",
                          "03_affine", str(ROOT / "solutions" / "03_affine" / "layers.py"), "--out", str(out),
                          *extra], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0 and out.is_file(), run.stderr[-2000:]
    return {line.split("|")[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize("extra", [(), ("--quiet",)], ids=["with_its_table", "quiet"])
def test_one_grade_imports_no_batch_machinery(tmp_path, extra):
    modules = imported(tmp_path, *extra)
    assert "autograder.grade" in modules  # the measurement saw the grader's imports
    assert not [m for m in modules if m in NEVER or m.split(".")[0] in NEVER], sorted(modules)


def test_a_quiet_grade_imports_no_rich(tmp_path):
    assert not [m for m in imported(tmp_path, "--quiet") if m.split(".")[0] == "rich"]
