"""Measuring one grading run: wall time, per-submission latency, peak memory.

Every batch runs as its own process (the command an instructor types), timed
from outside. Memory is reported two ways:

  largest process   ru_maxrss of the command and its waited-for descendants:
                    the resident set of the largest single process in the tree.
                    Linux carries a process's peak across fork and exec (the
                    forking process's peak at the fork is where the child's
                    count starts), so a command forked from this benchmark,
                    which has imported numpy and graded in-process, would
                    report at least the benchmark's own peak. The command is
                    therefore started by a small launcher (LAUNCHER: a bare
                    interpreter, about 10 MB), which reports its children's
                    rusage and the command's wall time.
  all processes     the peak of the summed proportional set size (PSS, from
                    /proc/PID/smaps_rollup) of every process in the tree,
                    sampled every 0.1 s: what the tool costs the machine, with
                    pages that forked processes share counted once. Processes
                    that live less than a sample apart (our workers, about
                    30 ms each) may be missed; they share most of their pages
                    with their zygote anyway. Linux only (elsewhere: 0).

A run gets a wall-clock limit; past it the whole process group is killed and
the run is reported as timed out, so a hanging tool cannot hang the benchmark.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class Run:
    """One tool grading one set of submissions."""

    tool: str                         # "ours --jobs 1", "nbgrader autograde", ...
    workload: str                     # "10 samples", "scaling", ...
    n: int                            # submissions
    wall: float = 0.0                 # seconds, start to finish, tool start-up included
    latencies: list[float] = field(default_factory=list)  # seconds per submission
    by_name: dict[str, float] = field(default_factory=dict)  # the same, by submission, where known
    peak_rss_mb: float = 0.0         # the largest single process
    peak_tree_mb: float = 0.0         # every process of the run together (PSS)
    scores: dict[str, float] = field(default_factory=dict)
    unavailable: str = ""             # why this tool could not run here (then no figures)
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.unavailable

    def add_memory(self, finished: "Finished") -> None:
        """Take in a finished process's memory: the run's peaks over all its processes so far."""
        self.peak_rss_mb = max(self.peak_rss_mb, finished.peak_rss_mb)
        self.peak_tree_mb = max(self.peak_tree_mb, finished.peak_tree_mb)

    @property
    def throughput(self) -> float:
        return self.n / self.wall if self.wall else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p95(self) -> float:
        return float(np.percentile(self.latencies, 95)) if self.latencies else float("nan")

    @property
    def per_submission(self) -> float:
        return self.wall / self.n if self.n else float("nan")


@dataclass
class Finished:
    wall: float
    returncode: int | None            # None: killed at the wall-clock limit
    peak_rss_mb: float
    stderr: str
    peak_tree_mb: float = 0.0


def run_limited(command: list[str], limit: float, cwd: Path | None = None, env: dict | None = None,
                log: Path | None = None) -> Finished:
    """Run `command` in its own process group; kill the group after `limit` seconds."""
    log_handle = open(log, "wb") if log else subprocess.DEVNULL
    report = tempfile.NamedTemporaryFile(prefix="bench-launch-", suffix=".json", delete=False)
    report.close()
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-I", "-S", "-c", LAUNCHER, report.name, *command], cwd=cwd,
                               env=env, stdin=subprocess.DEVNULL, stdout=log_handle,
                               stderr=subprocess.STDOUT, start_new_session=True)
    deadline = started + limit
    status = rusage = None
    groups: set = set()  # process groups seen below it: a Jupyter kernel runs in a session of its own
    try:
        status, rusage, peak_tree = _watch(process, deadline, groups, 0.0)
    except BaseException:  # the benchmark itself stopped: the command and what it started stop too
        for group in {process.pid} | (groups - {None, os.getpgrp()}):
            _kill_group(group)
        raise
    wall = time.perf_counter() - started
    for group in groups - {None, os.getpgrp()}:  # what it left behind (a kernel, a worker) goes too
        _kill_group(group)
    process.returncode = 0 if status is None else os.waitstatus_to_exitcode(status)
    if log:
        log_handle.close()
    text = log.read_text(errors="replace")[-2000:] if log else ""
    try:
        launched = json.loads(Path(report.name).read_text() or "null")
    finally:
        os.unlink(report.name)
    if status is None or not launched:  # killed at the limit: the launcher wrote nothing, and its own
        # rusage would carry this process's peak, so the largest process is not known (0)
        return Finished(wall, None if status is None else os.waitstatus_to_exitcode(status), 0.0, text, peak_tree)
    return Finished(launched["wall"], launched["status"], launched["maxrss_kb"] / 1024, text, peak_tree)


# Runs the command as its only child and writes {"wall", "status", "maxrss_kb"} to argv[1]:
# started with -I -S it imports nothing but what it names, so the command's peak starts near 10 MB.
LAUNCHER = """
import json, os, resource, sys, time
report, command = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
try:
    pid = os.posix_spawnp(command[0], command, os.environ)
except OSError as exc:
    print(f"cannot start {command[0]}: {exc}", file=sys.stderr)
    sys.exit(127)
status = os.waitpid(pid, 0)[1]
wall = time.perf_counter() - started
code = os.waitstatus_to_exitcode(status)
with open(report, "w") as out:
    json.dump({"wall": wall, "status": code, "maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, out)
sys.exit(code if code >= 0 else 128 - code)
"""


def _watch(process: subprocess.Popen, deadline: float, groups: set, peak_tree: float):
    """Wait for the process, sampling its tree's memory, until it ends or the deadline passes
    (then its group is killed and the status is None). Adds the process groups seen to `groups`."""
    tree = [process.pid]
    next_look = next_sample = time.perf_counter()
    while True:
        pid, status, rusage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        now = time.perf_counter()
        if now >= next_look:
            tree = _descendants(process.pid)
            groups |= {_group(p) for p in tree}
            next_look = now + 0.25
        if now >= next_sample:  # the launcher is not the command's: left out
            peak_tree = max(peak_tree, _pss_mb([p for p in tree if p != process.pid]))
            next_sample = now + SAMPLE_SECONDS
        if now >= deadline:
            groups |= {_group(p) for p in _descendants(process.pid)}
            _kill_group(process.pid)
            pid, status, rusage = os.wait4(process.pid, 0)
            status = None
            break
        time.sleep(0.005)
    return status, rusage, peak_tree


SAMPLE_SECONDS = 0.1


def _pss_mb(pids: list[int]) -> float:
    """The summed proportional set size of these processes, in MB (0 where /proc has no smaps_rollup)."""
    total_kb = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                total_kb += next((int(line.split()[1]) for line in rollup if line.startswith("Pss:")), 0)
        except (OSError, ValueError):
            continue
    return total_kb / 1024


def _descendants(pid: int) -> list[int]:
    """pid and every process below it, from /proc (Linux); just pid elsewhere."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def _group(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out
