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
from benchmarks import course_figures, course_mix, native, peers, report_course, workload
from benchmarks.measure import Run, run_limited

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


@pytest.mark.slow  # a whole benchmark run (batches at --jobs 1 and 2, the peers' hang mix): minutes, run in CI
def test_quick_bench_writes_a_well_formed_report(tmp_path):
    out = tmp_path / "docs" / "benchmarks.md"
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--assignments", "03_affine", "--out",
                          str(out)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr + run.stdout
    text = out.read_text()
    for heading in ("## Machine", "## Goals", "## The course", "## Cost per submission as the batch grows",
                    "## Against a fresh `import numpy`", "## Where the time goes",
                    "## The hang mix: the peers as instructors use them",
                    "## The ten sample submissions", "submissions without a hang", "## The floor",
                    "## How to reproduce"):
        assert heading in text
    for table in tables(text):
        widths = {line.count("|") for line in table}
        assert len(widths) == 1, "ragged table:\n" + "\n".join(table)
        assert re.fullmatch(r"\|( ?-+:? \|)+", table[1].replace("---:", "---")), table[1]
    machine = dict(line.strip("| ").split(" | ", 1) for line in tables(text)[0][2:])
    assert {"CPU", "cores", "RAM", "Python", "numpy", "nbgrader", "otter-grader", "date"} <= set(machine)
    assert re.fullmatch(r"\d+", machine["cores"]) and machine["RAM"].endswith("GiB")
    ours = [line for line in text.splitlines() if re.match(r"\| ours --jobs \d \| \d+ \|", line)]
    assert len(ours) == 4  # --jobs 1 and 2: the samples and the batch without a hang
    for line in ours:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert re.fullmatch(r"[\d,.]+ ms", cells[2]) and cells[4].endswith("/s") and cells[7].endswith("MB"), line
    assert "| nbgrader autograde | 9 | not run: skipped" in text
    assert "goal within 3x" in text
    scores = [t for t in tables(text) if t[0].startswith("| submission")][-1]
    correct = [line for line in scores if line.startswith("| correct |")][0]
    assert correct == "| correct | 16 | 16 |"
    # The course: 3 students of 03_affine, the 1,000-student figure said to be an extrapolation
    course = [t for t in tables(text) if t[0].startswith("| assignment | hidden tests")][0]
    row = [c.strip() for c in course[2].strip("|").split("|")]
    assert row[:3] == ["03_affine", "11", "3"] and re.fullmatch(r"[\d,.]+ (ms|s)", row[7])
    assert "**Measured on 3 students per assignment; the column for 1,000 students is an extrapolation**" in text
    assert re.search(r"The course, 1,000 students x 1 assignments with `--jobs 2`: \*\*[\d,.]+ (ms|s)\*\* "
                     r"\(\*\*extrapolated\*\* from 3 students", text)
    ratios = [t for t in tables(text) if "x fresh numpy" in t[0]][0]
    row = [c.strip() for c in ratios[2].strip("|").split("|")]
    assert row[:2] == ["03_affine", "2"] and re.fullmatch(r"[\d.]+x", row[3]) and re.fullmatch(r"[\d.]+x", row[6])
    assert "Per submission in a batch, against a fresh `import numpy`" in text and "One upload alone" in text
    profile = [t for t in tables(text) if t[0].startswith("| assignment | one correct, warm")][0]
    assert len(profile) == 3 and profile[2].startswith("| 03_affine | ")
    # The hang mix (the loop left out of a smoke run): ours, and each peer with the checks it runs
    mix = [t for t in tables(text) if t[0].startswith("| tool | checks per submission")][0]
    assert mix[2].startswith("| ours --jobs 2 | 11 hidden tests | ")
    assert "| nbgrader autograde, its own tests | 2 test cells, 4 assertions | not run: skipped" in mix[3]
    assert "| otter run (no Docker), its own tests | 2 test cells, 4 assertions | not run: skipped" in mix[4]
    assert "- The hang mix, against nbgrader autograde, its own tests: not measured" in text


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
    run = peers.otter("03_affine", {"correct": "x = 1"}, tmp_path, tmp_path, native=True)
    assert not run.ok and ".venv-otter is missing" in run.unavailable and run.tool.endswith(peers.NATIVE)


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


def test_a_large_benchmark_process_does_not_inflate_the_largest_process_figure():
    """Linux starts a forked child's peak at its parent's: run_limited measures through a small launcher."""
    ballast = bytearray(400 << 20)
    ballast[::4096] = b"1" * len(ballast[::4096])  # this process now holds 400 MB more than it did
    finished = run_limited([sys.executable, "-c", "b = bytearray(30 << 20); b[::4096] = b'1' * len(b[::4096])"], 60)
    assert finished.returncode == 0
    assert 30 <= finished.peak_rss_mb < 200
    del ballast


def test_the_course_is_every_assignment_of_the_course():
    from autograder import course

    on_disk = sorted(p.parent.name for p in (ROOT / "assignments").glob("*/manifest.toml"))
    assert course_mix.assignments() == course.assignment_ids() == on_disk


def _sample_kind(name: str) -> str:
    stem = Path(name).stem
    if stem.startswith("correct") or stem in ("folder_upload", "zip_from_macos"):
        return "correct"
    if stem.startswith(("bug_", "cheat")):
        return "buggy"
    if stem.startswith("endless_loop"):
        return "hang"
    return "crashing"


def test_the_course_mix_has_the_proportions_of_the_sample_uploads():
    folder = ROOT / "examples" / "submissions" / "03_affine"
    samples = [p.name for p in folder.iterdir() if not p.name.startswith(".")]
    counts: dict[str, int] = {}
    for name in samples:
        counts[_sample_kind(name)] = counts.get(_sample_kind(name), 0) + 1
    assert course_mix.proportions() == counts
    assert sorted(s for _, s in course_mix.KINDS if s not in ("bug", "variant", "correct")) == sorted(
        Path(n).stem for n in samples if not n.startswith(("bug_", "correct")))


@pytest.mark.parametrize("assignment_id", ["01_computational_graph", "07_many_to_one"])
def test_every_assignment_gets_the_mix_with_different_bugs_at_every_size(tmp_path, assignment_id):
    from autograder import course

    small = course_mix.students(assignment_id, tmp_path / "s24", 24)
    large = course_mix.students(assignment_id, tmp_path / "s120", 120)
    assert set(small) == set(large) and sum(small.values()) == 24
    assert all(large[k] == 5 * small[k] for k in small)  # the same proportions at both sizes
    entries = sorted((tmp_path / "s120").iterdir())
    assert len(entries) == 120 and sum("endless_loop" in p.name for p in entries) == 10
    a = course.load(assignment_id)
    solution = (a.solution_folder / a.student_files[0]).read_text(encoding="utf-8")
    bugs = {p.read_text(encoding="utf-8") for p in entries if p.name.endswith("_bug.py")}
    assert solution not in bugs and len(bugs) > 3  # many mutants, not three copies
    for path in entries:
        if path.suffix == ".py" and "syntax_error" not in path.name:
            compile(path.read_text(encoding="utf-8"), str(path), "exec")


def test_course_batch_sizes_end_at_the_course_size():
    assert course_figures.sizes_up_to(1000) == [10, 100, 1000]
    assert course_figures.sizes_up_to(250) == [10, 100, 250]
    assert course_figures.sizes_up_to(3) == [3]


def _assignment_figures(name: str, n: int, wall: float, hang: float = 0.0) -> "course_figures.Assignment":
    run = Run(f"{name} --jobs 2", "course mix", n, wall=wall, latencies=[0.05] * n,
              by_name={"s00008_endless_loop_at_import": hang, "s00000_correct": 0.05})
    solutions = Run("ours --jobs 2", "solutions", 60, wall=3.0)
    return course_figures.Assignment(name, 11, mix=[run], solutions=solutions, single=[0.3, 0.2, 0.25])


def test_the_course_figure_says_when_it_is_extrapolated():
    small = [_assignment_figures("01_a", 100, 10.0, hang=4.0), _assignment_figures("02_b", 100, 5.0)]
    text = "\n".join(report_course.course_goal(small, 2) + report_course.course_table(small, 2))
    assert "**150.0 s** (**extrapolated** from 100 students per assignment (200 submissions measured" in text
    assert "goal under 120 s: not met: 1.2x the goal" in text
    assert "| **the course** |  | 200 | 15.0 s |  |  | 4,000.0 ms | **150.0 s** |" in text
    assert "**Measured on 100 students per assignment" in text
    full = [_assignment_figures("01_a", 1000, 50.0), _assignment_figures("02_b", 1000, 40.0)]
    text = "\n".join(report_course.course_goal(full, 2) + report_course.course_table(full, 2))
    assert "**90.0 s** (measured); goal under 120 s: met" in text and "extrapolat" not in text


def test_ratios_to_a_fresh_numpy_import_say_which_goal_is_met():
    figures = [_assignment_figures("01_a", 10, 1.0)]  # 50 ms per solution, one upload alone 250 ms
    text = "\n".join(report_course.ratio_tables(figures, 0.2) + report_course.ratio_goals(figures, 0.2))
    assert "| 01_a | 60 | 50.0 ms | 0.25x | not met (2.5x the goal) | 250.0 ms | 1.25x | met |" in text
    assert "met by 0 of 1; the worst is 01_a at **0.25x**" in text
    assert "met by 1 of 1; the worst is 01_a at **1.25x**" in text


def test_the_hang_mix_compares_throughput_and_names_each_tools_checks():
    ours = Run("ours --jobs 2", "hang mix", 10, wall=1.0,
               by_name={"endless_loop_in_forward": 0.8, **{f"correct_{k}": 0.02 for k in range(1, 10)}})
    nbgrader = Run("nbgrader autograde" + peers.NATIVE, "hang mix", 10, wall=80.0,
                   by_name={"endless_loop_in_forward": 61.0, "correct_1": 19.0})
    otter = Run("otter run (no Docker)" + peers.NATIVE, "hang mix", 10, unavailable=".venv-otter is missing")
    runs = [ours, nbgrader, otter]
    text = "\n".join(report_course.hang_mix_table(runs, 11) + report_course.hang_mix_goals(runs))
    assert "| ours --jobs 2 | 11 hidden tests | 1,000.0 ms | 100.0 ms | 10.000/s |  | 800.0 ms | 180.0 ms |" in text
    assert ("| nbgrader autograde, its own tests | 2 test cells, 4 assertions | 80.0 s | 8,000.0 ms | 0.125/s "
            "| **80.0x** | 61.0 s | 19.0 s |") in text
    assert "against nbgrader autograde, its own tests: **80.0x** the throughput" in text
    assert "goal at least 100x: not met (1.2x short)" in text
    assert "against otter run (no Docker), its own tests: not measured (.venv-otter is missing)" in text


def test_the_peers_mix_is_five_correct_two_wrong_a_syntax_error_a_loop_in_forward_and_a_cheat():
    import ast

    mix = native.hang_mix()
    kinds = [name.rsplit("_", 1)[0] if name[-1].isdigit() else name for name in mix]
    assert {k: kinds.count(k) for k in kinds} == {"correct": 5, "wrong_backward": 2, "syntax_error": 1,
                                                  "endless_loop_in_forward": 1, "cheat": 1}
    with pytest.raises(SyntaxError):
        compile(mix["syntax_error"], "layers.py", "exec")
    tree = ast.parse(mix["endless_loop_in_forward"])
    forward = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "forward")
    body = [s for s in forward.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    assert isinstance(body[0], ast.While)
    assert "np.allclose = lambda" in mix["cheat"] and len({mix[f"correct_{k}"] for k in range(1, 6)}) > 1


def _run_native_tests(code: str) -> subprocess.CompletedProcess:
    """The peers' native test cells on a copy of the reference (or a mutant of it), in a fresh interpreter."""
    program = code + "\n" + native.PUBLIC_TEST + "\n" + native.HIDDEN_TEST + "\n"
    return subprocess.run([sys.executable, "-I", "-c", program], capture_output=True, text=True, timeout=60)


def test_the_peers_native_tests_pass_the_solution_and_fail_a_wrong_backward():
    mix = native.hang_mix()
    assert _run_native_tests(mix["correct_1"]).returncode == 0
    for name in ("wrong_backward_1", "wrong_backward_2"):  # a failed assertion, or a shape error on the way
        wrong = _run_native_tests(mix[name])
        assert wrong.returncode != 0 and "Error" in wrong.stderr.splitlines()[-1]
    cheat = _run_native_tests(mix["cheat"].replace("np.allclose = lambda *a, **k: True", ""))
    assert cheat.returncode != 0  # the cheat's bug fails them, but for its patch:
    assert _run_native_tests(mix["cheat"]).returncode == 0


def test_the_peers_native_notebooks_hold_their_hidden_tests_in_their_formats():
    nb = json.loads(native.nbgrader_tree()["source/03_affine/03_affine.ipynb"])
    graded = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert [c["metadata"]["nbgrader"]["points"] for c in graded] == [1, 4]
    assert all(c["metadata"]["nbgrader"]["locked"] for c in graded)
    hidden = "".join(graded[1]["source"])
    assert hidden.startswith("### BEGIN HIDDEN TESTS\n") and hidden.endswith("### END HIDDEN TESTS")
    filled = peers.with_code(nb, "layers.py", "class Affine:\n    pass\n")  # the student cell is found
    assert any("".join(c["source"]).endswith("class Affine:\n    pass\n") for c in filled["cells"])

    master = json.loads(native.otter_tree()["03_affine/03_affine.ipynb"])
    raw = ["".join(c["source"]) for c in master["cells"] if c["cell_type"] == "raw"]
    assert raw[0].startswith("# ASSIGNMENT CONFIG") and "points: [1, 4]" in raw[1]
    tests = ["".join(c["source"]) for c in master["cells"] if c["cell_type"] == "code"][1:]
    assert not tests[0].startswith("# HIDDEN") and tests[1].startswith("# HIDDEN\n")
    for source in tests:  # otter compares a test's printed output: no top-level expression prints a value
        import ast

        assert not [n for n in ast.parse(source).body if isinstance(n, ast.Expr)]


def test_a_shared_machine_is_said_above_the_figures():
    from benchmarks.report import load_note

    quiet = {"cores": "2", "load average at start (1, 5, 15 min)": "0.28 0.70 0.78", "load average at end": "1.9 1 1"}
    assert load_note(quiet) == []
    shared = dict(quiet, **{"load average at end": "9.50 6.0 3.0"})
    assert "a load average up to 9.5 on 2 cores" in load_note(shared)[0]


def test_a_stopped_benchmark_stops_the_command_it_runs(tmp_path):
    marker = tmp_path / "child.pid"
    command = textwrap.dedent(f"""
        import signal, sys
        from benchmarks.measure import run_limited
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # as python -m benchmarks does
        child = "import os, time; open({str(marker)!r}, 'w').write(str(os.getpid())); time.sleep(600)"
        run_limited([sys.executable, "-c", child], 600)
    """)
    bench = subprocess.Popen([sys.executable, "-c", command], cwd=ROOT)
    for _ in range(600):
        if marker.exists() and marker.read_text():
            break
        time.sleep(0.05)
    bench.terminate()
    bench.wait(60)
    child = int(marker.read_text())
    for _ in range(100):
        if not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]:
            break
        time.sleep(0.05)
    else:
        os.kill(child, 9)
        pytest.fail("the command outlived the benchmark that ran it")
