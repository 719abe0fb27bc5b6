"""What the figures were measured on: CPU, cores, memory, versions, date, and real parallelism."""

from __future__ import annotations

import multiprocessing
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def _burn(_=None) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i * i
    return time.perf_counter() - started


def parallel_speedup(workers: int = 2) -> float:
    """How many times more CPU-bound work `workers` processes get done than one (ideal: workers).

    On a machine whose cores are shared with other work, or whose virtual CPUs
    share physical ones, this is well below the core count, and so is any
    speed-up --jobs can give.
    """
    alone = min(_burn() for _ in range(3))
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(_burn, range(workers))  # start-up out of the way
        side_by_side = max(pool.map(_burn, range(workers)))
    return workers * alone / side_by_side


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
