"""Each worker has at most 64 MiB of scratch: a tmpfs of its own (root), else the grader's watch on its folder.

The greedy writers run only inside workers. The watch (quota.py) is also tested
on its own, on folders the test fills itself, since this machine may always
have the tmpfs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder.sandbox import quota
from autograder.sandbox.namespaces import DISK_MB
from autograder.sandbox.protocol import pack
from autograder.proxy import WorkerLost

from .conftest import FAST

ROOT = Path(__file__).resolve().parents[1]
MiB = 1 << 20

GREEDY = '''\
import os


def many_files(count, mib):
    """Write `count` files of `mib` MiB; the bytes written, and the error that stopped it."""
    written, block = 0, b"x" * (1 << 20)
    for i in range(count):
        try:
            with open(f"scratch{i}.bin", "wb") as handle:
                for _ in range(mib):
                    written += handle.write(block)
        except OSError as exc:
            return written, os.strerror(exc.errno)
    return written, None


def folder():
    return os.getcwd()
'''


def has_tmpfs(protections) -> bool:
    return any("tmpfs" in p for p in protections)


def test_writing_a_gib_in_16_mib_files_stops_at_the_quota(load_student, fork_server):
    student = load_student(GREEDY)
    try:
        written, error = student.many_files(64, 16)  # 1 GiB
    except WorkerLost as lost:  # the grader's watch, where there is no tmpfs
        assert not has_tmpfs(fork_server.protections)
        assert f"more than {DISK_MB} MiB" in str(lost)
        return
    assert has_tmpfs(fork_server.protections)
    assert error == os.strerror(28)  # ENOSPC
    assert (DISK_MB - 1) * MiB <= written <= DISK_MB * MiB


def test_one_big_file_stops_at_the_file_size_limit(load_student):
    written, error = load_student(GREEDY).many_files(1, 1024)
    assert error == os.strerror(27)  # EFBIG: RLIMIT_FSIZE, 16 MiB
    assert written == 16 * MiB


def test_the_graders_disk_never_holds_the_scratch(load_student, fork_server):
    student = load_student(GREEDY)
    student.many_files(3, 16)
    if not has_tmpfs(fork_server.protections):
        pytest.skip("no tmpfs here: the scratch is on the grader's disk, under the watch")
    seen_by_grader = Path(student.folder())  # the folder beneath the worker's tmpfs
    assert not quota.over_quota(seen_by_grader, max_bytes=MiB)


def test_each_worker_has_a_quota_of_its_own(load_student, fork_server):
    if not has_tmpfs(fork_server.protections):
        pytest.skip("no tmpfs here")
    first, second = load_student(GREEDY), load_student(GREEDY)
    assert first.many_files(3, 16) == (48 * MiB, None)
    assert second.many_files(3, 16) == (48 * MiB, None)  # 96 MiB between them: not one shared quota
    assert first.many_files(3, 16) == (48 * MiB, None)  # rewriting its files frees what they held


# -- the grader's watch, where no tmpfs holds the folder ------------------------------------

def fill(folder: Path, sizes: list[int]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, size in enumerate(sizes):
        (folder / f"f{i}").write_bytes(b"x" * size)


@pytest.mark.parametrize("sizes, limit, over", [
    ([], MiB, False),
    ([MiB // 2, MiB // 2 - 8192], MiB, False),
    ([MiB // 2, MiB // 2 + 8192], MiB, True),
    ([3 * MiB], 2 * MiB, True),
])
def test_the_watch_counts_the_bytes_a_folder_holds(tmp_path, sizes, limit, over):
    fill(tmp_path / "w", sizes)
    assert quota.over_quota(tmp_path / "w", max_bytes=limit) is over


def test_the_watch_counts_nested_folders_and_files(tmp_path):
    fill(tmp_path / "w" / "a" / "b", [MiB])
    fill(tmp_path / "w" / "c", [MiB])
    assert quota.over_quota(tmp_path / "w", max_bytes=MiB + MiB // 2)
    fill(tmp_path / "v" / "d", [0] * 9)
    assert not quota.over_quota(tmp_path / "v", max_entries=10)  # 9 files and their folder
    fill(tmp_path / "v" / "e", [0])
    assert quota.over_quota(tmp_path / "v", max_entries=10)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a folder whatever its mode")
def test_a_folder_the_watch_may_not_look_into_is_over_the_quota(tmp_path):
    fill(tmp_path / "w" / "hidden", [MiB])
    (tmp_path / "w" / "hidden").chmod(0)
    try:
        assert quota.over_quota(tmp_path / "w", max_bytes=64 * MiB)
    finally:
        (tmp_path / "w" / "hidden").chmod(0o700)


def test_the_watch_counts_blocks_not_the_size_a_sparse_file_claims(tmp_path):
    (tmp_path / "w").mkdir()
    with open(tmp_path / "w" / "sparse", "wb") as handle:
        handle.truncate(1 << 30)
    assert not quota.over_quota(tmp_path / "w", max_bytes=MiB)


def eventually(condition, seconds: float = 5.0) -> bool:
    """Whether condition() holds within `seconds` (the watch is a thread: give it time on a busy machine)."""
    until = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > until:
            return False
        time.sleep(0.01)
    return True


class _Worker:
    def __init__(self, workdir: Path):
        self.workdir, self.over_quota, self.killed = workdir, False, 0

    def kill(self):
        self.killed += 1


def test_the_watch_ends_only_the_worker_over_the_quota_and_stops_when_idle(tmp_path):
    watch = quota.FolderWatch(interval=0.01)
    greedy, modest = _Worker(tmp_path / "greedy"), _Worker(tmp_path / "modest")
    fill(greedy.workdir, [MiB] * (DISK_MB + 1))
    fill(modest.workdir, [MiB])
    watch.watch(greedy)
    watch.watch(modest)
    assert eventually(lambda: greedy.killed)
    time.sleep(0.05)  # a few more looks
    assert greedy.over_quota and not modest.over_quota and not modest.killed
    watch.forget(greedy)
    watch.forget(modest)
    assert eventually(lambda: watch._thread is None)


def test_a_worker_the_watch_ends_fails_its_test_with_the_quota_sentence(fork_server):
    worker = fork_server.start(FAST)
    try:
        fork_server.folders.watch(worker)  # as if no tmpfs held its folder
        worker.unwatch = fork_server.folders.forget
        fill(worker.workdir, [MiB] * (DISK_MB + 1))  # the folder on the grader's side
        assert eventually(lambda: worker.over_quota)
        with pytest.raises(WorkerLost, match=f"more than {DISK_MB} MiB into its folder"):
            worker.exchange(pack({"op": "ping"}, []))
    finally:
        worker.close()
    assert not worker.workdir.exists()


# -- a greedy neighbour in a batch ------------------------------------------------------------

GREEDY_AT_IMPORT = '''
import os as _os
for _i in range(64):  # 1 GiB in 16 MiB files, then one big file
    try:
        with open(f"hog{_i}.bin", "wb") as _f:
            for _ in range(16):
                _f.write(b"x" * (1 << 20))
    except OSError:
        break
try:
    with open("hog.bin", "wb") as _f:
        for _ in range(1024):
            _f.write(b"x" * (1 << 20))
except OSError:
    pass
'''


def test_a_greedy_neighbour_in_a_batch_harms_no_classmate_and_not_the_graders_disk(tmp_path):
    solution = (ROOT / "solutions" / "03_affine" / "layers.py").read_text()
    folder = tmp_path / "subs"
    folder.mkdir()
    honest = [f"honest{i}" for i in range(4)]
    for name in honest:
        (folder / f"{name}.py").write_text(solution)
    (folder / "greedy.py").write_text(solution + GREEDY_AT_IMPORT)
    # The grader's folders, kept to be weighed afterwards; not under tmp_path, which a worker's uid may not enter.
    sandboxes = Path(tempfile.mkdtemp(prefix="autograder-test-"))
    sandboxes.chmod(0o711)
    csv = tmp_path / "grades.csv"
    env = {**os.environ, "AUTOGRADER_COURSE": str(ROOT), "TMPDIR": str(sandboxes), "AUTOGRADER_KEEP_WORKDIRS": "1"}
    try:
        run = subprocess.run([sys.executable, "-m", "autograder", "grade", "--assignment", "03_affine", str(folder),
                              "--jobs", "2", "--gradebook", str(tmp_path / "grades.db"), "--csv", str(csv),
                              "--quiet"], capture_output=True, text=True, timeout=300, env=env)
        used = sum(p.stat().st_blocks * 512 for p in sandboxes.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(sandboxes, ignore_errors=True)
    assert run.returncode == 0, run.stderr[-2000:]
    rows = {line.split(",")[0]: float(line.split(",")[2]) for line in csv.read_text().splitlines()[1:]}
    assert sorted(rows) == sorted(honest + ["greedy"])
    assert {name: rows[name] for name in honest} == {name: 16.0 for name in honest}
    assert used <= (DISK_MB + 16) * MiB  # a tmpfs keeps it all off the disk; a watch, all but one look's worth
