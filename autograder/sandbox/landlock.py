"""Landlock (Linux 5.13+): what a walled-in worker may read, write, connect to and signal.

The rules, in the order the kernel's ABI grew them:
  filesystem   read-only: the standard library (without its site-packages) and numpy's
               package folder (with numpy.libs); read-write: the worker's own folder;
               /dev/null; nothing else: not the hidden tests, the solutions, the
               gradebook, other students' folders, /proc, /dev/shm, nor any other
               installed package (ABI 1; REFER 2, TRUNCATE 3, IOCTL_DEV 5)
  TCP          no bind or connect, where the grader has no network namespace (ABI 4)
  scopes       no signal to, and no abstract unix socket of, a process outside the
               worker's own domain: not another worker, not the fork server, not
               the grader (ABI 6)
Every Landlock domain also refuses ptrace of a process outside it (ABI 1).

Inside a venv, sysconfig's "platstdlib" and "purelib" point into the venv, whose
site-packages holds every installed package (the engine, its tests, pytest, rich):
the standard library is found from the interpreter's own files instead (os.py's
folder, the folder of compiled modules, sys.base_prefix), and where it holds a
site-packages (pyenv, python.org and Docker images) each of its other entries
gets a rule of its own, since a rule on a folder opens everything below it.
"""

from __future__ import annotations

import ctypes
import functools
import os
import struct
import sys
import sysconfig
from pathlib import Path

_SYS = {"create": 444, "add_rule": 445, "restrict": 446}  # the same on x86_64 and aarch64
_PR_SET_NO_NEW_PRIVS = 38
_VERSION = 1  # landlock_create_ruleset's flag: ask for the ABI version
_RULE_PATH_BENEATH = 1
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1, 2, 4, 8
TRUNCATE, IOCTL_DEV = 1 << 14, 1 << 15
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # all a rule on a file may carry
READ = EXECUTE | READ_FILE | READ_DIR
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2
PACKAGE_FOLDERS = ("site-packages", "dist-packages")

_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


class _Rule(ctypes.Structure):
    """struct landlock_path_beneath_attr."""

    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi_version() -> int:
    """The kernel's Landlock ABI (0: none)."""
    if _libc is None:
        return 0
    _libc.syscall.restype = ctypes.c_long
    return max(0, _libc.syscall(_SYS["create"], None, ctypes.c_size_t(0), ctypes.c_uint32(_VERSION)))


def stdlib_folders() -> set[Path]:
    """The folders of the interpreter's standard library, pure and compiled, never a venv's."""
    folders = {Path(os.__file__).parent}
    for name in ("DESTSHARED", "BINLIBDEST", "LIBDEST"):  # lib-dynload; the base install's stdlib
        value = sysconfig.get_config_var(name)
        if value:
            folders.add(Path(value))
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix, "installed_base": sys.base_prefix,
            "installed_platbase": sys.base_exec_prefix}
    folders.update(Path(sysconfig.get_path(key, vars=base)) for key in ("stdlib", "platstdlib"))
    folders.update(Path(p) for p in sys.path if p.endswith(".zip"))  # python3XX.zip, where one is used
    venv = Path(sys.prefix).resolve()
    return {f.resolve() for f in folders if f.exists() and (sys.prefix == sys.base_prefix
                                                            or venv not in f.resolve().parents)}


@functools.cache
def readable() -> tuple[tuple[str, bool], ...]:
    """What student code may read, as (path, is a folder): the standard library and numpy, nothing else.

    Computed once in the fork server, while the interpreter's files can still be read.
    """
    import numpy

    paths: dict[str, bool] = {}
    for folder in sorted(stdlib_folders()):
        if folder.is_file():
            paths[str(folder)] = False
        elif any((folder / name).is_dir() for name in PACKAGE_FOLDERS):
            for entry in os.scandir(folder):  # everything but the installed packages
                if entry.name not in PACKAGE_FOLDERS:
                    paths[entry.path] = entry.is_dir()
        else:
            paths[str(folder)] = True
    numpy_dir = Path(numpy.__file__).resolve().parent
    paths[str(numpy_dir)] = True
    for libs in numpy_dir.parent.glob("numpy.libs"):  # a wheel's bundled OpenBLAS and gfortran
        paths[str(libs)] = True
    return tuple(sorted(paths.items()))


@functools.cache
def _handled() -> tuple[int, int, int]:
    """What this kernel's Landlock can restrict: (filesystem rights, TCP rights, scopes); zeros without it."""
    abi = abi_version()
    if abi < 1:
        return 0, 0, 0
    fs = (1 << 13) - 1
    if abi >= 2:
        fs |= 1 << 13  # REFER
    if abi >= 3:
        fs |= TRUNCATE
    if abi >= 5:
        fs |= IOCTL_DEV
    net = 0b11 if abi >= 4 else 0  # BIND_TCP | CONNECT_TCP: none allowed (in a network namespace, moot)
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    return fs, net, scoped


def prepare() -> int | None:
    """A ruleset holding every read-only rule, for one worker to finish and enforce (restrict).

    This is the slow part (one rule per path, about 200 where site-packages sits inside
    the standard library): the fork server builds the next worker's while it waits.
    """
    fs, net, scoped = _handled()
    if not fs:
        return None
    attr = struct.pack("=QQQ", fs, net, scoped)
    size = 24 if scoped else 16 if net else 8
    ruleset = _libc.syscall(_SYS["create"], ctypes.create_string_buffer(attr, len(attr)), ctypes.c_size_t(size),
                            ctypes.c_uint32(0))
    if ruleset < 0:
        return None
    rules = [(path, READ if folder else READ & FILE_RIGHTS) for path, folder in readable()]
    _add_rules(ruleset, rules)
    return ruleset


def _add_rules(ruleset: int, rules: list[tuple[str, int]]) -> None:
    fs = _handled()[0]
    rule = _Rule()
    rule_ref = ctypes.byref(rule)
    for path, access in rules:
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            continue
        rule.allowed_access, rule.parent_fd = access & fs, fd
        _libc.syscall(_SYS["add_rule"], ruleset, _RULE_PATH_BENEATH, rule_ref, 0)
        os.close(fd)


def restrict(workdir: Path, prepared: int | None = None) -> list[str]:
    """Wall this process in with Landlock; the protections it put in place (none without Landlock).

    prepared: a ruleset from prepare(), made for this worker alone (its rules are added to);
    without one, this builds its own.
    """
    fs, net, scoped = _handled()
    ruleset = prepared if prepared is not None else prepare()
    if ruleset is None:
        return []
    try:
        _add_rules(ruleset, [(str(workdir), fs), (os.devnull, WRITE_FILE | READ_FILE)])
        if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return []
        if _libc.syscall(_SYS["restrict"], ruleset, 0) != 0:
            return []
    finally:
        os.close(ruleset)
    done = ["filesystem: only the standard library, numpy and its own folder (Landlock)"]
    if net:
        done.append("no TCP connections (Landlock)")
    if scoped:
        done.append("no signals or abstract sockets beyond itself (Landlock)")
    return done
