"""Workers cannot reach each other, the fork server or the grader: signals, ptrace, /proc, IPC, sockets.

As root every worker runs as a uid of its own (kill and ptrace across uids are
refused), in network and IPC namespaces of its own; where the kernel has
Landlock ABI 6, signals and abstract unix sockets are also scoped to the
worker's own domain, whatever its uid. The attacks here run only inside a
worker, and only where the protections line shows that signals cannot leave
it (else a stray kill(-1) could reach the developer's own processes): the
tests skip otherwise.
"""

from __future__ import annotations

import ctypes
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.proxy import StudentError

ROOT = Path(__file__).resolve().parents[1]

PROBES = '''\
import ctypes, os, signal, socket
libc = ctypes.CDLL(None, use_errno=True)


def me():
    return os.getpid()


def kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
        return "sent"
    except OSError as exc:
        return type(exc).__name__


def kill_everyone():
    try:
        os.kill(-1, signal.SIGKILL)
        return "sent"
    except OSError as exc:
        return type(exc).__name__


def trace(pid):
    if libc.ptrace(16, pid, None, None) == 0:  # PTRACE_ATTACH
        return "attached"
    return os.strerror(ctypes.get_errno())


def read_proc(pid, name):
    try:
        with open(f"/proc/{pid}/{name}", "rb") as handle:
            return handle.read(64)
    except OSError as exc:
        return type(exc).__name__


def connect_abstract(name):
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(1)
        try:
            sock.connect(b"\\0" + name.encode())
            return "connected"
        except OSError as exc:
            return type(exc).__name__


def attach_shared_memory(key):
    libc.shmget.restype = ctypes.c_int
    return libc.shmget(key, 0, 0)
'''


def signals_stay_inside(protections) -> bool:
    text = " ".join(protections)
    return "a uid of its own" in text or "no signals or abstract sockets beyond itself" in text


@pytest.fixture
def walls(load_student, fork_server):
    load_student("x = 1\n")
    if not signals_stay_inside(fork_server.protections):
        pytest.skip("neither a uid per worker (root) nor Landlock's signal scope (ABI 6): "
                    "a worker could signal its uid's processes, so the attacks are not run here")
    return fork_server.protections


def test_a_worker_cannot_signal_another_live_worker(walls, load_student):
    victim = load_student(PROBES)
    attacker = load_student(PROBES)
    pid = victim.me()
    assert attacker.kill(pid) == "PermissionError"
    assert attacker.kill_everyone() in ("PermissionError", "ProcessLookupError", "sent")
    time.sleep(0.05)
    assert victim.me() == pid  # still alive, still answering


def test_a_worker_cannot_signal_the_fork_server_or_the_grader(walls, load_student, fork_server):
    attacker = load_student(PROBES)
    zygote = fork_server.process.pid if fork_server.process else None
    for pid in filter(None, (zygote, os.getpid())):
        assert attacker.kill(pid) == "PermissionError"
    assert load_student(PROBES).me() > 0  # the fork server still forks


def test_a_worker_cannot_trace_or_read_another_worker(walls, load_student):
    victim = load_student(PROBES)
    attacker = load_student(PROBES)
    pid = victim.me()
    assert attacker.trace(pid) == os.strerror(1)  # EPERM
    for name in ("mem", "environ", "maps"):
        assert attacker.read_proc(pid, name) in ("PermissionError", "FileNotFoundError"), name
    assert victim.me() == pid


def test_a_worker_cannot_trace_the_grader(walls, load_student):
    attacker = load_student(PROBES)
    assert attacker.trace(os.getpid()) == os.strerror(1)
    assert attacker.read_proc(os.getpid(), "mem") in ("PermissionError", "FileNotFoundError")


def test_an_abstract_socket_of_the_grader_is_out_of_reach(walls, load_student):
    name = f"autograder-test-{os.getpid()}-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(b"\0" + name.encode())
        listener.listen()
        listener.settimeout(0.3)
        assert load_student(PROBES).connect_abstract(name) in ("ConnectionRefusedError", "PermissionError")
        with pytest.raises(socket.timeout):
            listener.accept()


def test_shared_memory_of_another_process_is_out_of_reach(walls, load_student):
    if not any("IPC namespace" in p for p in walls):
        pytest.skip("no IPC namespace (the grader is not root)")
    libc = ctypes.CDLL(None, use_errno=True)
    key = 0x5A00_0000 + os.getpid() % 0x10000
    segment = libc.shmget(key, 4096, 0o1000 | 0o666)  # IPC_CREAT, readable and writable by anyone
    assert segment >= 0
    try:
        assert load_student(PROBES).attach_shared_memory(key) == -1
    finally:
        libc.shmctl(segment, 0, None)  # IPC_RMID


def test_dev_shm_is_out_of_reach(walls, load_student):
    if not any("Landlock" in p for p in walls):
        pytest.skip("no Landlock: /dev/shm is open to every uid")
    path = f"/dev/shm/autograder-test-{os.getpid()}-{time.monotonic_ns()}"
    student = load_student(f"def f():\n    open({path!r}, 'w').write('x')\n")
    try:
        with pytest.raises(StudentError, match="PermissionError"):
            student.f()
        assert not os.path.exists(path)
    finally:
        if os.path.exists(path):
            os.remove(path)


# -- a noisy neighbour in a batch ------------------------------------------------------

NOISY = '''
import ctypes as _ctypes, os as _os, signal as _signal, time as _time

def _attack():
    libc = _ctypes.CDLL(None, use_errno=True)
    me = _os.getpid()
    try:
        pids = [int(p) for p in _os.listdir("/proc") if p.isdigit()]
    except OSError:
        pids = []
    pids += range(max(2, me - 400), me + 400)  # what /proc would have shown
    stop = _time.monotonic() + 0.25
    while _time.monotonic() < stop:
        for call in (lambda: _os.kill(-1, _signal.SIGKILL), lambda: _os.kill(_os.getppid(), _signal.SIGKILL),
                     lambda: _os.killpg(0, _signal.SIGCONT)):
            try:
                call()
            except OSError:
                pass
        for pid in pids:
            if pid == me:
                continue
            for sig in (_signal.SIGKILL, _signal.SIGSTOP):
                try:
                    _os.kill(pid, sig)
                except OSError:
                    pass
            libc.ptrace(16, pid, None, None)
            try:
                open(f"/proc/{pid}/mem", "r+b").write(b"\\0")
            except OSError:
                pass

_attack()
'''


def test_a_noisy_neighbour_in_a_batch_harms_no_classmate(walls, tmp_path):
    solution = (ROOT / "solutions" / "03_affine" / "layers.py").read_text()
    folder = tmp_path / "subs"
    folder.mkdir()
    honest = [f"honest{i}" for i in range(5)]
    for name in honest:
        (folder / f"{name}.py").write_text(solution)
    (folder / "noisy.py").write_text(solution + NOISY)
    csv = tmp_path / "grades.csv"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "--assignment", "03_affine", str(folder),
                          "--jobs", "2", "--gradebook", str(tmp_path / "grades.db"), "--csv", str(csv), "--quiet"],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "AUTOGRADER_COURSE": str(ROOT)})
    assert run.returncode == 0, run.stderr[-2000:]
    rows = {line.split(",")[0]: float(line.split(",")[2]) for line in csv.read_text().splitlines()[1:]}
    assert sorted(rows) == sorted(honest + ["noisy"])
    assert {name: rows[name] for name in honest} == {name: 16.0 for name in honest}


def test_a_spawned_worker_has_the_same_walls_as_a_forked_one(walls):
    from autograder.sandbox.forkserver import Spawner

    from .conftest import FAST

    with Spawner() as spawner:
        spawner.start(FAST).close()
        assert set(spawner.protections) == set(walls)
