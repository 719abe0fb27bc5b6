"""The Dask executor on a LocalCluster: the scores of the local executor, one row per submission
even when a Dask worker is killed mid-batch, and sentences when the cluster cannot be used."""

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster

from autograder import course
from autograder.batch import entries, grade_batch
from autograder.course import CourseError
from autograder.executors import dask_cluster
from autograder.executors.dask_cluster import DaskExecutor, grade_on_worker
from autograder.executors.local import LocalExecutor
from autograder.report.gradebook import Gradebook
from autograder.sandbox.forkserver import ForkServer

from .test_executors import SAMPLES, quick_samples, scores

DOOMED = "doomed"


@pytest.fixture(scope="module")
def assignment():
    return course.load("03_affine")


@pytest.fixture(scope="module")
def client():
    # One retry after a worker dies, so that the test of a submission whose
    # workers keep dying gives up after two deaths instead of four.
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
            with Client(cluster) as client:
                yield client


@pytest.fixture(scope="module")
def local_scores(assignment):
    results = {}
    grade_batch(assignment, entries(SAMPLES), 2, ForkServer,
                lambda e, r: results.__setitem__(e.student, r), LocalExecutor(2))
    return scores(results)


def into_gradebook(assignment, folder, executor, db: Path, after_each=None) -> None:
    with Gradebook(db) as book:
        def on_result(entry, result):
            book.record(entry.student, str(entry.path), result)
            if after_each:
                after_each(entry, result)
        grade_batch(assignment, entries(folder), 1, ForkServer, on_result, executor)


def rows(db: Path) -> list[tuple[str, float]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT st.name, s.score FROM submissions s JOIN students st ON st.id = s.student_id "
                            "ORDER BY st.name").fetchall()


def test_dask_gives_every_sample_the_local_executors_scores(assignment, client, local_scores):
    results = {}
    grade_batch(assignment, entries(SAMPLES), 1, ForkServer,
                lambda e, r: results.__setitem__(e.student, r), DaskExecutor(client))
    assert scores(results) == local_scores
    assert "Passed." in results["correct"].tests[0].output
    assert results["correct"].protections and "a separate process" in results["correct"].protections
    assert "did not finish" in results["endless_loop_at_import"].tests[0].output


@pytest.mark.slow  # a real Dask cluster losing workers or its scheduler: minutes on a busy machine, run in CI
def test_a_dask_worker_killed_mid_batch_leaves_each_submission_once(assignment, client, tmp_path):
    folder = quick_samples(tmp_path / "subs", copies=4)
    expected = scores(dict((e.student, r) for e, r in _local(assignment, folder)))
    killed = []

    def kill_a_busy_worker(entry, result):
        if killed:
            return
        busy = [address for address, keys in client.processing().items() if keys]
        if busy:
            pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    db = tmp_path / "grades.db"
    into_gradebook(assignment, folder, DaskExecutor(client), db, kill_a_busy_worker)
    assert killed, "no Dask worker was busy when the first result came back"
    recorded = rows(db)
    assert sorted(name for name, _ in recorded) == sorted(expected)  # each exactly once
    assert {name: score for name, score in recorded} == {name: sum(s) for name, s in expected.items()}
    client.wait_for_workers(2, timeout=60)  # the nanny restarted the killed worker


def _local(assignment, folder):
    out = []
    grade_batch(assignment, entries(folder), 1, ForkServer, lambda e, r: out.append((e, r)), LocalExecutor(1))
    return out


def die_on_doomed(assignment_id, expected, submission):
    """A task that kills the Dask worker running it whenever it is handed the doomed submission."""
    if submission.name == DOOMED:
        os._exit(1)
    return grade_on_worker(assignment_id, expected, submission)


@pytest.mark.slow  # a real Dask cluster losing workers or its scheduler: minutes on a busy machine, run in CI
def test_a_submission_whose_workers_keep_dying_ends_with_a_failed_row(assignment, client, tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    for name in ("correct", "untouched_stub"):
        (folder / f"{name}.py").write_bytes((SAMPLES / f"{name}.py").read_bytes())
    (folder / f"{DOOMED}.py").write_bytes((SAMPLES / "correct.py").read_bytes())
    db = tmp_path / "grades.db"
    into_gradebook(assignment, folder, DaskExecutor(client, task=die_on_doomed), db)
    recorded = dict(rows(db))
    assert sorted(recorded) == ["correct", DOOMED, "untouched_stub"]
    assert recorded[DOOMED] == 0 and recorded["correct"] == 16
    with Gradebook(db) as book:
        (output,) = [row["output"] for row in book.latest(assignment.id) if row["student"] == DOOMED]
    assert "Every Dask worker that graded this submission died" in output and "(2 tries)" in output
    client.wait_for_workers(2, timeout=60)


def test_a_worker_with_another_copy_of_the_course_stops_the_batch(assignment, client, tmp_path, monkeypatch):
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "correct.py").write_bytes((SAMPLES / "correct.py").read_bytes())
    monkeypatch.setattr(dask_cluster, "fingerprint", lambda assignment: "an older course")
    with pytest.raises(CourseError, match="has a different copy of 03_affine"):
        grade_batch(assignment, entries(folder), 1, ForkServer, lambda e, r: None, DaskExecutor(client))


def test_the_cli_grades_on_a_dask_cluster_into_a_gradebook(client, tmp_path, local_scores):
    folder = quick_samples(tmp_path / "subs")
    db, csv = tmp_path / "grades.db", tmp_path / "grades.csv"
    address = client.scheduler.address
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "--assignment", "03_affine", str(folder),
                          "--executor", "dask", "--scheduler", address, "--gradebook", str(db), "--csv", str(csv),
                          "--quiet"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    recorded = dict(rows(db))
    assert recorded == {name: sum(s) for name, s in local_scores.items() if not name.startswith("endless")}
    assert len(csv.read_text().splitlines()) == 1 + len(recorded)


def test_an_unreachable_scheduler_is_a_sentence(tmp_path):
    folder = quick_samples(tmp_path / "subs")
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "--assignment", "03_affine", str(folder),
                          "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1", "--gradebook",
                          str(tmp_path / "grades.db")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert "could not reach the Dask scheduler at tcp://127.0.0.1:1" in run.stderr
    assert "Traceback" not in run.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow  # a real Dask cluster losing workers or its scheduler: minutes on a busy machine, run in CI
def test_losing_the_scheduler_mid_batch_is_a_sentence_and_a_rerun_finishes_the_batch(assignment, tmp_path):
    """The scheduler's process is killed mid-batch: the command says what happened, every result that
    arrived is in the gradebook, and the same command again grades the rest, each submission once."""
    from autograder.executors import ExecutorError

    folder = quick_samples(tmp_path / "subs", copies=4)
    address = f"tcp://127.0.0.1:{_free_port()}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", address.rsplit(":", 1)[1], "--no-dashboard"], **quiet)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                               "--no-dashboard", "--no-nanny"], **quiet)
    db = tmp_path / "grades.db"
    try:
        with Client(address, timeout=60) as watcher:
            watcher.wait_for_workers(1, timeout=60)

        def kill_the_scheduler(entry, result):
            if scheduler.poll() is None:
                scheduler.kill()

        with pytest.raises(ExecutorError, match="lost the Dask cluster mid-batch"):
            into_gradebook(assignment, folder, DaskExecutor(address, connect_seconds=3), db, kill_the_scheduler)
    finally:
        for process in (scheduler, worker):
            process.kill()
            process.wait()
    before = rows(db)
    assert 1 <= len(before) < len(entries(folder))
    rerun = subprocess.run([sys.executable, "-m", "autograder", "grade", "--assignment", "03_affine", str(folder),
                            "--gradebook", str(db), "--quiet"], capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr  # the same command, here on this machine's lanes
    after = rows(db)
    assert sorted(name for name, _ in after) == sorted(e.student for e in entries(folder))  # each exactly once
    assert set(before) <= set(after)


def test_the_fingerprint_covers_the_grading_engine(tmp_path):
    import shutil

    package = Path(dask_cluster.__file__).resolve().parents[1]
    same, changed = tmp_path / "same" / "autograder", tmp_path / "changed" / "autograder"
    for copy in (same, changed):
        shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with open(changed / "student.py", "a") as handle:  # an engine file, not a file of the assignment
        handle.write("\n# another version\n")
    assert dask_cluster.engine_digest(same) == dask_cluster.engine_digest(package)
    assert dask_cluster.engine_digest(changed) != dask_cluster.engine_digest(package)
