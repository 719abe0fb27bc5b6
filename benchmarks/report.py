"""docs/benchmarks.md from the measured runs, and the scaling plot (when matplotlib is installed)."""

from __future__ import annotations

import math
from pathlib import Path

from autograder.assign.nbgrader import CELL_TIMEOUT
from autograder.course import Limits

from . import native, report_course
from .course_figures import Assignment
from .measure import Run
from .ours import Floor
from .peers import OTTER_LIMIT


def ms(seconds: float) -> str:
    if seconds is None or math.isnan(seconds):
        return "—"
    return f"{1000 * seconds:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def runs_table(runs: list[Run]) -> list[str]:
    lines = [_row(["tool", "submissions", "latency median", "latency p95", "throughput", "wall",
                   "wall / submission", "memory: largest process", "memory: all processes"]),
             _row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"])]
    for run in runs:
        if not run.ok:
            lines.append(_row([run.tool, run.n, f"not run: {run.unavailable}", "", "", "", "", "", ""]))
            continue
        lines.append(_row([run.tool + (f" ({run.note})" if run.note else ""), run.n, ms(run.median), ms(run.p95),
                           f"{run.throughput:,.2f}/s", ms(run.wall), ms(run.per_submission),
                           f"{run.peak_rss_mb:,.0f} MB",
                           f"{run.peak_tree_mb:,.0f} MB" if run.peak_tree_mb else "—"]))
    return lines


def scores_table(runs: list[Run], names: list[str]) -> list[str]:
    shown = [r for r in runs if r.ok and r.scores]
    lines = [_row(["submission", *(r.tool for r in shown)]), _row(["---", *("---:" for _ in shown)])]
    for name in names:
        lines.append(_row([name, *(f"{r.scores[name]:g}" if name in r.scores else "—" for r in shown)]))
    return lines


def _throughput(runs: list[Run], what: str) -> list[str]:
    ours = [r for r in runs if r.ok and r.tool.startswith("ours")]
    best = max(ours, key=lambda r: r.throughput) if ours else None
    lines = []
    for peer in (r for r in runs if not r.tool.startswith("ours")):
        if not peer.ok or best is None:
            lines.append(f"- {what}, against {peer.tool}: not measured "
                         f"({peer.unavailable or 'ours did not run'}).")
            continue
        factor = best.throughput / peer.throughput
        verdict = "met" if factor >= 50 else "not met"
        lines.append(f"- {what}, against {peer.tool}: **{factor:,.0f}x** the throughput ({best.tool}, "
                     f"{best.throughput:,.2f}/s against {peer.throughput:,.3f}/s; goal at least 50x: {verdict}); "
                     f"median latency {ms(best.median)} against {ms(peer.median)} ({peer.median / best.median:,.0f}x).")
    return lines


def goals(samples: list[Run], steady: list[Run], floor: Floor, limits: Limits) -> list[str]:
    lines = _throughput(samples, "The ten samples, the hang included")
    lines.append(f"  On this workload every tool spends its time limit on the endless loop: ours "
                 f"{limits.import_seconds:g} s (the manifest's limit on an import, where the loop is), "
                 f"nbgrader the exported course's {CELL_TIMEOUT:g} s cell timeout, "
                 f"otter-grader the benchmark's {OTTER_LIMIT:g} s (it has none of its own). The ratio compares "
                 "those limits more than speed.")
    lines += _throughput(steady, f"{steady[0].n if steady else 0} submissions without a hang")
    verdict = "met" if floor.ratio <= 3 else "not met"
    lines.append(f"- Latency of one correct submission, sandbox on: {ms(floor.graded)} against a floor of "
                 f"{ms(floor.baseline)} (a warm worker's start, {ms(floor.warm_worker)}, plus the hidden tests "
                 f"run in-process on the solution, {ms(floor.arithmetic)}): **{floor.ratio:.1f}x**; goal within "
                 f"3x: {verdict}.")
    return lines


def plot(runs: list[Run], path: Path) -> bool:
    """Cost per submission against batch size, one line per assignment; False when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, axis = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    for number, tool in enumerate(sorted({r.tool for r in runs})):
        mine = sorted((r for r in runs if r.tool == tool and r.ok), key=lambda r: r.n)
        axis.plot([r.n for r in mine], [1000 * r.per_submission for r in mine], marker="o", color=f"C{number}",
                  label=tool)
    axis.set_xscale("log")
    axis.set_ylim(bottom=0)
    axis.set_xlabel("students in the batch")
    axis.set_ylabel("wall ms per submission")
    axis.set_title("Cost per submission against batch size (the course mix, start included)")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return True


def course_sections(figures: list[Assignment], numpy_seconds: float, hang_runs: list[Run], mix_names: list[str],
                    tests: int, jobs: int) -> list[str]:
    """The course, the batch-size sweep, the ratios to a fresh `import numpy` and the hang mix, as markdown."""
    lines = ["", "## The course", ""] + report_course.course_table(figures, jobs)
    lines += ["", "## Cost per submission as the batch grows", "",
              "The same mix at each batch size, one `grade` process per batch (start included): flat means "
              "a batch costs its size times a constant, start-up aside.", ""]
    lines += report_course.scaling_table(figures)
    lines += ["", "## Against a fresh `import numpy`", ""] + report_course.ratio_tables(figures, numpy_seconds)
    lines += ["", "## Where the time goes", ""] + report_course.profile_table(figures)
    lines += ["", "## The hang mix: the peers as instructors use them", "",
              "The peers' own ten submissions for Affine (03_affine): five correct, two with a wrong backward, "
              "a syntax error, an endless loop in `forward` and a cheat (a wrong backward that replaces "
              "`np.allclose`). Ours: one `grade --jobs 2` batch, the median of three runs. The peers grade the "
              "same code with hidden tests written the way their documentation shows, not with this engine "
              f"(benchmarks/native.py): a public test cell (forward's shape, {native.CHECKS['points'] - 4} point) "
              "and a hidden one (dx, dW and db against a central-difference table, 4 points): nbgrader with "
              "`### BEGIN HIDDEN TESTS` in a locked test cell and its default 30 s cell timeout, one "
              "`nbgrader autograde` for the batch; otter with an Otter Assign master whose second test cell "
              f"is `# HIDDEN`, one `otter run` per submission (its batches need Docker), killed at {OTTER_LIMIT:g} s "
              "as it has no limit of its own. Each tool's checks per submission stand beside its time: ours "
              f"runs {tests} hidden tests where the peers run {native.CHECKS['asserts']} assertions.", ""]
    lines += report_course.hang_mix_table(hang_runs, tests)
    lines += ["", f"Scores (ours out of 16, the peers' out of {native.CHECKS['points']}):", ""]
    lines += report_course.scores(hang_runs, mix_names)
    return lines


def load_note(machine: dict) -> list[str]:
    """A warning above the figures when other work shared the machine (load average above its cores)."""
    cores = int(machine.get("cores") or 1)
    loads = [machine.get("load average at start (1, 5, 15 min)", ""), machine.get("load average at end", "")]
    try:
        highest = max(float(text.split()[0]) for text in loads if text and text != "unknown")
    except ValueError:
        return []
    if highest <= cores:
        return []
    return [f"**The machine was shared while this ran: a load average up to {highest:.1f} on {cores} cores "
            "(see Machine). Absolute times are inflated, several times over where the load was highest; the "
            "ratios measured in the same run (ours against a fresh `import numpy`, against the peers) suffer "
            "less, as every side paid the same load, but are noisy.**", ""]


def write(path: Path, *, machine: dict, floor: Floor, samples: list[Run], sample_names: list[str],
          steady: list[Run], course_goals: list[str], course_lines: list[str], plot_name: str | None,
          command: str, quick: bool, limits: Limits) -> None:
    lines = ["# Benchmarks", "",
             "Generated by `make bench` (`python -m benchmarks`); do not edit by hand: rerun it.", ""]
    if quick:
        lines += ["**Smoke run (`--quick`): tiny batches, figures not meaningful.**", ""]
    lines += load_note(machine)
    lines += ["## Machine", "", _row(["", ""]), _row(["---", "---"])]
    lines += [_row([key, value]) for key, value in machine.items()]
    lines += ["", "## Goals", ""] + course_goals + goals(samples, steady, floor, limits)
    lines += course_lines
    if plot_name:
        lines += ["", f"![cost per submission against batch size]({plot_name})"]
    lines += ["", "## The ten sample submissions, graded by each tool running this engine", "",
              "The samples of examples/submissions/03_affine: three correct (the solution, a rewrite with `@`, "
              "a folder upload), three realistic bugs, a cheat that patches numpy, a syntax error, the "
              "untouched stub and an endless loop at import. Latency is the time one submission took inside "
              "the run; wall includes each tool's start-up. The peers grade the notebooks this course exports "
              "(`python -m autograder nbgrader`, `python -m autograder otter`), with the student's code in the "
              "notebook's code cell. Their autograded cells run this same engine on that code, once per notebook "
              "(a fresh interpreter and the sandbox), so the gap is what each tool adds around the same checks: "
              "a Jupyter kernel, executing the notebook, its own bookkeeping. nbgrader runs one `autograde` for "
              "the batch (a submission's latency: the time between consecutive autograded notebooks appearing); "
              f"otter-grader one `otter run` per submission (its batches need Docker), killed at {OTTER_LIMIT:g} "
              "s. Our rows are the median of three runs (each takes seconds); each peer ran once (minutes). Memory: the peak "
              "resident set of the largest single process, and the peak of all the run's processes together "
              "(their proportional set sizes summed, sampled every 0.1 s, so that pages forked processes share "
              "count once; a Jupyter kernel is one of nbgrader's and otter-grader's processes).", ""]
    lines += runs_table(samples)
    lines += ["", "Scores (out of 16):", ""] + scores_table(samples, sample_names)
    lines += ["", f"## {steady[0].n if steady else 0} submissions without a hang, graded by each tool", "",
              "The nine samples that do not hang, each three times: what each tool costs when no time limit "
              f"decides the wall time (a hang costs ours its import limit, {limits.import_seconds:g} s, or in a "
              f"call the floor, {limits.call_seconds_floor:g} s of CPU time, nbgrader its cell timeout, "
              f"otter-grader the benchmark's {OTTER_LIMIT:g} s).", ""]
    lines += runs_table(steady)
    lines += ["", "## The floor", "", _row(["what", "median"]), _row(["---", "---:"]),
              _row(["fresh `python -c 'import numpy'` (what a naive grader pays per submission)",
                    ms(floor.fresh_python)]),
              _row(["warm worker: fork from the zygote, walls, hello", ms(floor.warm_worker)]),
              _row([f"the {floor.tests} hidden tests in-process on the solution (no sandbox, no IPC)",
                    ms(floor.arithmetic)]),
              _row(["floor: warm worker + in-process tests", ms(floor.baseline)]),
              _row(["grade one correct submission, warm fork server (sandbox on)",
                    f"{ms(floor.graded)} (p95 {ms(floor.graded_p95)})"]),
              _row(["grade one, a fresh interpreter per worker (`AUTOGRADER_SANDBOX=spawn`)", ms(floor.spawned)])]
    lines += ["", "## How to reproduce", "", "```sh", command, "```", "",
              "`make bench` makes `.venv`, `.venv-nbgrader` (`make venv-nbgrader`) and `.venv-otter` "
              "(`make venv-otter`) if needed and runs `python -m benchmarks`, which writes this file and the "
              "plot beside it. A peer whose environment is missing (it could not install) gets a row saying "
              "why instead of figures; `--no-peers` leaves both out. The course has 1,000 students unless "
              "`--course N` or `BENCH_COURSE_STUDENTS=N` says otherwise (below 1,000 the 1,000-student figures "
              "are extrapolated, and say so); `--assignments 01_computational_graph,03_affine` limits it to "
              "some assignments. `python -m benchmarks --quick` is a smoke run of a minute or two. Every batch runs as its own process under a wall-clock limit; a tool still running "
              "at its limit is killed with its process groups (a notebook kernel included).", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
