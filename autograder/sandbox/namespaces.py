"""Namespaces of a worker's own (the grader runs as root): no network, no shared IPC, a disk quota.

  network   an empty network namespace (only a loopback, down): no connection
            anywhere, and no abstract unix socket of another process, since those
            belong to a network namespace
  IPC       System V shared memory, semaphores and message queues, and POSIX
            message queues, of its own: nothing shared with another worker, and
            whatever it leaves behind goes with it
  disk      a private mount namespace with a tmpfs of DISK_MB MiB and at most
            DISK_FILES files and folders mounted on the worker's folder: writes
            beyond it fail with ENOSPC, nothing reaches the grader's disk, and the
            tmpfs vanishes with the worker
Where the kernel refuses one (a container without CAP_SYS_ADMIN), the worker
goes without it and the protections line says so; the grader then watches the
folder's size instead (quota.py).
"""

from __future__ import annotations

import ctypes
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

DISK_MB = 64
DISK_FILES = 1024
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWNET = 0x00020000, 0x08000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 2, 4, 1 << 14, 1 << 18
NETWORK = "no network (empty network namespace)"
IPC = "no shared memory or message queues with other processes (IPC namespace)"

_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


@dataclass
class Isolation:
    protections: list[str] = field(default_factory=list)
    disk_quota: bool = False  # the tmpfs holds the worker's folder


def isolate(workdir: Path, uid: int) -> Isolation:
    """Move this process into namespaces of its own and put its folder on a tmpfs of DISK_MB MiB."""
    done = Isolation()
    if _libc is None or os.geteuid() != 0:
        return done
    wanted = {CLONE_NEWNET: NETWORK, CLONE_NEWIPC: IPC}
    if _libc.unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWNS) == 0:  # one call where the kernel allows all
        done.protections += wanted.values()
        unshared_mounts = True
    else:
        for flag, protection in wanted.items():
            if _libc.unshare(flag) == 0:
                done.protections.append(protection)
        unshared_mounts = _libc.unshare(CLONE_NEWNS) == 0
    if unshared_mounts and _private_tmpfs(workdir, uid):
        done.disk_quota = True
        done.protections.append(f"disk: {DISK_MB} MiB and {DISK_FILES} files of its own (tmpfs)")
    return done


def _private_tmpfs(workdir: Path, uid: int) -> bool:
    # Private first: where / is a shared mount (systemd), a mount made in this namespace
    # would otherwise appear in the grader's too.
    if _libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return False
    options = f"size={DISK_MB}m,nr_inodes={DISK_FILES},mode=0700,uid={uid},gid={uid}".encode()
    return _libc.mount(b"tmpfs", os.fsencode(workdir), b"tmpfs", MS_NOSUID | MS_NODEV, options) == 0
