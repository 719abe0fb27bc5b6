"""Result tables for the terminal (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ..result import Result


def result_table(result: Result) -> Table:
    table = Table(title=f"{result.assignment} — {result.submission}: "
                        f"{result.score:g} / {result.max_score:g}", title_justify="left")
    table.add_column("unit")
    table.add_column("test")
    table.add_column("points", justify="right")
    table.add_column("", justify="center")
    table.add_column("feedback", overflow="fold")
    for t in result.tests:
        mark = "[green]passed[/]" if t.passed else "[red]failed[/]"
        table.add_row(t.unit, t.name, f"{t.score:g}/{t.max_score:g}", mark, "" if t.passed else t.output)
    return table


def print_result(result: Result, console: Console | None = None) -> None:
    console = console or Console()
    console.print(result_table(result))
    if result.output:
        console.print(result.output)
