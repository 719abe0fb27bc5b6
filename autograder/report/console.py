"""The batch verb's front end: progress bar, gradebook, CSV, summary table.

Student names and messages reach rich as rich.text.Text (never parsed as
markup), and a sentence of ours that holds a path or an error goes through
rich.markup.escape, so that one student's "[/bold]" cannot stop the batch
before its CSV and reports are written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .. import executors, messages
from ..batch import grade_batch, iter_pending, plan
from ..course import Assignment
from ..result import write_json
from ..sandbox import default_sandbox
from . import result_files
from .gradebook import Gradebook


REDRAW_SECONDS = 0.1


@dataclass(frozen=True)
class BatchOptions:
    """How to grade a batch: what `grade` takes from its command line, as plain values.

    jobs: grading lanes (local executor); gradebook, csv: SQLite file and CSV export;
    out: a folder for one results JSON per student; reports, report_format: feedback
    pages (md, html or both); lang: their language (None: the environment's);
    executor, scheduler: local or dask and the Dask scheduler's address;
    duplicates: "error" or "newest" for students with several entries (autograder/batch.py).
    """
    jobs: int = 1
    gradebook: Path | None = None
    csv: Path | None = None
    out: Path | None = None
    regrade: bool = False
    reports: Path | None = None
    report_format: str = "both"
    lang: str | None = None
    quiet: bool = False
    executor: str = "local"
    scheduler: str | None = None
    duplicates: str = "error"


def run_batch(assignment: Assignment, submissions: Path, options: BatchOptions = BatchOptions()) -> int:
    """Grade every entry of `submissions` with the progress bar; 0 once every file is written, else 2."""
    console = Console(stderr=True)
    try:
        executor = executors.make(options.executor, options.jobs, options.scheduler, default_sandbox)
    except executors.ExecutorError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        return 2
    found = plan(submissions, options.duplicates, options.lang)
    refusal = found.refusal or _out_refusal(options.out, submissions, options.lang)
    if refusal:
        console.print(Text.assemble(("error:", "red"), " ", refusal), soft_wrap=True)
        return 2
    if found.skipped:
        console.print(Text(messages.text("batch.skipped_header", options.lang, count=len(found.skipped))))
        for _, why in found.skipped:
            console.print(Text(f"  {why}"), soft_wrap=True)
    all_entries = list(found.entries)
    if not all_entries:
        console.print(f"[red]error:[/] {escape(str(submissions))} holds no submissions")
        return 2
    # --csv alone still goes through a gradebook, kept in memory.
    gradebook = Gradebook(options.gradebook or ":memory:") if (options.gradebook or options.csv) else None
    todo = list(iter_pending(assignment, all_entries, gradebook, options.regrade))
    skipped = len(all_entries) - len(todo)
    results = {}
    # Chosen from every student's name before grading, so no name depends on which result came first.
    json_names = result_files.json_names(e.student for e in all_entries)
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
            if options.out:
                write_json(result, Path(options.out) / json_names[entry.student])
            progress.advance(task)
            if time.monotonic() - drawn[0] >= REDRAW_SECONDS:
                progress.refresh()
                drawn[0] = time.monotonic()

        try:
            grade_batch(assignment, todo, options.jobs, default_sandbox, on_result, executor)
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
    if options.reports:
        try:
            said.append(write_student_reports(assignment, all_entries, results, gradebook, options))
        except OSError as exc:
            said.append(Text.assemble(("error:", "red"), " ", cannot_write(exc, options.reports, options.lang)))
            status = 2
    if gradebook is not None:
        if options.csv:
            rows = gradebook.export_csv(assignment.id, options.csv)
            said.append(Text(f"wrote {rows} row(s) to {options.csv}"))
        gradebook.close()
    if options.out and results:
        said.append(Text(f"wrote {len(results)} results file(s) to {options.out}"))
    if not options.quiet:
        Console().print(summary_table(assignment, results))
    note = f"graded {len(todo)} submission(s) in {elapsed:.2f} s"
    if todo:
        note += f" ({1000 * elapsed / len(todo):.0f} ms each, {len(todo) / elapsed:.1f}/s)"
    if skipped:
        note += f"; {skipped} already in the gradebook with the same content (use --regrade)"
    broken = sum(result.failed_by_grader for result in results.values())
    if broken:
        note += f"; the grader itself failed on {broken} (see grader_error in the gradebook): run again to regrade them"
    console.print(note)
    for line in said:
        console.print(line, soft_wrap=True)
    return status


def write_student_reports(assignment: Assignment, all_entries: list, results: dict, gradebook,
                          options: BatchOptions) -> Text:
    """One feedback report per student of the batch: the new results, and the gradebook's for skipped ones.

    Returns the sentence saying what was written.
    """
    from ..submission import load
    from .feedback import write_reports

    everyone = dict(results)
    if gradebook is not None:
        for entry in all_entries:
            if entry.student not in everyone:
                sha = load(entry.path, assignment.student_files, entry.student).sha256
                recorded = gradebook.result(entry.student, assignment.id, sha)
                if recorded is not None:
                    everyone[entry.student] = recorded
    write_reports(everyone.values(), options.reports, options.lang, report_formats(options.report_format))
    return Text(messages.text("report.student.wrote", options.lang, count=len(everyone), folder=options.reports))


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


def _out_refusal(out: Path | None, submissions: Path, lang: str | None) -> str:
    """Why --out cannot take a batch's results: a file's name, or a folder the next batch would grade."""
    if out is None:
        return ""
    if Path(out).suffix.lower() == ".json" or Path(out).is_file():
        return messages.text("batch.out_not_folder", lang, out=out)
    where = Path(out).resolve()
    if Path(submissions).resolve() in (where, *where.parents):
        return messages.text("batch.out_inside", lang, out=out, submissions=submissions)
    return ""
