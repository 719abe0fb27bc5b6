"""The grader's side of the sandbox: start the warm parent, fork workers, talk to them.

ForkServer.start(limits) -> ForkedWorker, whose `exchange` sends one request and
waits for the answer within the call's time limit (and the submission's). A
worker that overruns is killed with its whole process group; one that dies is
described from its exit status ("killed by SIGXCPU: it used up its CPU time").
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from ..messages import text
from ..proxy import WorkerLost
from . import launch, protocol
from .namespaces import DISK_MB
from .protocol import ProtocolError, receive_message, unpack
from .quota import FolderWatch

HELLO_SECONDS = 10.0
# A call's limit counts the worker's CPU time; in wall-clock time it gets at most this many times the limit
# (a worker asleep, or waiting for a busy machine to run it, uses no CPU).
WALL_FACTOR = 2.0
CPU_SLACK_SECONDS = 0.001  # CPU left below this: the limit is spent (the clock is read a little late)


class _Base:
    """What both sandboxes share: a private folder with one subfolder per worker."""

    def __init__(self, base: Path | None = None):
        self.base = base or launch.new_base()
        self.counter = itertools.count()
        self.protections: tuple[str, ...] = ()
        self.folders = FolderWatch()

    def _workdir(self) -> Path:
        # The worker, still root, mounts its tmpfs here or makes the folder its uid's.
        workdir = self.base / f"w{os.getpid()}-{next(self.counter)}"  # grader processes may share a base
        workdir.mkdir(mode=0o700)
        return workdir

    def ready(self, worker: "ForkedWorker") -> "ForkedWorker":
        """Read the worker's hello; where no tmpfs holds its folder, watch the folder's size."""
        protections, disk_quota = worker.hello()
        if not disk_quota:
            self.folders.watch(worker)
            worker.unwatch = self.folders.forget
            protections += (f"disk: {DISK_MB} MiB, its folder watched by the grader",)
        self.protections = protections
        return worker

    def _remove_base(self) -> None:
        if not os.environ.get("AUTOGRADER_KEEP_WORKDIRS"):
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class ForkServer(_Base):
    """A warm parent process that forks one limited worker per request (the default)."""

    def __init__(self, joining: tuple[Path, socket.socket] | None = None):
        """A fork server with a zygote of its own (prestarted, or started now), or, with `joining`
        (what another fork server's share() gave, in a process forked from its own), one using that
        server's zygote and folder."""
        prestarted = None if joining else launch.take()  # started while the command line imported
        started = joining or prestarted  # (its folder, ...) when the zygote is already running
        super().__init__(started[0] if started else None)
        self.lock = threading.Lock()
        self.process = None  # None: the zygote is another process's, shared with us
        if joining:
            self.control = joining[1]
        elif prestarted:
            self.process, self.control = prestarted[1], prestarted[2]
        else:
            self._boot()

    def share(self) -> tuple[Path, socket.socket]:
        """A new control channel to this zygote, for a grader process about to be forked from this one.

        The forked process passes it to ForkServer(joining=...); this process closes its
        copy once the fork is done. One zygote then serves every lane, so a grader
        process grades at once instead of first starting a zygote of its own.
        """
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._ask({"op": "channel"}, [theirs.fileno()])
        finally:
            theirs.close()
        return self.base, ours

    def _boot(self) -> None:
        self.process, self.control = launch.start_zygote(self.base)

    def _ask(self, request: dict, fds: list[int] = ()) -> dict:
        with self.lock:
            for attempt in (1, 2):
                try:
                    socket.send_fds(self.control, [json.dumps(request).encode()], list(fds))
                    self.control.settimeout(HELLO_SECONDS)
                    reply = self.control.recv(65536)
                except OSError:
                    reply = b""
                if reply:
                    return json.loads(reply)
                if attempt == 1:  # the zygote died (killed from outside?): start another once
                    self.control.close()
                    if self.process is not None:
                        self.process.kill()
                    else:  # it was shared: from now on this process has its own, in its own folder
                        self.base = launch.new_base()
                    self._boot()
        raise RuntimeError("the sandbox's fork server stopped answering")

    def start(self, limits) -> "ForkedWorker":
        return self.ready(self.prepare(limits))

    def prepare(self, limits) -> "ForkedWorker":
        """A worker forked now, whose hello is read only by ready(): it puts up its walls meanwhile."""
        workdir = self._workdir()
        ours, theirs = socket.socketpair()
        try:
            reply = self._ask({"op": "fork", "workdir": str(workdir), "cpu_seconds": limits.cpu_seconds,
                               "memory_mb": limits.memory_mb, "spin_seconds": protocol.SPIN_SECONDS},
                              [theirs.fileno()])
        finally:
            theirs.close()
        pid = reply["pid"]
        return ForkedWorker(pid, ours, workdir, limits, lambda: self.status(pid))

    def status(self, pid: int) -> int | None:
        """The waitpid status of a finished worker, waiting briefly for it to be reaped."""
        for _ in range(50):
            status = self._ask({"op": "status", "pid": pid}).get("status")
            if status is not None:
                return status
            time.sleep(0.01)
        return None

    def close(self) -> None:
        self.control.close()
        if self.process is None:
            return  # a shared zygote: its owner waits for it and removes the folder
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._remove_base()


class Spawner(_Base):
    """One fresh interpreter per worker: slower (it imports numpy each time), needs no fork."""

    def start(self, limits) -> "ForkedWorker":
        return self.ready(self.prepare(limits))

    def prepare(self, limits) -> "ForkedWorker":
        """A worker started now, whose hello is read only by ready()."""
        workdir = self._workdir()
        ours, theirs = socket.socketpair()
        request = {"workdir": str(workdir), "cpu_seconds": limits.cpu_seconds, "memory_mb": limits.memory_mb,
                   "spin_seconds": protocol.SPIN_SECONDS}
        process = launch.interpreter(launch.SPAWNED, theirs.fileno(), self.base, json.dumps(request))
        theirs.close()

        def status() -> int | None:
            try:
                code = process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                return None
            return (-code) if code < 0 else (code << 8)  # as a waitpid status

        return ForkedWorker(process.pid, ours, workdir, limits, status)

    def close(self) -> None:
        self._remove_base()


class ForkedWorker:
    """One worker process, seen as a channel with time limits."""

    extends = True  # exchange() takes `later`: a first wait, then more time if the call is worth it

    def __init__(self, pid: int, sock: socket.socket, workdir: Path, limits, status):
        self.pid, self.sock, self.workdir, self.status = pid, sock, workdir, status
        self._cpu_clock = ((~pid) << 3) | 2  # Linux's CPU clock of the process `pid` (CPUCLOCK_SCHED, all threads)
        self.call_seconds, self.import_seconds = limits.call_seconds, limits.import_seconds
        self.floor, self.factor = limits.call_seconds_floor, limits.call_time_factor  # for the protections line
        self.deadline = float("inf")  # the submission's, set by the grader
        self.closed = False
        self.over_quota = False  # set by the grader's FolderWatch, which then kills the worker
        self.unwatch = None

    def hello(self) -> tuple[tuple[str, ...], bool]:
        """The protections the worker put in place (sent before any student code ran), and whether a tmpfs
        holds its folder."""
        header, _ = unpack(self._receive(time.monotonic() + HELLO_SECONDS, self.call_seconds))
        hello = header.get("hello", {})
        time_line = (f"CPU time per call {self.factor:g} times the reference solution's, "
                     f"{min(self.floor, self.call_seconds):g} s to {self.call_seconds:g} s")
        if self.import_seconds != self.call_seconds:
            time_line += f", {self.import_seconds:g} s per import"
        time_line += f", wall clock at most {WALL_FACTOR:g} times that"
        return (time_line,) + tuple(str(p) for p in hello.get("protections", [])), hello.get("disk_quota") is True

    def exchange(self, message: bytes, seconds: float | None = None, later=None) -> bytes:
        """Send one request and return its answer, within `seconds` (default: the per-call limit).

        The limit counts the worker's time on a CPU (cpu_seconds): when it passes
        and the worker has used less, the wait goes on for what is left, up to
        WALL_FACTOR times the limit in wall-clock time. An endless loop uses the
        CPU all along and is stopped at the limit; a worker that a busy machine
        did not run (or that sleeps) is not charged for the wait.
        later: () -> seconds, called once if no answer has come within `seconds`:
        the request's whole limit, counted from the same start (call_limits.CallLimit).
        """
        seconds = self.call_seconds if seconds is None else seconds
        now = time.monotonic()
        cpu = self.cpu_seconds()
        until = min(now + seconds, self.deadline)
        try:
            self.sock.settimeout(max(until - now, 0.001))
            self.sock.sendall(message)
        except (socket.timeout, OSError):
            raise self._lost(until, seconds) from None
        limit = [seconds, until]  # as extended by `later`: what a timeout's sentence says
        asked = [later]

        def extended() -> float | None:
            if asked[0] is not None:  # the first wait is over: the call's whole limit
                limit[0], asked[0] = max(asked[0](), seconds), None
            limit[1] = min(self._cpu_deadline(now, cpu, limit[0]), self.deadline)
            return limit[1]

        try:
            return receive_message(self.sock, until, extended)
        except (socket.timeout, EOFError, OSError, ProtocolError):
            raise self._lost(limit[1], limit[0]) from None

    def cpu_seconds(self) -> float | None:
        """The worker's CPU time so far, all its threads (Linux's clock of another process), or None when
        it is gone or the clock cannot be read here."""
        try:
            return time.clock_gettime(self._cpu_clock)
        except (OSError, OverflowError, AttributeError):  # AttributeError: no clock_gettime (Windows)
            return None

    def _cpu_deadline(self, started: float, cpu: float | None, seconds: float) -> float:
        """When a call begun at `started` (monotonic), the worker's CPU time then `cpu`, runs out of its
        `seconds`: once it has used them on a CPU, or at WALL_FACTOR times them in wall-clock time."""
        end = started + seconds
        used = self.cpu_seconds()
        if cpu is None or used is None:
            return end
        left = seconds - (used - cpu)
        if left <= CPU_SLACK_SECONDS:
            return end
        return max(end, min(time.monotonic() + left, started + WALL_FACTOR * seconds))

    def _receive(self, until: float, seconds: float) -> bytes:
        try:
            return receive_message(self.sock, until)
        except (socket.timeout, EOFError, OSError, ProtocolError):
            raise self._lost(until, seconds) from None

    def _lost(self, until: float, seconds: float) -> WorkerLost:
        timed_out = time.monotonic() >= until - 0.002
        self.kill()
        if self.over_quota:
            return WorkerLost(text("grade.disk_quota", mb=DISK_MB))
        if timed_out:
            if until >= self.deadline:
                return WorkerLost(text("grade.whole_time_limit"))
            return WorkerLost(text("grade.call_timeout", seconds=f"{seconds:g}"), timed_out=True)
        return WorkerLost(describe_exit(self.status()))

    def kill(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.unwatch:
            self.unwatch(self)
        self.kill()
        self.sock.close()
        if not os.environ.get("AUTOGRADER_KEEP_WORKDIRS"):
            shutil.rmtree(self.workdir, ignore_errors=True)


def describe_exit(status: int | None) -> str:
    """A sentence for how a worker ended."""
    if status is None:
        return text("grade.stopped_answering")
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        reasons = {signal.SIGXCPU: "cpu", signal.SIGXFSZ: "file_size", signal.SIGSEGV: "segfault",
                   signal.SIGKILL: "killed", signal.SIGABRT: "aborted"}
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return text("grade.signal", name=name, reason=text(f"grade.reason.{reasons.get(sig, 'other')}"))
    return text("grade.exit_status", code=os.WEXITSTATUS(status))
