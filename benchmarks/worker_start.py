"""What one worker's walls cost: N workers forked from a warm zygote, each saying hello and answering a ping.

    python -m benchmarks.worker_start [N]

Prints the median, p95 and mean of one round trip (fork, walls, hello, ping, close), in ms,
and the protections the workers reported.
"""

from __future__ import annotations

import statistics
import sys
import time

from autograder import course
from autograder.sandbox.forkserver import ForkServer
from autograder.sandbox.protocol import pack, unpack


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 200
    limits = course.load("03_affine").limits
    times = []
    with ForkServer() as server:
        server.start(limits).close()  # warm-up
        for _ in range(n):
            started = time.perf_counter()
            worker = server.start(limits)
            unpack(worker.exchange(pack({"op": "ping"}, [])))
            worker.close()
            times.append(time.perf_counter() - started)
        protections = server.protections
    times.sort()
    ms = lambda s: f"{s * 1000:.2f} ms"  # noqa: E731
    print(f"{n} workers: median {ms(statistics.median(times))}, p95 {ms(times[int(0.95 * (n - 1))])}, "
          f"mean {ms(statistics.fmean(times))}")
    print("protections: " + ", ".join(protections))
    return 0


if __name__ == "__main__":
    sys.exit(main())
