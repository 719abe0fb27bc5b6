"""Print a check: the summary table, then why each failed test failed.

With rich installed (the release's requirements.txt lists it) the table is
drawn by rich; without it, or with --plain, as aligned plain text. Student
messages are printed as plain text either way, never as rich markup: numpy's
'[1. 2.]' must not be read as a style. Every line and cell first crosses
autograder/untrusted.py, which takes out control and escape sequences (an
exception message of the student's own code could clear the screen), but
keeps the numbers: these are the student's own inputs.
"""

from __future__ import annotations

import sys
from typing import Callable

from .. import untrusted
from ..assertions import table as plain_table
from .runner import Row
from .target import Target

Text = Callable[..., str]


def show(target: Target, rows: list[Row], text: Text, plain: bool = False, out=None, note: str | None = None,
         ready: bool = True) -> None:
    """The table, the summary, `note` (a warning about the whole submission), then why each test failed.

    ready: False when the submission would lose its points however the tests went (the note says why).
    """
    out = out or sys.stdout
    printer = None if plain else _rich_printer(out)
    header = _safe(text("check.header", id=target.id, title=target.title, folder=target.folder))
    table = [(_safe(", ".join(r.test.units) or "-"), _safe(r.test.name), _points(r),
              text("check.passed" if r.passed else "check.failed")) for r in rows]
    columns = [text("check.column.unit"), text("check.column.test"), text("check.column.points"),
               text("check.column.result")]
    if printer:
        printer.table(header, columns, table, [r.passed for r in rows])
    else:
        print(header, file=out)
        print(file=out)
        print("\n".join(plain_table(tuple(columns), table)), file=out)
    passed = [r for r in rows if r.passed]
    points = sum(r.test.points for r in passed)
    total = sum(r.test.points for r in rows)
    lines = ["", text("check.summary", passed=len(passed), total=len(rows), points=_number(points),
                      max_points=_number(total))]
    if note:
        lines += ["", note]
    first_with: dict[tuple[str, ...], str] = {}  # an explanation -> the first test it was shown for
    for row in rows:
        for cases, why in grouped(row.failures):
            lines.append("")
            name = row.test.name + (f" [{', '.join(cases)}]" if any(cases) else "")
            lines.append(text("check.failure", test=name, units=", ".join(row.test.units) or "-"))
            key = tuple(why.lines)
            if key in first_with:
                lines.append("    " + text("check.same_as", test=first_with[key]))
                continue
            first_with[key] = name
            lines += ["    " + line for block in why.lines for line in block.splitlines()]
    if len(passed) < len(rows):
        lines += ["", _next_step(rows, text)]
    elif ready:
        lines += ["", text("check.all_passed", files=", ".join(target.student_files))]
    for line in map(_safe, lines):
        if printer:
            printer.line(line)
        else:
            print(line, file=out)


def _next_step(rows: list[Row], text: Text) -> str:
    """Fix the first failure first; but when only a later failure carries a hint, start there."""
    failures = [(row.test.name + (f" [{case}]" if case else ""), why) for row in rows for case, why in row.failures]
    first_hinted = next((name for name, why in failures if getattr(why, "hinted", False)), None)
    if first_hinted is None or getattr(failures[0][1], "hinted", False):
        return text("check.next_step")
    return text("explain.next_step_hinted", test=first_hinted)


def _safe(line: str) -> str:
    return untrusted.clean(line, untrusted.OUTPUT_CHARS)


def grouped(failures) -> list[tuple[list[str], object]]:
    """A row's failures, (case, explanation) pairs, with the cases of the same explanation together."""
    groups: list[tuple[list[str], object]] = []
    for case, why in failures:
        for cases, seen in groups:
            if seen.lines == why.lines:
                cases.append(case)
                break
        else:
            groups.append(([case], why))
    return groups


def _points(row: Row) -> str:
    return f"{_number(row.test.points if row.passed else 0)}/{_number(row.test.points)}"


def _number(value: float) -> str:
    return f"{value:g}"


class _RichPrinter:
    def __init__(self, console):
        self.console = console

    def table(self, header: str, columns: list[str], rows: list[tuple[str, ...]], passed: list[bool]) -> None:
        from rich.table import Table
        from rich.text import Text as RichText

        self.console.print(RichText(header), soft_wrap=True)
        table = Table(show_lines=False)
        for i, column in enumerate(columns):
            table.add_column(column, justify="right" if i == 2 else "left", overflow="fold")
        for cells, ok in zip(rows, passed):
            *first, result = cells
            table.add_row(*(RichText(c) for c in first), RichText(result, style="green" if ok else "bold red"))
        self.console.print(table)

    def line(self, line: str) -> None:
        from rich.text import Text as RichText

        self.console.print(RichText(line), soft_wrap=True)


def _rich_printer(out) -> _RichPrinter | None:
    try:
        from rich.console import Console
    except ImportError:
        return None
    console = Console(file=out, highlight=False)
    if not console.is_terminal:
        console = Console(file=out, highlight=False, width=100)
    return _RichPrinter(console)
