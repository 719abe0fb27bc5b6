"""Result tables for the terminal (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .. import messages
from ..result import Result


def result_table(result: Result, lang: str | None = None) -> Table:
    """One row per hidden test, in the language of messages.language(lang)."""
    def say(key, **fields):
        return messages.text(f"grade.table.{key}", lang, **fields)

    table = Table(title=say("title", assignment=result.assignment, submission=result.submission,
                            score=f"{result.score:g}", max_score=f"{result.max_score:g}"), title_justify="left")
    table.add_column(say("unit"))
    table.add_column(say("test"))
    table.add_column(say("points"), justify="right")
    table.add_column("", justify="center")
    table.add_column(say("feedback"), overflow="fold")
    for t in result.tests:
        mark = f"[green]{say('passed')}[/]" if t.passed else f"[red]{say('failed')}[/]"
        table.add_row(t.unit, t.name, f"{t.score:g}/{t.max_score:g}", mark, "" if t.passed else t.output)
    return table


def print_result(result: Result, console: Console | None = None) -> None:
    console = console or Console()
    console.print(result_table(result))
    if result.output:
        console.print(result.output)
