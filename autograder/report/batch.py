"""The batch verb's front end: progress bar, gradebook, CSV, summary table."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .. import executors
from ..batch import entries, grade_batch, iter_pending
from ..course import Assignment
from ..result import write_json
from ..sandbox import default_sandbox
from .gradebook import Gradebook


def run_batch(assignment: Assignment, args) -> int:
    console = Console(stderr=True)
    try:
        executor = executors.make(getattr(args, "executor", "local"), args.jobs or 1,
                                  getattr(args, "scheduler", None), default_sandbox)
    except executors.ExecutorError as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False)
        return 2
    all_entries = entries(args.submission)
    if not all_entries:
        console.print(f"[red]error:[/] {args.submission} holds no submissions")
        return 2
    # --csv alone still goes through a gradebook, kept in memory.
    gradebook = Gradebook(args.gradebook or ":memory:") if (args.gradebook or args.csv) else None
    todo = list(iter_pending(assignment, all_entries, gradebook, args.regrade))
    skipped = len(all_entries) - len(todo)
    results = {}
    started = time.monotonic()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False) as progress:
        task = progress.add_task(f"grading {assignment.id}", total=len(todo))

        def on_result(entry, result):
            results[entry.student] = result
            if gradebook is not None:
                gradebook.record(entry.student, str(entry.path), result)
            if args.out:
                write_json(result, Path(args.out) / f"{entry.student}.json")
            progress.advance(task)

        try:
            grade_batch(assignment, todo, args.jobs or 1, default_sandbox, on_result, executor)
        except executors.ExecutorError as exc:
            progress.stop()
            console.print(f"[red]error:[/] {exc}", highlight=False)
            if gradebook is not None:
                gradebook.close()
            return 2
    elapsed = time.monotonic() - started
    if not args.quiet:
        Console().print(summary_table(assignment, results))
    note = f"graded {len(todo)} submission(s) in {elapsed:.2f} s"
    if todo:
        note += f" ({1000 * elapsed / len(todo):.0f} ms each, {len(todo) / elapsed:.1f}/s)"
    if skipped:
        note += f"; {skipped} already in the gradebook with the same content (use --regrade)"
    console.print(note)
    if gradebook is not None:
        if args.csv:
            rows = gradebook.export_csv(assignment.id, args.csv)
            console.print(f"wrote {rows} row(s) to {args.csv}")
        gradebook.close()
    return 0


def summary_table(assignment: Assignment, results: dict) -> Table:
    table = Table(title=f"{assignment.id}: {len(results)} submission(s)", title_justify="left")
    table.add_column("student")
    table.add_column("score", justify="right")
    table.add_column("failed tests", overflow="fold")
    for student in sorted(results):
        result = results[student]
        failed = [t for t in result.tests if not t.passed]
        if not failed:
            summary = "—"
        elif len(failed) == len(result.tests):
            summary = f"all {len(failed)}: {failed[0].output[:90]}"
        else:
            summary = ", ".join(t.name.removeprefix("test_") for t in failed[:2])
            summary += f" (+{len(failed) - 2} more)" if len(failed) > 2 else ""
        table.add_row(student, f"{result.score:g} / {result.max_score:g}", summary)
    return table
