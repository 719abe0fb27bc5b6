"""The batch verb's front end: progress bar, gradebook, CSV, summary table.

Student names and messages reach rich as rich.text.Text (never parsed as
markup), and a sentence of ours that holds a path or an error goes through
rich.markup.escape, so that one student's "[/bold]" cannot stop the batch
before its CSV and reports are written.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .. import executors
from ..batch import entries, grade_batch, iter_pending
from ..course import Assignment
from ..result import write_json
from ..sandbox import default_sandbox
from .gradebook import Gradebook


REDRAW_SECONDS = 0.1


def run_batch(assignment: Assignment, args) -> int:
    console = Console(stderr=True)
    try:
        executor = executors.make(getattr(args, "executor", "local"), args.jobs or 1,
                                  getattr(args, "scheduler", None), default_sandbox)
    except executors.ExecutorError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        return 2
    all_entries = entries(args.submission)
    if not all_entries:
        console.print(f"[red]error:[/] {escape(str(args.submission))} holds no submissions")
        return 2
    # --csv alone still goes through a gradebook, kept in memory.
    gradebook = Gradebook(args.gradebook or ":memory:") if (args.gradebook or args.csv) else None
    todo = list(iter_pending(assignment, all_entries, gradebook, args.regrade))
    skipped = len(all_entries) - len(todo)
    results = {}
    json_names: dict[str, str] = {}  # student -> the file name of their results, distinct for each
    started = time.monotonic()
    # Redrawn as results arrive, at most every REDRAW_SECONDS (a redraw costs about half a
    # millisecond of this process, which also grades), rather than by a refresh thread:
    # the local executor forks its grader processes, and a process should have no other
    # threads when it forks. Leaving the `with` draws the final state.
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False, auto_refresh=False) as progress:
        task = progress.add_task(f"grading {assignment.id}", total=len(todo))
        drawn = [time.monotonic()]

        def on_result(entry, result):
            results[entry.student] = result
            if gradebook is not None:
                gradebook.record(entry.student, str(entry.path), result)
            if args.out:
                write_json(result, Path(args.out) / f"{_json_stem(entry.student, json_names)}.json")
            progress.advance(task)
            if time.monotonic() - drawn[0] >= REDRAW_SECONDS:
                progress.refresh()
                drawn[0] = time.monotonic()

        try:
            grade_batch(assignment, todo, args.jobs or 1, default_sandbox, on_result, executor)
        except executors.ExecutorError as exc:
            progress.stop()
            console.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
            if gradebook is not None:
                gradebook.close()
            return 2
    elapsed = time.monotonic() - started
    # The files first, then the printing: nothing a terminal does with the summary can cost
    # a student their report or the gradebook its CSV.
    status, said = 0, []
    if getattr(args, "reports", None):
        try:
            said.append(write_student_reports(assignment, all_entries, results, gradebook, args))
        except OSError as exc:
            said.append(Text.assemble(("error:", "red"), " ", cannot_write(exc, args.reports, args.lang)))
            status = 2
    if gradebook is not None:
        if args.csv:
            rows = gradebook.export_csv(assignment.id, args.csv)
            said.append(Text(f"wrote {rows} row(s) to {args.csv}"))
        gradebook.close()
    if not args.quiet:
        Console().print(summary_table(assignment, results))
    note = f"graded {len(todo)} submission(s) in {elapsed:.2f} s"
    if todo:
        note += f" ({1000 * elapsed / len(todo):.0f} ms each, {len(todo) / elapsed:.1f}/s)"
    if skipped:
        note += f"; {skipped} already in the gradebook with the same content (use --regrade)"
    console.print(note)
    for line in said:
        console.print(line, soft_wrap=True)
    return status


def write_student_reports(assignment: Assignment, all_entries: list, results: dict, gradebook, args) -> Text:
    """One feedback report per student of the batch: the new results, and the gradebook's for skipped ones.

    Returns the sentence saying what was written.
    """
    from .. import messages
    from ..submission import load
    from .student import write_reports

    everyone = dict(results)
    if gradebook is not None:
        for entry in all_entries:
            if entry.student not in everyone:
                sha = load(entry.path, assignment.student_files, entry.student).sha256
                recorded = gradebook.result(entry.student, assignment.id, sha)
                if recorded is not None:
                    everyone[entry.student] = recorded
    write_reports(everyone.values(), args.reports, args.lang, report_formats(args.report_format))
    return Text(messages.text("report.student.wrote", args.lang, count=len(everyone), folder=args.reports))


def reports_inside(reports: Path, submissions: Path, lang: str | None) -> str | None:
    """Why the reports may not go to `reports`: inside the submissions, they would be graded next time."""
    from .. import messages

    where = Path(reports).resolve()
    if Path(submissions).resolve() in (where, *where.parents):
        return messages.text("report.error.reports_inside", lang, reports=reports, submissions=submissions)
    return None


def cannot_write(exc: OSError, where: Path, lang: str | None) -> str:
    from .. import messages

    return messages.text("report.error.cannot_write", lang, path=exc.filename or where,
                         reason=exc.strerror or exc)


def report_formats(choice: str | None) -> tuple[str, ...]:
    """--report-format md, html or both (the default)."""
    return ("md", "html") if choice in (None, "both") else (choice,)


def summary_table(assignment: Assignment, results: dict) -> Table:
    table = Table(title=Text(f"{assignment.id}: {len(results)} submission(s)"), title_justify="left")
    # One line per student where the terminal allows: long names end in "…" rather than
    # folding mid-word; a failure shared by every test (an import error) keeps its sentence.
    table.add_column("student", no_wrap=True, overflow="ellipsis", max_width=30)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("failed tests", overflow="ellipsis")
    for student in sorted(results):
        result = results[student]
        failed = [t for t in result.tests if not t.passed]
        if not failed:
            summary = "—"
        elif len(failed) == len(result.tests):
            summary = f"all {len(failed)}: {failed[0].output[:90]}"
        else:
            summary = f"{len(failed)} of {len(result.tests)}, first: {failed[0].name.removeprefix('test_')}"
        table.add_row(Text(student), f"{result.score:g} / {result.max_score:g}", Text(summary))
    return table


def _json_stem(student: str, taken: dict[str, str]) -> str:
    """A file name for a student's results.json in --out: safe characters, one per student
    (filenames.safe_file_stem: distinct on a case-insensitive file system too)."""
    from .filenames import safe_file_stem

    if student not in taken:
        taken[student] = safe_file_stem(student, set(taken.values()))
    return taken[student]
