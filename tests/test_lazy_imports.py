"""One upload graded alone (Gradescope's `grade FILE --out results.json`) imports what grading it needs only.

The process's time is mostly imports: the batch machinery (executors' lanes and
multiprocessing), the report and assign packages, rich (unless a table is
printed), hypothesis and dask have no part in one grade. Nor has most of the
message catalogue: a sentence is read from its own file (grade.toml for
"grade." keys) when first asked for.
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


def test_a_sentence_is_read_from_its_own_catalogue_file_only(monkeypatch):
    from autograder import messages

    read = []
    load = messages.tomllib.load
    monkeypatch.setattr(messages.tomllib, "load", lambda handle: read.append(Path(handle.name).name) or load(handle))
    messages.namespace.cache_clear()
    try:
        assert messages.text("grade.then", lang="en", first="a", last="b")
        assert messages.text("grade.check_failed", lang="en") and messages.has("grade.then")
        assert read == ["grade.toml"]
        with pytest.raises(KeyError):
            messages.text("nowhere.at_all", lang="en")
        with pytest.raises(KeyError):
            messages.text("../en/grade.then", lang="en")
        assert read == ["grade.toml"]
    finally:
        messages.namespace.cache_clear()
