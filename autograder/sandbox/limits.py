"""The walls around a worker, applied in the forked child before student code runs.

Each function returns a short description of what it put in place (or why it
could not), and the grader reports them with every result:

  resource limits   CPU seconds, address space, file size, open files, no core
                    dumps, and no new processes (RLIMIT_NPROC 0, which binds
                    only a non-root uid: hence the drop below)
  unprivileged uid  a grader running as root (Gradescope's container) drops the
                    worker to nobody
  no network        a fresh network namespace (root), else Landlock's TCP rules
  filesystem        Landlock: read-only access to the standard library and numpy,
                    read-write to the worker's own directory, nothing else: not
                    the hidden tests, the solutions or the gradebook
Landlock and namespaces are Linux features; elsewhere the worker is a limited
process only, and the result says so.
"""

from __future__ import annotations

import ctypes
import functools
import os
import resource
import struct
import sys
import sysconfig
from pathlib import Path

NOBODY = 65534
_CLONE_NEWNET = 0x40000000
_PR_SET_NO_NEW_PRIVS = 38
_SYS_LANDLOCK = {"create": 444, "add_rule": 445, "restrict": 446}  # the same on x86_64 and aarch64

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


def isolate_network() -> str | None:
    """A new, empty network namespace (only the loopback, down). Needs root."""
    if _libc is None or os.geteuid() != 0:
        return None
    if _libc.unshare(_CLONE_NEWNET) == 0:
        return "no network (empty network namespace)"
    return None


def drop_privileges() -> str:
    if os.geteuid() != 0:
        return f"uid {os.geteuid()} (not root)"
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)
    return "uid nobody (dropped from root)"


@functools.lru_cache(maxsize=None)
def readable_roots() -> tuple[Path, ...]:
    """What student code may read: the standard library and numpy, nothing else."""
    import numpy

    roots = {Path(sysconfig.get_paths()[key]) for key in ("stdlib", "platstdlib")}
    numpy_dir = Path(numpy.__file__).parent
    roots.add(numpy_dir)
    roots.update(p for p in numpy_dir.parent.glob("numpy.libs") if p.is_dir())
    return tuple(sorted(p for p in roots if p.exists()))


def landlock(workdir: Path, want_network: bool) -> list[str]:
    """Restrict the filesystem (and TCP, where the kernel can) with Landlock."""
    if _libc is None:
        return []
    syscall = _libc.syscall
    syscall.restype = ctypes.c_long
    abi = syscall(_SYS_LANDLOCK["create"], None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return []
    handled_fs = (1 << 13) - 1
    if abi >= 2:
        handled_fs |= 1 << 13  # REFER
    if abi >= 3:
        handled_fs |= 1 << 14  # TRUNCATE
    handled_net = 0b11 if (abi >= 4 and want_network) else 0  # BIND_TCP | CONNECT_TCP
    attr = struct.pack("=QQ", handled_fs, handled_net)
    buf = ctypes.create_string_buffer(attr, len(attr))
    ruleset = syscall(_SYS_LANDLOCK["create"], buf, ctypes.c_size_t(16 if handled_net else 8), ctypes.c_uint32(0))
    if ruleset < 0:
        return []
    read = 1 | 4 | 8  # EXECUTE | READ_FILE | READ_DIR
    rules = [(p, read) for p in readable_roots()] + [(workdir, handled_fs), (Path("/dev/null"), 2 | 4)]
    try:
        for path, access in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            if path.is_file() or str(path).startswith("/dev/"):
                access &= 2 | 4 | (1 << 14)  # a file takes file rights only
            rule = ctypes.create_string_buffer(struct.pack("=Qi", access & handled_fs, fd), 12)
            syscall(_SYS_LANDLOCK["add_rule"], ctypes.c_int(ruleset), ctypes.c_int(1), rule, ctypes.c_uint32(0))
            os.close(fd)
        if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return []
        if syscall(_SYS_LANDLOCK["restrict"], ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            return []
    finally:
        os.close(ruleset)
    done = ["filesystem: only the standard library, numpy and its own folder (Landlock)"]
    if handled_net:
        done.append("no TCP connections (Landlock)")
    return done
