"""docs/benchmarks.md's course sections: the course table, the ratios to a fresh `import numpy`, the hang mix."""

from __future__ import annotations

import statistics

from . import course_mix, native
from .course_figures import Assignment, extrapolated
from .measure import Run

COURSE_SIZE = 1000       # students in the course goal
COURSE_GOAL = 120.0      # seconds for the whole course with --jobs 2
BATCH_GOAL = 0.10        # per submission in a batch, times a fresh `import numpy`
SINGLE_GOAL = 1.5        # one upload alone, times a fresh `import numpy`
PEER_GOAL = 100          # times the peers' throughput on the hang mix


def ms(seconds: float) -> str:
    return f"{1000 * seconds:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def course_total(figures: list[Assignment], students: int = COURSE_SIZE) -> tuple[float, bool]:
    """(seconds for `students` students x every assignment, measured or extrapolated?)."""
    runs = [f.largest for f in figures if f.largest and f.largest.ok]
    measured = all(r.n >= students for r in runs)
    return sum(extrapolated(r, students) if r.n != students else r.wall for r in runs), not measured


def course_goal(figures: list[Assignment], jobs: int) -> list[str]:
    if not figures or not figures[0].largest:
        return []
    n = figures[0].largest.n
    total, guessed = course_total(figures)
    how = (f"**extrapolated** from {n} students per assignment ({n * len(figures):,} submissions measured, "
           f"each assignment's wall per submission x {COURSE_SIZE:,})" if guessed else "measured")
    verdict = "met" if total <= COURSE_GOAL else f"not met: {total / COURSE_GOAL:.1f}x the goal"
    hangs = sum(f.hang_seconds() for f in figures)
    measured = sum(f.largest.wall for f in figures if f.largest.ok)
    return [f"- The course, {COURSE_SIZE:,} students x {len(figures)} assignments with `--jobs {jobs}`: "
            f"**{ms(total)}** ({how}); goal under {COURSE_GOAL:g} s: {verdict}. In the batches measured, the "
            f"endless loops at import took {ms(hangs)} of grading time (both lanes together) of {ms(measured)} wall."]


def course_table(figures: list[Assignment], jobs: int) -> list[str]:
    if not figures or not figures[0].largest:
        return []
    n = figures[0].largest.n
    guessed = n != COURSE_SIZE
    kinds = course_mix.proportions()
    lines = [f"Each assignment of the course graded as one batch of {n} students with `--jobs {jobs}` "
             "(`python -m autograder grade --assignment ID FOLDER --jobs "
             f"{jobs} --gradebook DB`, start included). Of every {len(course_mix.KINDS)} students, "
             + ", ".join(f"{count} {kind}" for kind, count in kinds.items()) +
             " (the proportions of the sample uploads in examples/submissions/: correct work, a rewrite, "
             "a folder and a macOS zip; bugs from tests/mutants/<id>.toml, cycling through every mutant, "
             "and a cheat that patches numpy; a syntax error, the untouched stub and a zip without the file; "
             "an endless loop at import).", ""]
    if guessed:
        lines += [f"**Measured on {n} students per assignment; the column for {COURSE_SIZE:,} students is an "
                  f"extrapolation** (wall per submission x {COURSE_SIZE:,}, start-up included, so it errs high). "
                  f"`make bench` (or `python -m benchmarks --course {COURSE_SIZE}`) measures the full size.", ""]
    head = f"wall for {COURSE_SIZE:,} students" + (" (extrapolated)" if guessed else "")
    lines += [_row(["assignment", "hidden tests", "students", "wall", "wall / submission", "median latency",
                    "endless loops (grading time)", head]),
              _row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"])]
    for f in figures:
        run = f.largest
        if not run.ok:
            lines.append(_row([f.id, f.tests, run.n, f"not run: {run.unavailable[:200]}", "", "", "", ""]))
            continue
        lines.append(_row([f.id, f.tests, run.n, ms(run.wall), ms(run.per_submission), ms(run.median),
                           ms(f.hang_seconds()), ms(extrapolated(run, COURSE_SIZE))]))
    total, _ = course_total(figures)
    ok = [f.largest for f in figures if f.largest.ok]
    lines.append(_row(["**the course**", "", sum(r.n for r in ok), ms(sum(r.wall for r in ok)), "", "",
                       ms(sum(f.hang_seconds() for f in figures)), f"**{ms(total)}**"]))
    return lines


def scaling_table(figures: list[Assignment]) -> list[str]:
    sizes = sorted({r.n for f in figures for r in f.mix})
    lines = [_row(["assignment", *(f"{n:,} students: wall / submission" for n in sizes)]),
             _row(["---", *("---:" for _ in sizes)])]
    for f in figures:
        by_size = {r.n: r for r in f.mix}
        lines.append(_row([f.id, *(ms(by_size[n].per_submission) if n in by_size and by_size[n].ok else "—"
                                   for n in sizes)]))
    return lines


def ratio_tables(figures: list[Assignment], numpy_seconds: float) -> list[str]:
    lines = [f"A fresh `python -c \"import numpy\"` took **{ms(numpy_seconds)}** (median) in this run.", "",
             "Per submission in a batch: copies of the solution (every test runs to the end) in one "
             "`grade --jobs` batch, wall / submission with the start included. One upload alone: the whole "
             "`python -m autograder grade --assignment ID layers.py --out results.json` process on the solution "
             "(what Gradescope runs per upload), median of its runs.", "",
             _row(["assignment", "solutions in the batch", "per submission in a batch", "x fresh numpy",
                   f"goal ≤ {BATCH_GOAL:g}x", "one upload alone", "x fresh numpy", f"goal ≤ {SINGLE_GOAL:g}x"]),
             _row(["---", "---:", "---:", "---:", "---", "---:", "---:", "---"])]
    for f in figures:
        batch = f.solutions
        cells = [f.id]
        if batch is not None and batch.ok:
            ratio = batch.per_submission / numpy_seconds
            cells += [batch.n, ms(batch.per_submission), f"{ratio:.2f}x",
                      "met" if ratio <= BATCH_GOAL else f"not met ({ratio / BATCH_GOAL:.1f}x the goal)"]
        else:
            cells += [batch.n if batch else 0, "not run", "", ""]
        if f.single:
            single = statistics.median(f.single)
            ratio = single / numpy_seconds
            cells += [ms(single), f"{ratio:.2f}x",
                      "met" if ratio <= SINGLE_GOAL else f"not met ({ratio / SINGLE_GOAL:.1f}x the goal)"]
        else:
            cells += ["not run", "", ""]
        lines.append(_row(cells))
    return lines


def ratio_goals(figures: list[Assignment], numpy_seconds: float) -> list[str]:
    batches = [(f.id, f.solutions.per_submission / numpy_seconds) for f in figures if f.solutions and f.solutions.ok]
    singles = [(f.id, statistics.median(f.single) / numpy_seconds) for f in figures if f.single]
    lines = []
    if batches:
        worst = max(batches, key=lambda x: x[1])
        met = sum(r <= BATCH_GOAL for _, r in batches)
        lines.append(f"- Per submission in a batch, against a fresh `import numpy` ({ms(numpy_seconds)}): "
                     f"goal at most {BATCH_GOAL:g}x for every assignment: met by {met} of {len(batches)}; "
                     f"the worst is {worst[0]} at **{worst[1]:.2f}x**.")
    if singles:
        worst = max(singles, key=lambda x: x[1])
        met = sum(r <= SINGLE_GOAL for _, r in singles)
        lines.append(f"- One upload alone (`grade FILE --out results.json`, the whole process): goal within "
                     f"{SINGLE_GOAL:g}x a fresh `import numpy`: met by {met} of {len(singles)}; the worst is "
                     f"{worst[0]} at **{worst[1]:.2f}x**.")
    return lines


def checks(run: Run, tests: int) -> str:
    if run.tool.startswith("ours"):
        return f"{tests} hidden tests"
    if run.tool.endswith(", its own tests"):
        return f"{native.CHECKS['cells']} test cells, {native.CHECKS['asserts']} assertions"
    return f"{tests} hidden tests (this engine, in the notebook)"


def hang_mix_table(runs: list[Run], tests: int) -> list[str]:
    ours = next((r for r in runs if r.ok and r.tool.startswith("ours")), None)
    lines = [_row(["tool", "checks per submission", "wall", "wall / submission", "throughput",
                   "ours, times its throughput", "the endless loop in forward", "the nine others"]),
             _row(["---", "---", "---:", "---:", "---:", "---:", "---:", "---:"])]
    for run in runs:
        if not run.ok:
            lines.append(_row([run.tool, checks(run, tests), f"not run: {run.unavailable[:200]}", "", "", "", "",
                               ""]))
            continue
        loop = run.by_name.get("endless_loop_in_forward")
        others = sum(s for name, s in run.by_name.items() if name != "endless_loop_in_forward")
        factor = "" if run is ours or ours is None else f"**{ours.throughput / run.throughput:,.1f}x**"
        lines.append(_row([run.tool + (f" ({run.note})" if run.note else ""), checks(run, tests), ms(run.wall),
                           ms(run.per_submission), f"{run.throughput:,.3f}/s", factor,
                           ms(loop) if loop is not None else "—", ms(others) if run.by_name else "—"]))
    return lines


def hang_mix_goals(runs: list[Run]) -> list[str]:
    ours = next((r for r in runs if r.ok and r.tool.startswith("ours")), None)
    lines = []
    for peer in runs:
        if peer.tool.startswith("ours"):
            continue
        if not peer.ok or ours is None:
            why = peer.unavailable or "ours did not run"
            lines.append(f"- The hang mix, against {peer.tool}: not measured ({why}).")
            continue
        factor = ours.throughput / peer.throughput
        verdict = "met" if factor >= PEER_GOAL else f"not met ({PEER_GOAL / factor:.1f}x short)"
        lines.append(f"- The hang mix, against {peer.tool}: **{factor:,.1f}x** the throughput "
                     f"({ms(ours.wall)} against {ms(peer.wall)} for the ten); goal at least {PEER_GOAL}x: {verdict}.")
    return lines


def scores(runs: list[Run], names: list[str]) -> list[str]:
    shown = [r for r in runs if r.ok and r.scores]
    lines = [_row(["submission", *(r.tool for r in shown)]), _row(["---", *("---:" for _ in shown)])]
    for name in names:
        lines.append(_row([name, *(f"{r.scores[name]:g}" if name in r.scores else "—" for r in shown)]))
    return lines


def profile_table(figures: list[Assignment]) -> list[str]:
    """Where one correct submission's time goes, and what one upload alone adds around it."""
    lines = ["One correct submission (the solution) graded by `grade()` with a warm fork server, median of its "
             "runs in the benchmark's own process: a worker's start (fork from the zygote, walls, hello), "
             "the hidden tests' own work (the same tests run in-process on the solution: no sandbox, no round "
             "trips), and the rest: the round trips between grader and worker, the sandbox, the reference's "
             "calls answered by the grader. One upload alone adds the process around it: the interpreter, "
             "the imports, the fork server's start, writing results.json.", "",
             _row(["assignment", "one correct, warm", "worker start", "tests in-process", "the rest (round trips)",
                   "one upload alone", "the process around it"]),
             _row(["---", "---:", "---:", "---:", "---:", "---:", "---:"])]
    for f in figures:
        if f.floor is None:
            continue
        fl = f.floor
        rest = fl.graded - fl.warm_worker - fl.arithmetic
        single = statistics.median(f.single) if f.single else float("nan")
        lines.append(_row([f.id, ms(fl.graded), ms(fl.warm_worker), ms(fl.arithmetic), ms(rest),
                           ms(single) if f.single else "—", ms(single - fl.graded) if f.single else "—"]))
    return lines
