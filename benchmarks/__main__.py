"""Grading latency, throughput and memory, ours against the peers, and a whole course.

    python -m benchmarks [--quick] [--out docs/benchmarks.md] [--course N] [--jobs 1,2]
                         [--no-peers] [--assignment 03_affine]

Measures, on this machine, with the sandbox on:
  - the course: every assignment of the course, N students each (a mix of correct, buggy,
    crashing and hanging uploads), one `grade --jobs 2` batch per assignment and size
    (10, 100, N): wall per assignment and in total, and the cost per submission as the batch
    grows. N is --course, or the environment's BENCH_COURSE_STUDENTS, else 1,000; below
    1,000 the 1,000-student figures are extrapolations, labelled so;
  - against a fresh `python -c "import numpy"`: a submission in a batch of solutions, and one
    upload graded alone (`grade FILE --out results.json`, the whole process), every assignment;
  - the hang mix: the peers' ten Affine submissions (one loops in forward) graded by us, and by
    nbgrader autograde and otter run with their own hidden tests written in their formats
    (native.py), the checks each runs per submission beside its time;
  - the floor; the ten sample submissions and the same without the hang, graded by us and by
    the peers running this engine in their notebooks (the course's nbgrader and otter exports);
    a peer whose environment is missing gets a row saying why;
and writes docs/benchmarks.md (and docs/benchmarks-scaling.png when matplotlib is installed).
--quick is a smoke run: tiny batches, no peers, no hang, figures not meaningful.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shlex
import signal
import sys
import tempfile
from pathlib import Path

import numpy as np

from autograder import course

from . import course_figures, course_mix, machine, native, ours, peers, report, report_course, workload
from .measure import Run

BATCH_LIMIT = 1800.0  # seconds for one of our batches: far beyond 1,000 submissions here
STEADY_COPIES = 3     # the batch without a hang: each non-hanging sample this many times
COURSE_JOBS = 2       # the course figures' --jobs
COPIES = 60           # solutions per batch in the per-submission figure


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="03_affine")
    parser.add_argument("--course", type=int, default=int(os.environ.get("BENCH_COURSE_STUDENTS", "1000")),
                        help="students per assignment in the course figure (default: $BENCH_COURSE_STUDENTS or "
                             "1000); below 1000 the 1,000-student figures are extrapolated")
    parser.add_argument("--assignments", type=lambda t: [x.strip() for x in t.split(",") if x.strip()],
                        help="the course figures for these assignments only (default: every assignment)")
    parser.add_argument("--copies", type=int, default=COPIES, help="solutions per batch, per-submission figure")
    parser.add_argument("--jobs", type=_ints, default=[1, 2], help="--jobs values to measure")
    parser.add_argument("--repeat", type=int, default=30, help="repetitions of the single-submission figures")
    parser.add_argument("--out", type=Path, help="the report (default: docs/benchmarks.md in the course)")
    parser.add_argument("--no-peers", action="store_true", help="leave nbgrader and otter-grader out")
    parser.add_argument("--no-engine-peers", action="store_true",
                        help="leave out the peers running this engine (the samples and the batch without a hang); "
                             "the hang mix still compares with the peers' own tests")
    parser.add_argument("--steady-copies", type=int, default=STEADY_COPIES,
                        help="copies of each non-hanging sample in the batch without a hang")
    parser.add_argument("--single-repeat", type=int, default=5, help="runs of each one-upload-alone figure")
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny batches, no peers")
    args = parser.parse_args(argv)
    # A stopped benchmark stops what it runs: run_limited kills its command's process group on the way out
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.quick:
        args.course, args.copies, args.repeat, args.no_peers = 3, 2, 3, True
    root = course.find_root()
    compile_kit(root)
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

    numpy_seconds = course_figures.fresh_numpy(3 if args.quick else 15)
    say(f"a fresh `python -c 'import numpy'`: {report.ms(numpy_seconds)}")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        tmp = Path(tmp)
        ids = args.assignments or course_mix.assignments()
        figures = course_figures.grade_course(ids, course_figures.sizes_up_to(args.course), COURSE_JOBS, tmp, say)
        course_figures.per_submission(figures, args.copies, COURSE_JOBS, tmp, say)
        course_figures.single_upload(figures, 1 if args.quick else args.single_repeat, say)
        course_figures.profile(figures, 3 if args.quick else 7, say)

        mix = native.hang_mix()
        if args.quick:  # the loop costs its time limits per run: not in a smoke run
            mix = {n: code for n, code in mix.items() if "loop" not in n}
        hang_runs = compare(args, root, "hang mix", mix, tmp / "hang-mix", jobs=[COURSE_JOBS], native_peers=True,
                            assignment_id=native.ASSIGNMENT)  # the peers' mix is for Affine

        sources = workload.sample_sources(args.assignment)
        if args.quick:  # the hang costs its time limit per run: not in a smoke run
            sources = {n: code for n, code in sources.items() if n not in workload.HANGS}
        names = sorted(sources)
        samples = compare(args, root, "samples", sources, tmp / "samples", engine_peers=True)
        steady = workload.without_hangs(sources, 1 if args.quick else args.steady_copies)
        steady_runs = compare(args, root, "no hang", steady, tmp / "steady", engine_peers=True)

    facts["load average at end"] = machine.load_average()
    plotted = report.plot([r for f in figures for r in f.mix], plot_path)
    command = "make bench    # or: " + " ".join(["python -m benchmarks", *map(shlex.quote, sys.argv[1:] if argv
                                                                                   is None else argv)])
    course_lines = report.course_sections(figures, numpy_seconds, hang_runs, sorted(mix),
                                          len(course.load(native.ASSIGNMENT).tests), COURSE_JOBS)
    goals = (report_course.course_goal(figures, COURSE_JOBS) + report_course.ratio_goals(figures, numpy_seconds)
             + report_course.hang_mix_goals(hang_runs))
    report.write(out, machine=facts, floor=floor, samples=samples, sample_names=names, steady=steady_runs,
                 course_goals=goals, course_lines=course_lines,
                 plot_name=plot_path.name if plotted else None, command=command.strip(), quick=args.quick,
                 limits=assignment.limits)
    say(f"wrote {out}" + (f" and {plot_path}" if plotted else " (no plot: matplotlib is not installed)"))
    return 0


def compile_kit(root: Path) -> None:
    """Compile the engine's and the course's bytecode before anything is timed, as pip does for an installed
    package and Gradescope's setup.sh for the bundle. An editable checkout has none of its own where
    PYTHONDONTWRITEBYTECODE is set, and every process measured would compile the engine again (about 0.2 s)."""
    engine = Path(course.__file__).resolve().parent
    for folder in (engine, root / "solutions", root / "assignments"):
        compileall.compile_dir(folder, quiet=1)


def compare(args, root: Path, label: str, sources: dict[str, str], folder: Path, jobs: list[int] | None = None,
            native_peers: bool = False, engine_peers: bool = False, assignment_id: str | None = None) -> list[Run]:
    """The same submissions (name -> student file's source) graded by us with each --jobs, then by each peer
    (running this engine in its notebooks, or with native_peers its own hidden tests)."""
    assignment_id = assignment_id or args.assignment
    folder.mkdir(parents=True)
    for name, code in sources.items():
        (folder / f"{name}.py").write_text(code, encoding="utf-8")
    runs = []
    for lanes in jobs or args.jobs:  # ours runs in about a second, so a passing hiccup could decide it: median of three
        tries = [ours.batch(assignment_id, folder, lanes, label, len(sources), BATCH_LIMIT)
                 for _ in range(1 if args.quick else 3)]
        runs.append(sorted(tries, key=lambda r: r.wall)[len(tries) // 2])
        say(line(runs[-1]))
    for peer in peers.PEERS:
        run = peer(assignment_id, sources, folder.with_name(folder.name + "-peers"), root,
                   skip=("skipped (--no-peers or --quick)" if args.no_peers else
                         "skipped (--no-engine-peers)" if engine_peers and args.no_engine_peers else ""),
                   native=native_peers)
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
