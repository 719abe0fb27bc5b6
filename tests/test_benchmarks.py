"""The benchmark runs and writes a well-formed report; a hanging tool cannot hang it. No timing is checked."""

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from autograder.course import Limits
from benchmarks import peers, workload
from benchmarks.measure import run_limited

ROOT = Path(__file__).resolve().parents[1]


def tables(text: str) -> list[list[str]]:
    """The markdown tables of a document, each as its lines."""
    found, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            found.append(current)
            current = []
    return found


def test_quick_bench_writes_a_well_formed_report(tmp_path):
    out = tmp_path / "docs" / "benchmarks.md"
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr + run.stdout
    text = out.read_text()
    for heading in ("## Machine", "## Goals", "## The ten sample submissions", "submissions without a hang",
                    "## Scaling", "## The floor",
                    "## How to reproduce"):
        assert heading in text
    for table in tables(text):
        widths = {line.count("|") for line in table}
        assert len(widths) == 1, "ragged table:\n" + "\n".join(table)
        assert re.fullmatch(r"\|( ?-+:? \|)+", table[1].replace("---:", "---")), table[1]
    machine = dict(line.strip("| ").split(" | ", 1) for line in tables(text)[0][2:])
    assert {"CPU", "cores", "RAM", "Python", "numpy", "nbgrader", "otter-grader", "date"} <= set(machine)
    assert re.fullmatch(r"\d+", machine["cores"]) and machine["RAM"].endswith("GiB")
    ours = [line for line in text.splitlines() if line.startswith("| ours --jobs")]
    assert len(ours) == 6  # --jobs 1 and 2: the samples, the batch without a hang, the one quick scaling size
    for line in ours:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert re.fullmatch(r"[\d,.]+ ms", cells[2]) and cells[4].endswith("/s") and cells[7].endswith("MB"), line
    assert "| nbgrader autograde | 9 | not run: skipped" in text
    assert "goal within 3x" in text
    scores = [t for t in tables(text) if t[0].startswith("| submission")][0]
    correct = [line for line in scores if line.startswith("| correct |")][0]
    assert correct == "| correct | 16 | 16 |"


def test_a_tool_that_hangs_is_killed_with_the_session_it_started(tmp_path):
    """Like otter-grader's kernel: a child in a session of its own, still running when the tool hangs."""
    pidfile = tmp_path / "kernel.pid"
    tool = textwrap.dedent(f"""
        import subprocess, sys, time
        kernel = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
        open({str(pidfile)!r}, "w").write(str(kernel.pid))
        time.sleep(600)
    """)
    started = time.monotonic()
    finished = run_limited([sys.executable, "-c", tool], limit=3, log=tmp_path / "log")
    assert finished.returncode is None and time.monotonic() - started < 60
    kernel = int(pidfile.read_text())
    for _ in range(100):
        if not Path(f"/proc/{kernel}").exists() or "Z" in Path(f"/proc/{kernel}/stat").read_text().split()[2]:
            break
        time.sleep(0.05)
    else:
        os.kill(kernel, 9)
        pytest.fail("the tool's kernel outlived the wall-clock limit")


def _measured_from_a_small_process(code: str) -> dict:
    """run_limited of `python -c code`, called from a fresh interpreter.

    Linux carries a process's peak resident set across exec, counted from the
    moment it was forked: a child of this large pytest process would inherit
    pytest's own peak. A small measuring process, as `make bench` is, does not
    distort it.
    """
    measure = ("import json, sys; from benchmarks.measure import run_limited; "
               "f = run_limited([sys.executable, '-c', sys.argv[1]], 60); "
               "print(json.dumps([f.returncode, f.peak_rss_mb, f.peak_tree_mb]))")
    out = subprocess.run([sys.executable, "-c", measure, code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    returncode, peak_rss_mb, peak_tree_mb = json.loads(out)
    return {"returncode": returncode, "peak_rss_mb": peak_rss_mb, "peak_tree_mb": peak_tree_mb}


def test_a_finished_run_reports_its_exit_status_and_memory(tmp_path):
    finished = _measured_from_a_small_process("import sys; b = bytearray(64 << 20); sys.exit(3)")
    assert finished["returncode"] == 3 and finished["peak_rss_mb"] >= 64


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="PSS is read from Linux's /proc")
def test_memory_of_all_processes_adds_up_a_tree(tmp_path):
    # A parent and a child each holding 60 MB of their own: the largest process holds 60, the tree 120.
    # Each allocates after the fork: no copy-on-write page is ever shared, so the largest process
    # never counts the other's pages, however the kernel times its copies.
    code = ("import os, time\nos.fork()\nx = bytearray(60 << 20)\nx[::4096] = b'1' * len(x[::4096])\n"
            "time.sleep(0.6)\n")
    finished = _measured_from_a_small_process(code)
    assert 60 <= finished["peak_rss_mb"] < 100
    assert finished["peak_tree_mb"] >= 115


def test_a_submission_notebook_changes_only_the_student_cell():
    template = {"cells": [
        {"cell_type": "markdown", "source": "# layers.py is explained here", "metadata": {}},
        {"cell_type": "code", "source": ["# layers.py: your code.\n", "raise NotImplementedError\n"],
         "metadata": {"nbgrader": {"solution": True}}, "outputs": [], "execution_count": None},
        {"cell_type": "code", "source": "assert True", "metadata": {"nbgrader": {"locked": True}},
         "outputs": [], "execution_count": None}]}
    filled = peers.with_code(template, "layers.py", "class Affine:\n    pass\n")
    assert filled["cells"][1]["source"] == "# layers.py: your code.\nclass Affine:\n    pass\n"
    assert filled["cells"][0] == template["cells"][0] and filled["cells"][2] == template["cells"][2]
    assert template["cells"][1]["source"][1] == "raise NotImplementedError\n"  # the template is untouched
    with pytest.raises(LookupError):
        peers.with_code(template, "classifier.py", "x = 1")
    json.dumps(filled)


def test_a_missing_peer_environment_is_a_reason_not_a_crash(tmp_path):
    run = peers.nbgrader("03_affine", {"correct": "x = 1"}, tmp_path, tmp_path)
    assert not run.ok and ".venv-nbgrader is missing" in run.unavailable
    run = peers.otter("03_affine", {"correct": "x = 1"}, tmp_path, tmp_path)
    assert not run.ok and ".venv-otter is missing" in run.unavailable


def test_workloads_hold_the_same_mix_at_every_size(tmp_path):
    names = workload.samples("03_affine", tmp_path / "samples")
    assert len(names) == 10 and "endless_loop_at_import" in names and "folder_upload" in names
    small = workload.scaling("03_affine", tmp_path / "s22", 22)
    large = workload.scaling("03_affine", tmp_path / "s110", 110)
    assert "endless_loop_at_import" not in small and set(small) == set(large)
    assert all(count == 2 for count in small.values()) and all(count == 10 for count in large.values())
    assert len(list((tmp_path / "s110").iterdir())) == 110


def test_goals_compare_throughput_and_latency_with_each_peer():
    from benchmarks.measure import Run
    from benchmarks.ours import Floor
    from benchmarks.report import goals

    ours = Run("ours --jobs 1", "samples", 3, wall=1.0, latencies=[0.1, 0.1, 0.5])
    slow = Run("nbgrader autograde", "samples", 3, wall=100.0, latencies=[2.0, 3.0, 95.0])
    quick = Run("otter run (no Docker)", "samples", 3, wall=10.0, latencies=[1, 1, 8])
    missing = Run("nbgrader autograde", "no hang", 27, unavailable=".venv-nbgrader is missing")
    steady = Run("ours --jobs 2", "no hang", 27, wall=0.5, latencies=[0.02] * 27)
    floor = Floor(0.2, 0.005, 0.006, 0.015, 0.05, 0.06, 0.3, 11)
    text = "\n".join(goals([ours, slow, quick], [steady, missing], floor, Limits(call_seconds=5, import_seconds=1)))
    assert "hang included, against nbgrader autograde: **100x** the throughput" in text
    assert "goal at least 50x: met); median latency 100.0 ms against 3,000.0 ms (30x)" in text
    assert "against otter run (no Docker): **10x**" in text and "goal at least 50x: not met" in text
    assert "27 submissions without a hang, against nbgrader autograde: not measured (.venv-nbgrader is missing)" in text
    assert "**2.5x**; goal within 3x: met" in text  # 50 ms against 5 + 15 ms
    assert "ours 1 s (the manifest's limit on an import, where the loop is)" in text
