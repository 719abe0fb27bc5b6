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
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ..student import WorkerLost
from . import limits as walls
from .protocol import MAX_MESSAGE_BYTES, ProtocolError, unpack

_PASSED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "SYSTEMROOT")
_BOOT = "import sys; sys.path.insert(0, sys.argv[2]); from autograder.sandbox.zygote import main; main(int(sys.argv[1]))"
HELLO_SECONDS = 10.0


class ForkServer:
    """A warm parent process that forks one limited worker per request."""

    def __init__(self):
        self.base = Path(tempfile.mkdtemp(prefix="autograder-"))
        os.chmod(self.base, 0o711)  # a worker dropped to nobody may enter its own folder, not list others
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {"PATH": os.defpath, "LANG": "C.UTF-8", "HOME": str(self.base), "PYTHONHASHSEED": "0",
               "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1"}
        env.update({k: os.environ[k] for k in _PASSED_ENV if k in os.environ})
        # The zygote runs this very engine: its package folder goes first on its path.
        package_parent = str(Path(__file__).resolve().parents[2])
        self.process = subprocess.Popen(
            [sys.executable, "-s", "-P", "-c", _BOOT, str(theirs.fileno()), package_parent],
            pass_fds=[theirs.fileno()], env=env, cwd=self.base, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self.control = ours
        self.lock = threading.Lock()
        self.counter = itertools.count()
        self.protections: tuple[str, ...] = ()

    def _ask(self, request: dict, fds: list[int] = ()) -> dict:
        with self.lock:
            if fds:
                socket.send_fds(self.control, [json.dumps(request).encode()], list(fds))
            else:
                self.control.send(json.dumps(request).encode())
            self.control.settimeout(HELLO_SECONDS)
            try:
                reply = self.control.recv(65536)
            except socket.timeout:
                reply = b""
        if not reply:
            raise RuntimeError("the sandbox's fork server stopped answering")
        return json.loads(reply)

    def start(self, limits) -> "ForkedWorker":
        workdir = self.base / f"w{next(self.counter)}"
        workdir.mkdir(mode=0o700)
        if os.geteuid() == 0:
            os.chown(workdir, walls.NOBODY, walls.NOBODY)
        ours, theirs = socket.socketpair()
        try:
            reply = self._ask({"op": "fork", "workdir": str(workdir), "cpu_seconds": limits.cpu_seconds,
                               "memory_mb": limits.memory_mb}, [theirs.fileno()])
        finally:
            theirs.close()
        worker = ForkedWorker(self, reply["pid"], ours, workdir, limits.call_seconds)
        self.protections = worker.hello()
        return worker

    def status(self, pid: int) -> int | None:
        """The waitpid status of a finished worker, waiting briefly for it to be reaped."""
        for _ in range(50):
            status = self._ask({"op": "status", "pid": pid}).get("status")
            if status is not None:
                return status
            time.sleep(0.01)
        return None

    def close(self) -> None:
        try:
            self.control.close()
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if not os.environ.get("AUTOGRADER_KEEP_WORKDIRS"):
            shutil.rmtree(self.base, ignore_errors=True)


class ForkedWorker:
    """One worker process, seen as a channel with time limits."""

    def __init__(self, server: ForkServer, pid: int, sock: socket.socket, workdir: Path, call_seconds: float):
        self.server, self.pid, self.sock, self.workdir = server, pid, sock, workdir
        self.call_seconds = call_seconds
        self.deadline = float("inf")  # the submission's, set by the grader
        self.closed = False

    def hello(self) -> tuple[str, ...]:
        header, _ = unpack(self._receive(time.monotonic() + HELLO_SECONDS, "starting"))
        protections = header.get("hello", {}).get("protections", [])
        return ("wall clock " + f"{self.call_seconds:g} s per call",) + tuple(str(p) for p in protections)

    def exchange(self, message: bytes) -> bytes:
        now = time.monotonic()
        until = min(now + self.call_seconds, self.deadline)
        try:
            self.sock.settimeout(max(until - now, 0.001))
            self.sock.sendall(message)
        except (socket.timeout, OSError):
            raise self._lost(until) from None
        return self._receive(until, "call")

    def _receive(self, until: float, what: str) -> bytes:
        chunks: list[bytes] = []

        def exact(n: int) -> bytes:
            data = bytearray()
            while len(data) < n:
                self.sock.settimeout(max(until - time.monotonic(), 0.001))
                chunk = self.sock.recv(min(n - len(data), 1 << 20))
                if not chunk:
                    raise EOFError
                data += chunk
            return bytes(data)

        try:
            (length,) = struct.unpack(">Q", exact(8))
            if length > MAX_MESSAGE_BYTES:
                raise ProtocolError(f"an answer of {length} bytes")
            chunks.append(exact(length))
        except (socket.timeout, EOFError, OSError, ProtocolError):
            raise self._lost(until) from None
        return chunks[0]

    def _lost(self, until: float) -> WorkerLost:
        timed_out = time.monotonic() >= until - 0.002
        self.kill()
        if timed_out:
            if until >= self.deadline:
                return WorkerLost("the submission used up its whole time limit; remaining tests were not run")
            return WorkerLost(f"did not finish within {self.call_seconds:g} s (an infinite loop?)")
        return WorkerLost(describe_exit(self.server.status(self.pid)))

    def kill(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.kill()
        self.sock.close()
        if not os.environ.get("AUTOGRADER_KEEP_WORKDIRS"):
            shutil.rmtree(self.workdir, ignore_errors=True)


def describe_exit(status: int | None) -> str:
    """A sentence for how a worker ended."""
    if status is None:
        return "the worker stopped answering"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        reasons = {
            signal.SIGXCPU: "it used up its CPU time limit",
            signal.SIGXFSZ: "it wrote more than the file size limit",
            signal.SIGSEGV: "it crashed (segmentation fault: very deep recursion?)",
            signal.SIGKILL: "it was killed (out of memory, or stopped by the grader)",
            signal.SIGABRT: "it aborted (out of memory?)",
        }
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return f"the process ended by {name}: {reasons.get(sig, 'it was stopped by a signal')}"
    code = os.WEXITSTATUS(status)
    return f"the process exited with status {code} (does the code call os._exit or exit?)"
