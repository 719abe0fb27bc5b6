"""Starting the interpreters the sandbox runs: the fork server's zygote, or a spawned worker.

Both are a fresh Python with a scrubbed environment running this very engine's
code. The module imports nothing but the standard library, so the command line
can start a zygote first thing (`prestart()`): the zygote spends about 0.2 s
starting (a Python importing numpy), and started early that overlaps the
grader's own imports instead of following them. ForkServer takes the
prestarted zygote when it starts (`take()`); one nobody took is shut down when
the process exits.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

# The variables a zygote or worker keeps from the grader's environment; everything else is dropped.
PASSED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "SYSTEMROOT")
ZYGOTE = ("import sys; sys.path.insert(0, sys.argv[2]); "
          "from autograder.sandbox.zygote import main; main(int(sys.argv[1]))")
SPAWNED = ("import sys, json; sys.path.insert(0, sys.argv[2]); "
           "from autograder.sandbox.zygote import become_worker; "
           "become_worker(json.loads(sys.argv[3]), int(sys.argv[1]))")


def interpreter(code: str, fd: int, base: Path, *extra: str) -> subprocess.Popen:
    """A fresh Python with a scrubbed environment, running `code` with socket `fd` passed on."""
    env = {"PATH": os.defpath, "LANG": "C.UTF-8", "HOME": str(base), "PYTHONHASHSEED": "0",
           "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    env.update({k: os.environ[k] for k in PASSED_ENV if k in os.environ})
    package_parent = str(Path(__file__).resolve().parents[2])
    return subprocess.Popen(
        [sys.executable, "-s", "-P", "-c", code, str(fd), package_parent, *extra],
        pass_fds=[fd], env=env, cwd=base, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def new_base() -> Path:
    """A private folder for one sandbox, with one subfolder per worker to come."""
    base = Path(tempfile.mkdtemp(prefix="autograder-"))
    os.chmod(base, 0o711)  # a worker dropped to nobody may enter its own folder, not list others
    return base


def start_zygote(base: Path) -> tuple[subprocess.Popen, socket.socket]:
    """A zygote running in `base`, and our end of its control socket."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        process = interpreter(ZYGOTE, theirs.fileno(), base)
    finally:
        theirs.close()
    return process, ours


_prestarted: list[tuple[Path, subprocess.Popen, socket.socket]] = []
_owner = os.getpid()  # the process that started them: only it may wait for them


def prestart() -> None:
    """Start a zygote now, for the next ForkServer of this process to take."""
    if not _prestarted:
        atexit.register(_shut_down_untaken)
    base = new_base()
    _prestarted.append((base, *start_zygote(base)))


def take() -> tuple[Path, subprocess.Popen, socket.socket] | None:
    """A prestarted zygote (its folder, process and control socket), or None."""
    if os.getpid() != _owner:
        forget_inherited()
        return None
    return _prestarted.pop(0) if _prestarted else None


def forget_inherited() -> None:
    """In a process forked from the one that prestarted zygotes: close our copies of their sockets.

    A zygote stops when its control socket closes; a copy left open in a forked
    grader process would keep it running after its owner is done with it.
    """
    global _prestarted
    if os.getpid() != _owner:
        for _, _, control in _prestarted:
            control.close()
        _prestarted = []


def _shut_down_untaken() -> None:
    if os.getpid() != _owner:
        return
    while _prestarted:
        base, process, control = _prestarted.pop()
        control.close()  # the zygote's signal to exit
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(base, ignore_errors=True)
