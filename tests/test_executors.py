"""Batch executors: every entry gets exactly one row, whichever executor grades it and whatever dies."""

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import course, executors
from autograder.batch import Ledger, entries, grade_batch
from autograder.executors.local import LocalExecutor
from autograder.sandbox.forkserver import ForkServer

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "examples" / "submissions" / "03_affine"


@pytest.fixture(scope="module")
def assignment():
    return course.load("03_affine")


def quick_samples(folder: Path, copies: int = 1) -> Path:
    """The sample submissions of 03_affine without the endless loop (5 s each), `copies` times over."""
    folder.mkdir()
    for n in range(copies):
        for path in SAMPLES.iterdir():
            if path.name.startswith("endless"):
                continue
            target = folder / (f"{path.stem}_{n}{path.suffix}" if copies > 1 else path.name)
            (shutil.copytree if path.is_dir() else shutil.copy)(path, target)
    return folder


def scores(results: dict) -> dict:
    return {student: [t.score for t in result.tests] for student, result in results.items()}


def graded(assignment, folder: Path, executor) -> dict:
    results = {}

    def on_result(entry, result):
        assert entry.student not in results, f"{entry.student} delivered twice"
        results[entry.student] = result

    grade_batch(assignment, entries(folder), 1, ForkServer, on_result, executor)
    return results


def test_ledger_records_each_entry_once_and_fills_what_an_executor_left_out(assignment, tmp_path):
    folder = quick_samples(tmp_path / "subs")
    todo = entries(folder)

    class Sloppy:
        """Delivers the first entry three times, an index it was never given, and forgets the last."""

        def run(self, assignment, work, deliver):
            from autograder.grade import failed_result
            for index, submission in work[:-1]:
                deliver(index, failed_result(assignment, submission, "graded"))
            deliver(0, failed_result(assignment, work[0][1], "again"))
            deliver(0, failed_result(assignment, work[0][1], "and again"))
            deliver(len(work) + 7, failed_result(assignment, work[0][1], "stray"))

    rows = []
    grade_batch(assignment, todo, 1, ForkServer, lambda e, r: rows.append((e.student, r.output)), Sloppy())
    assert sorted(s for s, _ in rows) == sorted(e.student for e in todo)
    outputs = dict(rows)
    assert outputs[todo[0].student] == "graded"
    assert "returned no result" in outputs[todo[-1].student]


def test_ledger_counts_what_it_ignored():
    seen = []
    ledger = Ledger([("a", object()), ("b", object())], lambda entry, result: seen.append(entry))
    ledger.deliver(1, None)
    ledger.deliver(1, None)
    ledger.deliver(5, None)
    assert seen == ["b"] and ledger.ignored == 2 and list(ledger.waiting) == [0]


def test_two_lanes_give_the_scores_of_one(assignment, tmp_path):
    folder = quick_samples(tmp_path / "subs", copies=2)
    one = graded(assignment, folder, LocalExecutor(1))
    two = graded(assignment, folder, LocalExecutor(2))
    assert set(one) == {e.student for e in entries(folder)}
    assert scores(one) == scores(two)
    assert scores(one)["correct_0"] == [t.points for t in assignment.tests]


def test_a_grader_process_killed_mid_batch_costs_no_row(assignment, tmp_path):
    folder = quick_samples(tmp_path / "subs", copies=3)
    expected = scores(graded(assignment, folder, LocalExecutor(1)))
    killed = []
    results = {}

    def on_result(entry, result):
        assert entry.student not in results, f"{entry.student} delivered twice"
        results[entry.student] = result
        if not killed:
            for child in multiprocessing.active_children():  # the pool's grader processes
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)

    grade_batch(assignment, entries(folder), 3, ForkServer, on_result, LocalExecutor(3))
    assert killed, "no grader process was running to be killed"
    assert scores(results) == expected


def test_make_refuses_contradictory_options():
    with pytest.raises(executors.ExecutorError, match="needs --executor dask"):
        executors.make("local", 1, "tcp://127.0.0.1:8786")
    with pytest.raises(executors.ExecutorError, match="needs --scheduler ADDRESS"):
        executors.make("dask", 1, None)
    with pytest.raises(executors.ExecutorError, match="--jobs sets the lanes"):
        executors.make("dask", 4, "tcp://127.0.0.1:8786")


@pytest.mark.parametrize("extra, words", [
    (["--executor", "dask"], "needs --scheduler ADDRESS"),
    (["--scheduler", "tcp://127.0.0.1:8786"], "needs --executor dask"),
])
def test_executor_mistakes_on_the_command_line_are_sentences(tmp_path, extra, words):
    folder = quick_samples(tmp_path / "subs")
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "--assignment", "03_affine", str(folder),
                          *extra], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and words in run.stderr and "Traceback" not in run.stderr


def test_lanes_as_many_as_cores_stop_spinning_and_put_it_back(monkeypatch, fork_server):
    from autograder.executors.local import _no_spinning
    from autograder.sandbox import protocol

    from .conftest import FAST

    monkeypatch.delenv("AUTOGRADER_SPIN_SECONDS", raising=False)
    spinning = protocol.SPIN_SECONDS
    assert spinning > 0
    asked = []
    real_ask = ForkServer._ask
    monkeypatch.setattr(ForkServer, "_ask", lambda self, request, fds=(): asked.append(request) or
                        real_ask(self, request, fds))
    with _no_spinning(True):
        assert protocol.SPIN_SECONDS == 0 and os.environ["AUTOGRADER_SPIN_SECONDS"] == "0"
        fork_server.start(FAST).close()
    assert asked[0]["spin_seconds"] == 0  # the workers get the setting with each fork, whenever the zygote started
    assert protocol.SPIN_SECONDS == spinning and "AUTOGRADER_SPIN_SECONDS" not in os.environ
    with _no_spinning(False):
        assert protocol.SPIN_SECONDS == spinning


def test_small_batches_get_fewer_lanes():
    from autograder.executors.local import HELPER_MIN_SUBMISSIONS, planned_lanes

    for method, least in HELPER_MIN_SUBMISSIONS.items():
        assert planned_lanes(1, 1000, method) == 1
        assert planned_lanes(2, least - 1, method) == 1
        assert planned_lanes(2, least, method) == 2
        assert planned_lanes(8, 3 * least, method) == 4
    assert HELPER_MIN_SUBMISSIONS["spawn"] > HELPER_MIN_SUBMISSIONS["fork"]  # a spawned process costs more


@pytest.mark.parametrize("verb", ["grade", "classroom-grade"])
def test_without_jobs_a_batch_gets_a_lane_per_core_it_may_use(verb, monkeypatch, tmp_path):
    from autograder import cli
    from autograder.classroom_grade import ClassroomOptions
    from autograder.executors import local
    from autograder.report import console

    if hasattr(os, "sched_getaffinity"):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 2, 5})
    else:
        monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert local.default_jobs() == 3
    asked = []
    monkeypatch.setattr(console, "run_batch", lambda assignment, folder, options: asked.append(options.jobs) or 0)
    monkeypatch.setattr("autograder.classroom_grade.grade_classroom",
                        lambda assignment, options: asked.append(options.jobs) or 0)
    (tmp_path / "a").mkdir()
    if verb == "grade":
        assert cli.main(["grade", "--assignment", "03_affine", str(tmp_path / "a"), "--batch"]) == 0
        assert cli.main(["grade", "--assignment", "03_affine", str(tmp_path / "a"), "--jobs", "1"]) == 0
    else:
        assert cli.run_classroom_grade("03_affine", repos=tmp_path / "a", out=tmp_path / "out") == 0
        assert cli.run_classroom_grade("03_affine", repos=tmp_path / "a", out=tmp_path / "out", jobs=1) == 0
        assert ClassroomOptions.__dataclass_fields__["jobs"].default == 1  # the library's default stays one lane
    assert asked == [3, 1]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="grader processes are forked on Linux only")
def test_forked_grader_processes_share_one_zygote(assignment, tmp_path):
    folder = quick_samples(tmp_path / "subs", copies=2)
    seen = []

    def on_result(entry, result):
        for child in multiprocessing.active_children():
            seen.append(_children(child.pid))  # a grader process's own children: none, no zygote of its own

    grade_batch(assignment, entries(folder), 2, ForkServer, on_result, LocalExecutor(2))
    assert seen and all(children == [] for children in seen), seen


def test_a_zygote_outlives_its_grader_while_a_shared_channel_is_open(fork_server):
    from .conftest import FAST

    server = ForkServer()
    shared = server.share()
    joined = ForkServer(joining=shared)
    server.control.close()  # the grader hangs up first
    worker = joined.start(FAST)  # the grader process still gets workers
    worker.close()
    assert server.process.poll() is None
    joined.close()
    assert server.process.wait(timeout=5) == 0  # the last channel closed: the zygote is gone
    server._remove_base()


def test_a_prestarted_zygote_is_taken_once_and_one_nobody_took_is_shut_down(tmp_path):
    code = ("from autograder.sandbox import launch\n"
            "from autograder.sandbox.forkserver import ForkServer\n"
            "launch.prestart(); launch.prestart()\n"
            "server = ForkServer()\n"
            "assert server.process is not None and len(launch._prestarted) == 1\n"
            "base, process, _ = launch._prestarted[0]\n"
            "print(base, process.pid, server.base, server.process.pid, flush=True)\n"
            "server.close()\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    untaken_base, untaken_pid, taken_base, taken_pid = run.stdout.split()
    for base, pid in ((untaken_base, untaken_pid), (taken_base, taken_pid)):
        assert not Path(base).exists()
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_a_submission_that_kills_the_shared_zygote_costs_only_its_own_row(assignment, tmp_path):
    folder = quick_samples(tmp_path / "subs", copies=2)
    solution = (ROOT / "solutions" / "03_affine" / "layers.py").read_text()
    for n in range(3):  # killers spread through the batch, graded by either lane
        (folder / f"a_killer_{n}.py").write_text(
            solution + "\nimport os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n")
    expected = {student: points for student, points in scores(graded(assignment, quick_samples(
        tmp_path / "plain", copies=2), LocalExecutor(1))).items()}
    results = graded(assignment, folder, LocalExecutor(2))
    assert set(results) == {e.student for e in entries(folder)}
    assert all(sum(scores({s: r})[s]) == 0 for s, r in results.items() if s.startswith("a_killer"))
    assert {s: p for s, p in scores(results).items() if not s.startswith("a_killer")} == expected


def test_spawned_grader_processes_give_the_same_scores(assignment, tmp_path, monkeypatch):
    """Where fork is not used (macOS, Windows), grader processes are spawned and start their own zygote."""
    from autograder.executors import local

    folder = quick_samples(tmp_path / "subs", copies=2)
    one = graded(assignment, folder, LocalExecutor(1))
    monkeypatch.setattr(local, "_start_method", lambda: "spawn")
    spawned = []
    results = {}

    def on_result(entry, result):
        results[entry.student] = result
        spawned.extend(child.pid for child in multiprocessing.active_children())

    grade_batch(assignment, entries(folder), 2, ForkServer, on_result, LocalExecutor(2))
    assert spawned, "no grader process took part"
    assert scores(results) == scores(one)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree from /proc")
def test_grader_processes_and_the_zygote_go_when_the_grading_process_is_killed(tmp_path):
    folder = quick_samples(tmp_path / "subs", copies=6)
    cli = subprocess.Popen([sys.executable, "-m", "autograder", "grade", "--assignment", "03_affine", str(folder),
                            "--jobs", "3", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    below: set[int] = set()
    deadline = time.monotonic() + 30
    while len(below) < 3 and time.monotonic() < deadline:  # two grader processes and the zygote
        below.update(_children(cli.pid))
        time.sleep(0.02)
    assert len(below) >= 3, below
    os.kill(cli.pid, signal.SIGKILL)
    cli.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(pid) for pid in below):
        time.sleep(0.05)
    assert not [pid for pid in below if _alive(pid)]


def _alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().split("State:", 1)[1].splitlines()[0]
    except (FileNotFoundError, IndexError):
        return False
