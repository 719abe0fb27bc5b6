"""docs/benchmarks.md from the measured runs, and the scaling plot (when matplotlib is installed)."""

from __future__ import annotations

import math
from pathlib import Path

from .measure import Run
from .ours import Floor


def ms(seconds: float) -> str:
    if seconds is None or math.isnan(seconds):
        return "—"
    return f"{1000 * seconds:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def runs_table(runs: list[Run]) -> list[str]:
    lines = [_row(["tool", "submissions", "latency median", "latency p95", "throughput", "wall",
                   "wall / submission", "peak RSS"]),
             _row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"])]
    for run in runs:
        if not run.ok:
            lines.append(_row([run.tool, run.n, f"not run: {run.unavailable}", "", "", "", "", ""]))
            continue
        lines.append(_row([run.tool + (f" ({run.note})" if run.note else ""), run.n, ms(run.median), ms(run.p95),
                           f"{run.throughput:,.2f}/s", ms(run.wall), ms(run.per_submission),
                           f"{run.peak_rss_mb:,.0f} MB"]))
    return lines


def scores_table(runs: list[Run], names: list[str]) -> list[str]:
    shown = [r for r in runs if r.ok and r.scores]
    lines = [_row(["submission", *(r.tool for r in shown)]), _row(["---", *("---:" for _ in shown)])]
    for name in names:
        lines.append(_row([name, *(f"{r.scores[name]:g}" if name in r.scores else "—" for r in shown)]))
    return lines


def goals(samples: list[Run], floor: Floor) -> list[str]:
    ours = [r for r in samples if r.ok and r.tool.startswith("ours")]
    peers = [r for r in samples if not r.tool.startswith("ours")]
    lines = []
    best = max(ours, key=lambda r: r.throughput) if ours else None
    for peer in peers:
        if not peer.ok or best is None:
            lines.append(f"- Throughput against {peer.tool}: not measured ({peer.unavailable or 'ours did not run'}).")
            continue
        factor = best.throughput / peer.throughput
        verdict = "met" if factor >= 50 else "not met"
        lines.append(f"- Throughput against {peer.tool}: {factor:,.0f}x ({best.tool}, {best.throughput:,.2f}/s "
                     f"against {peer.throughput:,.3f}/s); goal at least 50x: **{verdict}**. Median latency "
                     f"of one submission: {ms(best.median)} against {ms(peer.median)} "
                     f"({peer.median / best.median:,.0f}x).")
        lines.append("  " + _without_hangs(best, peer))
    verdict = "met" if floor.ratio <= 3 else "not met"
    lines.append(f"- Latency of one correct submission, sandbox on: {ms(floor.graded)} against a floor of "
                 f"{ms(floor.baseline)} (a warm worker's start, {ms(floor.warm_worker)}, plus the hidden tests "
                 f"run in-process on the solution, {ms(floor.arithmetic)}): {floor.ratio:.1f}x; goal within 3x: "
                 f"**{verdict}**.")
    return lines


def _without_hangs(ours: Run, peer: Run) -> str:
    """The same comparison over the submissions that do not hang, from per-submission latencies.

    A hang costs each tool its own time limit (ours: the manifest's call_seconds;
    nbgrader: its cell timeout; otter-grader: none, so the benchmark's), which says
    more about the limits than about grading speed.
    """
    from .workload import HANGS

    names = [n for n in ours.by_name if n in peer.by_name and n not in HANGS]
    if not names:
        return "Without the hanging submission: not measured."
    mine, theirs = sum(ours.by_name[n] for n in names), sum(peer.by_name[n] for n in names)
    return (f"Without the hanging submission ({len(names)} others, summing each one's latency, a batch's "
            f"start-up left out except where a peer's first latency holds it): "
            f"{ms(mine)} against {ms(theirs)}, {theirs / mine:,.0f}x.")


def scaling_table(runs: list[Run]) -> list[str]:
    return runs_table(runs)


def plot(runs: list[Run], path: Path) -> bool:
    """Cost per submission against batch size, one line per --jobs; False when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, axis = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    for number, tool in enumerate(sorted({r.tool for r in runs})):
        mine = sorted((r for r in runs if r.tool == tool and r.ok), key=lambda r: r.n)
        color = f"C{number}"
        axis.plot([r.n for r in mine], [1000 * r.per_submission for r in mine], marker="o", color=color,
                  label=f"{tool}: wall / submission (start-up included)")
        axis.plot([r.n for r in mine], [1000 * r.median for r in mine], marker="s", linestyle="--", color=color,
                  label=f"{tool}: median latency of one submission")
    axis.set_xscale("log")
    axis.set_ylim(bottom=0)
    axis.set_xlabel("submissions in the batch")
    axis.set_ylabel("milliseconds per submission")
    axis.set_title("Cost per submission against batch size (03_affine, sandbox on)")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return True


def write(path: Path, *, machine: dict, floor: Floor, samples: list[Run], sample_names: list[str],
          scaling: list[Run], plot_name: str | None, command: str, quick: bool) -> None:
    lines = ["# Benchmarks", "",
             "Generated by `make bench` (`python -m benchmarks`); do not edit by hand: rerun it.", ""]
    if quick:
        lines += ["**Smoke run (`--quick`): tiny batches, figures not meaningful.**", ""]
    lines += ["## Machine", "", _row(["", ""]), _row(["---", "---"])]
    lines += [_row([key, value]) for key, value in machine.items()]
    lines += ["", "## Goals", ""] + goals(samples, floor)
    lines += ["", f"## The ten sample submissions, graded by each tool", "",
              "The samples of examples/submissions/03_affine: three correct (the solution, a rewrite with `@`, "
              "a folder upload), three realistic bugs, a cheat that patches numpy, a syntax error, the "
              "untouched stub and an endless loop at import. Latency is the time one submission took inside "
              "the run; wall includes each tool's start-up. The peers grade the notebooks this course exports "
              "(`python -m autograder nbgrader`, `python -m autograder otter`), with the student's code in the "
              "notebook's code cell. Their autograded cells run this same engine on that code, once per notebook "
              "(a fresh interpreter and the sandbox), so the gap is what each tool adds around the same checks: "
              "a Jupyter kernel, executing the notebook, its own bookkeeping. nbgrader runs one `autograde` for "
              "the batch (a submission's latency: the time between consecutive autograded notebooks appearing); "
              "otter-grader one `otter run` per submission (its batches need Docker), killed at 60 s.", ""]
    lines += runs_table(samples)
    lines += ["", "Scores (out of 16):", ""] + scores_table(samples, sample_names)
    lines += ["", "## Scaling: 10, 100 and 1,000 submissions", "",
              "Each batch cycles through every sample upload that does not hang (the .py files, the folder "
              "and both zips: correct, buggy, crashing and broken uploads in the same proportions at every "
              "size). A hanging submission costs its call limit (5 s for 03_affine) whatever the batch: the "
              "table above shows it. Batches of up to 100 ran three times; the row is the run with the median "
              "wall time.", ""]
    lines += scaling_table(scaling)
    if plot_name:
        lines += ["", f"![cost per submission against batch size]({plot_name})"]
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
              "`make bench` creates `.venv` if needed and runs `python -m benchmarks`, which writes this file "
              "and the plot beside it. The peers run when their environments exist: `make venv-nbgrader` "
              "(nbgrader, `.venv-nbgrader`) and `make venv-otter` (otter-grader, `.venv-otter`); otherwise "
              "their rows say why they did not run. `python -m benchmarks --quick` is a smoke run of a few "
              "seconds. Every batch runs as its own process under a wall-clock limit; a tool still running "
              "at its limit is killed with its process groups (a notebook kernel included).", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
