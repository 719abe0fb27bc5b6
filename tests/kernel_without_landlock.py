"""Run a command as if the kernel had no Landlock: `python kernel_without_landlock.py COMMAND ARGS...`.

A seccomp filter makes the three Landlock system calls fail with ENOSYS, which
is what a kernel built without Landlock answers, and then the command is
executed. The filter binds the command and every process it starts (seccomp
filters are inherited across fork and exec and cannot be removed), so the
sandbox's workers meet the kernel that Gradescope's container may have, and
nothing in the engine needs a switch for tests.

Linux only; as root, or the filter needs no_new_privs, which it then sets.
Exit status 125 when the filter cannot be installed.
"""

from __future__ import annotations

import ctypes
import os
import struct
import sys

# landlock_create_ruleset, landlock_add_rule, landlock_restrict_self: 444-446 on
# x86_64 and aarch64 alike (and in every table since they were added).
FIRST, LAST = 444, 446
ENOSYS = 38
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_LOAD_NR, _JGE, _RETURN = 0x20, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JGE|K, BPF_RET|K
_ALLOW, _ERRNO = 0x7FFF0000, 0x00050000


def _instruction(code: int, if_true: int, if_false: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, if_true, if_false, k)


FILTER = b"".join([
    _instruction(_LOAD_NR, 0, 0, 0),               # the system call's number (seccomp_data.nr)
    _instruction(_JGE, 0, 2, FIRST),               # below the first: allow
    _instruction(_JGE, 1, 0, LAST + 1),            # past the last: allow
    _instruction(_RETURN, 0, 0, _ERRNO | ENOSYS),  # a Landlock call: "not implemented"
    _instruction(_RETURN, 0, 0, _ALLOW),
])


def install() -> None:
    """Install the filter in this process; raises OSError if the kernel refuses it."""
    libc = ctypes.CDLL(None, use_errno=True)
    program = ctypes.create_string_buffer(FILTER, len(FILTER))
    fprog = struct.pack("=HxxxxxxQ", len(FILTER) // 8, ctypes.addressof(program))  # struct sock_fprog
    fprog_buffer = ctypes.create_string_buffer(fprog, len(fprog))
    if os.geteuid() != 0 and libc.prctl(_PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0),
                                        ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(_PR_SET_SECCOMP, ctypes.c_ulong(_SECCOMP_MODE_FILTER),
                  ctypes.c_void_p(ctypes.addressof(fprog_buffer)), ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


if __name__ == "__main__":
    try:
        install()
    except OSError as exc:
        print(f"kernel_without_landlock: cannot install the seccomp filter ({exc})", file=sys.stderr)
        sys.exit(125)
    os.execvp(sys.argv[1], sys.argv[1:])
