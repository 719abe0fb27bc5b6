"""The disk quota where no tmpfs holds a worker's folder (no root, or a container without mounts).

One thread of the grader looks at every such folder every INTERVAL seconds and
ends the worker whose folder holds more than DISK_MB MiB (blocks in use, so a
sparse file counts what it occupies) or more than DISK_FILES files and folders.
What this guarantees: a folder never stays above the quota for longer than one
look plus the time to count it, so it holds at most the quota plus what the
worker writes in that time; each file is also capped by the file size limit
(16 MiB), and the folder is removed when the worker is closed. What it does not:
stop the write that crosses the line (the tmpfs does, with ENOSPC).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from .namespaces import DISK_FILES, DISK_MB

INTERVAL = 0.05


def over_quota(folder: Path, max_bytes: int = DISK_MB << 20, max_entries: int = DISK_FILES) -> bool:
    """Whether `folder` holds more than max_bytes or more than max_entries files and folders.

    A folder the grader may not look into (a worker of the grader's own uid can chmod
    its folders to 000) counts as over the quota: an honest worker never hides one.
    """
    used, entries, pending = 0, 0, [str(folder)]
    while pending:
        try:
            with os.scandir(pending.pop()) as listing:
                for entry in listing:
                    entries += 1
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue  # removed meanwhile
                    used += info.st_blocks * 512
                    if entries > max_entries or used > max_bytes:
                        return True
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
        except (FileNotFoundError, NotADirectoryError):
            continue  # removed or replaced meanwhile
        except OSError:
            return True
    return False


class FolderWatch:
    """Watches the folders of workers that have no tmpfs; the thread runs only while there are some."""

    def __init__(self, interval: float = INTERVAL):
        self.interval = interval
        self._watched: dict[object, Path] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def watch(self, worker) -> None:
        """Look at worker.workdir until forget(worker); over the quota: worker.over_quota = True, worker.kill()."""
        with self._lock:
            self._watched[worker] = worker.workdir
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="disk quota", daemon=True)
                self._thread.start()

    def forget(self, worker) -> None:
        with self._lock:
            self._watched.pop(worker, None)

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            with self._lock:
                if not self._watched:
                    self._thread = None
                    return
                watched = list(self._watched.items())
            for worker, folder in watched:
                if over_quota(folder):
                    worker.over_quota = True
                    worker.kill()
