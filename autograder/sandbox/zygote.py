"""The warm parent: a process that imported numpy once and forks a worker per submission.

It is started by the grader (forkserver.py) with a scrubbed environment and
holds nothing but numpy, part of the standard library and autograder.sandbox:
never a hidden test, a solution or another student's data, since a forked
child sees all of its parent's memory.

Control messages (one JSON datagram each, on a SOCK_SEQPACKET socket):
  {"op": "fork", "workdir", "cpu_seconds", "memory_mb", "spin_seconds"} + the worker's socket fd
        -> {"pid": n}
  {"op": "status", "pid": n} -> {"status": waitpid status or null}
  {"op": "channel"} + a socket fd -> {"channel": true}: one more control socket, for a
        grader process forked from the grader, which then asks on it like the grader
The zygote stops when every control socket has closed.

Where fork is not wanted, `become_worker` is also the entry point of a worker
started as a fresh interpreter (forkserver.Spawner).
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import socket
import sys
from pathlib import Path

# Everything student code may import must be imported here, before the fork:
# a worker cannot read the interpreter's files once it is walled in.
import numpy as np  # noqa: F401
import numpy.fft  # noqa: F401
import numpy.linalg  # noqa: F401
import numpy.random  # noqa: F401
import numpy.testing  # noqa: F401  (students check their own code with it)
import abc, collections, copy, dataclasses, functools, itertools, math, numbers  # noqa: E401,F401
import operator, random, re, statistics, string, time, typing, warnings  # noqa: E401,F401
import linecache, traceback  # noqa: E401,F401
import importlib, pkgutil  # noqa: E401
import encodings
import unicodedata  # noqa: F401  (compile() normalises non-ASCII identifiers, NFKC, with it)

from . import landlock, limits, namespaces, protocol
from .protocol import pack
from .worker import serve

MAX_STATUSES = 10_000


# Codecs from bytes to bytes or str to str: compile() refuses them as a source's encoding, and
# importing them would import bz2, zlib, base64 and quopri for nothing.
NOT_TEXT_CODECS = {"base64_codec", "bz2_codec", "hex_codec", "quopri_codec", "rot_13", "uu_codec", "zlib_codec"}


def _import_codecs() -> None:
    """Every text codec of the standard library: a coding line (`# -*- coding: euc-kr -*-`) may name any."""
    for module in pkgutil.iter_modules(encodings.__path__):
        if module.name in NOT_TEXT_CODECS:
            continue
        try:
            importlib.import_module(f"encodings.{module.name}")
        except ImportError:  # mbcs and oem exist on Windows only
            pass


_import_codecs()


def main(control_fd: int) -> None:
    control = socket.socket(fileno=control_fd)
    landlock.readable()  # computed here: a worker can no longer read sysconfig's files
    limits.mapped_uids()  # nor /proc
    spare = landlock.prepare()  # the next worker's Landlock rules, built before it is asked for
    statuses: dict[int, int] = {}

    def reap(*_):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if len(statuses) >= MAX_STATUSES:
                statuses.pop(next(iter(statuses)))
            statuses[pid] = status

    signal.signal(signal.SIGCHLD, reap)
    controls = [control]  # the grader's, and one per grader process it shared this zygote with
    while controls:
        for ready in select.select(controls, [], [])[0]:
            try:
                data, fds, _, _ = socket.recv_fds(ready, 65536, 1)
            except OSError:
                data, fds = b"", []
            if not data:  # that grader is done with us; the last one to go stops the zygote
                controls.remove(ready)
                ready.close()
                continue
            request = json.loads(data)
            if request["op"] == "fork":
                pid = os.fork()
                if pid == 0:
                    _child(request, fds[0], controls, spare)  # never returns
                for fd in fds:
                    os.close(fd)
                ready.send(json.dumps({"pid": pid}).encode())
                if spare is not None:  # that one is the worker's now; the next one's, while nobody waits
                    os.close(spare)
                    spare = landlock.prepare()
            elif request["op"] == "status":
                reap()
                ready.send(json.dumps({"status": statuses.pop(request["pid"], None)}).encode())
            elif request["op"] == "channel" and fds:
                controls.append(socket.socket(fileno=fds[0]))
                ready.send(b'{"channel": true}')
            else:
                for fd in fds:
                    os.close(fd)
                ready.send(b'{"error": "unknown request"}')
    os._exit(0)  # every grader hung up: nothing to flush, and tearing numpy down takes longer than the rest


def _child(request: dict, sock_fd: int, controls: list[socket.socket], ruleset: int | None) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for control in controls:  # a worker holds no way to ask for anything
        control.close()
    become_worker(request, sock_fd, ruleset)


def become_worker(request: dict, sock_fd: int, ruleset: int | None = None) -> None:
    """Wall this process in (limits.py, namespaces.py, landlock.py), then serve requests on `sock_fd`.

    ruleset: Landlock's read-only rules, prepared by the fork server (else built here). Never returns.
    """
    try:
        if os.getpid() != os.getsid(0):
            os.setsid()
        landlock.readable()  # while the interpreter's files can still be read
        limits.mapped_uids()
        workdir = Path(request["workdir"])
        # output.txt is opened before the tmpfs covers the folder: it stays on the grader's side of
        # the mount (capped by the file size limit), for the instructor's log, after the worker is gone.
        out = os.open(workdir / "output.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        kept = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (sock_fd, ruleset) if fd is not None]  # out of the way
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        sock_fd = os.dup2(kept[0], 3)
        ruleset = os.dup2(kept[1], 4) if ruleset is not None else None
        os.closerange(5, 65536)

        uid = limits.worker_uid()
        isolation = namespaces.isolate(workdir, uid)
        if os.geteuid() == 0 and not isolation.disk_quota:
            os.chown(workdir, uid, uid)
        os.chdir(workdir)  # after the mount: the tmpfs, not the folder beneath it
        protections = ["a separate process"]
        protections.append(limits.set_resource_limits(request["cpu_seconds"], request["memory_mb"]))
        protections.append(limits.drop_privileges(uid))
        traceable = limits.forbid_tracing()
        protections += landlock.restrict(workdir, ruleset)
        protections += isolation.protections
        if traceable:
            protections.append(traceable)
        if not any("network" in p or "TCP" in p for p in protections):
            protections.append("network not isolated")
        os.environ.clear()
        os.environ.update({"HOME": str(workdir), "TMPDIR": str(workdir), "LANG": "C.UTF-8"})
        sys.path.insert(0, str(workdir))
        sys.argv = ["worker"]

        spin = request.get("spin_seconds")
        if type(spin) is float and 0 <= spin <= 0.01:
            protocol.SPIN_SECONDS = spin  # the grader's: off when its lanes fill every core
        sock = socket.socket(fileno=sock_fd)
        sock.sendall(pack({"hello": {"protections": protections, "disk_quota": isolation.disk_quota}}, []))
        serve(sock, workdir)
    except BaseException:
        traceback.print_exc()  # into the worker's output.txt, for the instructor's log
        sys.stderr.flush()
        os._exit(70)
    os._exit(0)


if __name__ == "__main__":
    main(int(sys.argv[1]))
