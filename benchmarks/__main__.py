"""Grading latency, throughput and memory, ours against the peers, and how it scales.

    python -m benchmarks [--quick] [--out docs/benchmarks.md] [--sizes 10,100,1000] [--jobs 1,2]
                         [--no-peers] [--assignment 03_affine]

Measures, on this machine, with the sandbox on:
  - the floor: a warm worker's start plus the hidden tests run in-process on the solution,
    against grading one correct submission (goal: within 3x);
  - the ten sample submissions (correct, buggy, crashing, hanging) graded by our batch grader
    with --jobs 1 and 2, by nbgrader autograde and by otter-grader (goal: at least 50x their
    throughput); a peer whose environment is missing gets a row saying why;
  - 10, 100 and 1,000 submissions with --jobs 1 and 2: the cost per submission stays flat;
and writes docs/benchmarks.md (and docs/benchmarks-scaling.png when matplotlib is installed).
--quick is a smoke run of a few seconds: tiny batches, no peers, figures not meaningful.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import tempfile
from pathlib import Path

import numpy as np

from autograder import course

from . import machine, ours, peers, report, workload
from .measure import Run

BATCH_LIMIT = 1800.0  # seconds for one of our batches: far beyond 1,000 submissions here
STEADY_COPIES = 3     # the batch without a hang: each non-hanging sample this many times
SMALL = 100           # batches up to this size run three times; the report shows the median run


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="03_affine")
    parser.add_argument("--sizes", type=_ints, default=[10, 100, 1000], help="scaling batch sizes")
    parser.add_argument("--jobs", type=_ints, default=[1, 2], help="--jobs values to measure")
    parser.add_argument("--repeat", type=int, default=30, help="repetitions of the single-submission figures")
    parser.add_argument("--out", type=Path, help="the report (default: docs/benchmarks.md in the course)")
    parser.add_argument("--no-peers", action="store_true", help="leave nbgrader and otter-grader out")
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny batches, no peers")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeat, args.no_peers = [4], 3, True
    root = course.find_root()
    out = args.out or root / "docs" / "benchmarks.md"
    plot_path = out.with_name(out.stem + "-scaling.png")
    assignment = course.load(args.assignment)

    say(f"{args.assignment}: {len(assignment.tests)} hidden tests; measuring the machine")
    facts = {
        "CPU": machine.cpu_model(),
        "cores": str(os.cpu_count()),
        "parallel speed-up of 2 CPU-bound processes": f"{machine.parallel_speedup():.2f}x (ideal 2x)",
        "RAM": f"{machine.memory_gib():.1f} GiB",
        "load average at start (1, 5, 15 min)": machine.load_average(),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "numpy": np.__version__,
        "nbgrader": peers.version("nbgrader", root),
        "otter-grader": peers.version("otter", root),
        "date": machine.now(),
    }

    floor = ours.floor(args.assignment, args.repeat)
    say(f"floor {report.ms(floor.baseline)} (worker {report.ms(floor.warm_worker)} + tests "
        f"{report.ms(floor.arithmetic)}); one correct submission {report.ms(floor.graded)} = {floor.ratio:.1f}x")

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        tmp = Path(tmp)
        sources = workload.sample_sources(args.assignment)
        if args.quick:  # the hang costs its time limit per run: not in a smoke run
            sources = {n: code for n, code in sources.items() if n not in workload.HANGS}
        names = sorted(sources)
        samples = compare(args, root, "samples", sources, tmp / "samples")
        steady = workload.without_hangs(sources, 1 if args.quick else STEADY_COPIES)
        steady_runs = compare(args, root, "no hang", steady, tmp / "steady")

        scaling: list[Run] = []
        for n in args.sizes:
            folder = tmp / f"scaling-{n}"
            workload.scaling(args.assignment, folder, n)
            for jobs in args.jobs:
                tries = [ours.batch(args.assignment, folder, jobs, "scaling", n, BATCH_LIMIT)
                         for _ in range(1 if args.quick or n > SMALL else 3)]
                scaling.append(sorted(tries, key=lambda r: r.wall)[len(tries) // 2])  # the median run
                say(line(scaling[-1]))

    facts["load average at end"] = machine.load_average()
    plotted = report.plot(scaling, plot_path)
    command = "make bench    # or: " + " ".join(["python -m benchmarks", *map(shlex.quote, sys.argv[1:] if argv
                                                                                   is None else argv)])
    report.write(out, machine=facts, floor=floor, samples=samples, sample_names=names, steady=steady_runs,
                 scaling=scaling,
                 plot_name=plot_path.name if plotted else None, command=command.strip(), quick=args.quick,
                 limits=assignment.limits)
    say(f"wrote {out}" + (f" and {plot_path}" if plotted else " (no plot: matplotlib is not installed)"))
    return 0


def compare(args, root: Path, label: str, sources: dict[str, str], folder: Path) -> list[Run]:
    """The same submissions (name -> student file's source) graded by us with each --jobs, then by each peer."""
    folder.mkdir(parents=True)
    for name, code in sources.items():
        (folder / f"{name}.py").write_text(code, encoding="utf-8")
    runs = []
    for jobs in args.jobs:  # ours runs in about a second, so a passing hiccup could decide it: median of three
        tries = [ours.batch(args.assignment, folder, jobs, label, len(sources), BATCH_LIMIT)
                 for _ in range(1 if args.quick else 3)]
        runs.append(sorted(tries, key=lambda r: r.wall)[len(tries) // 2])
        say(line(runs[-1]))
    for peer in peers.PEERS:
        run = peer(args.assignment, sources, folder.with_name(folder.name + "-peers"), root,
                   skip="skipped (--no-peers or --quick)" if args.no_peers else "")
        run.workload = label
        runs.append(run)
        say(line(run))
    return runs


def line(run: Run) -> str:
    if not run.ok:
        return f"{run.tool:22s} {run.workload:8s} n={run.n:<5d} not run: {run.unavailable}"
    return (f"{run.tool:22s} {run.workload:8s} n={run.n:<5d} median {report.ms(run.median):>10s}  "
            f"p95 {report.ms(run.p95):>10s}  {run.throughput:8.2f}/s  wall {report.ms(run.wall):>10s}  "
            f"memory {run.peak_rss_mb:4.0f} MB largest, {run.peak_tree_mb:4.0f} MB all")


def say(text: str) -> None:
    print(text, flush=True)


if __name__ == "__main__":
    sys.exit(main())
