"""The walls around a worker, applied in the forked child before student code runs.

Each function returns a short description of what it put in place (or why it
could not), and the grader reports them with every result:

  resource limits   CPU seconds, address space, file size, open files, no core
                    dumps, and no new processes (RLIMIT_NPROC 0, which binds
                    only a non-root uid: hence the drop below)
  a uid of its own  a grader running as root (Gradescope's container) drops each
                    worker to a uid no other process has (WORKER_UIDS + its pid):
                    kill, ptrace and /proc/<pid>/mem of another worker, the fork
                    server or the grader are refused by the kernel (EPERM)
  not dumpable      PR_SET_DUMPABLE 0: no process of the same uid may ptrace it
                    or read its /proc/<pid>/ files (the non-root case)
  namespaces        namespaces.py: no network, no shared IPC, a 64 MiB tmpfs (root)
  Landlock          landlock.py: the filesystem, TCP, signals and abstract sockets
Landlock and namespaces are Linux features; elsewhere the worker is a limited
process only, and the result says so.
"""

from __future__ import annotations

import ctypes
import functools
import os
import resource
import sys

NOBODY = 65534
# Worker uids: WORKER_UIDS + the worker's pid (pids stay below 2**22), so two live workers never
# share one. Far above the uids of people (1000+), of systemd's dynamic users (61184-65519) and
# below its container ranges (from 0x7FFE0000); no passwd entry is needed to run as one.
WORKER_UIDS = 2_000_000_000
_PR_SET_DUMPABLE = 4

_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def set_resource_limits(cpu_seconds: float, memory_mb: int, file_mb: int = 16) -> str:
    cpu = max(1, int(cpu_seconds + 0.999))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_mb << 20, file_mb << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(64, soft), min(64, hard)))
    memory = "no memory limit"
    if hasattr(resource, "RLIMIT_AS") and sys.platform.startswith("linux"):
        # The limit counts what the warm parent already mapped (numpy, BLAS buffers).
        in_use = _virtual_memory_bytes()
        limit = in_use + (memory_mb << 20)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        memory = f"memory {memory_mb} MiB"
    nproc = "no new processes"
    try:
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    except (ValueError, OSError):
        nproc = "process limit unavailable"
    return f"limits: CPU {cpu} s, {memory}, files {file_mb} MiB, {nproc}"


def _virtual_memory_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def worker_uid() -> int:
    """The uid this worker will run as: one of its own when the grader is root, else the grader's.

    In a user namespace that maps only a few uids (rootless containers), nobody.
    """
    if os.geteuid() != 0:
        return os.geteuid()
    uid = WORKER_UIDS + os.getpid()
    return uid if any(first <= uid < first + count for first, count in mapped_uids()) else NOBODY


@functools.cache
def mapped_uids() -> tuple[tuple[int, int], ...]:
    """The uid ranges (first, count) this process's user namespace knows; read in the fork server."""
    try:
        with open("/proc/self/uid_map") as handle:
            return tuple((int(line.split()[0]), int(line.split()[2])) for line in handle if line.strip())
    except OSError:
        return ((0, 1 << 32),)


def drop_privileges(uid: int) -> str:
    """Become `uid` (from worker_uid()), with no supplementary groups."""
    if os.geteuid() != 0:
        return f"uid {os.geteuid()} (not root)"
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if uid == NOBODY:
        return "uid nobody (dropped from root; shared with other workers)"
    return "a uid of its own (dropped from root)"


def forbid_tracing() -> str | None:
    """No ptrace and no /proc/<pid>/ reads of this process by another of its uid (PR_SET_DUMPABLE 0)."""
    if _libc is None or _libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        return None
    return "not traceable"

