"""Result tables for the terminal (rich).

A Result holds text a submission chose (its name, its exception messages in a
test's output), already cleaned of control and escape characters
(autograder/untrusted.py). Rich would still read "[/bold]" or "[link=...]" in
it as markup, so every cell and title goes to rich as a rich.text.Text, which
rich never parses: only the pass/fail mark carries a style.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .. import messages
from ..result import Result


def result_table(result: Result, lang: str | None = None) -> Table:
    """One row per hidden test, in the language of messages.language(lang)."""
    def say(key, **fields):
        return messages.text(f"grade.table.{key}", lang, **fields)

    table = Table(title=Text(say("title", assignment=result.assignment, submission=result.submission,
                                 score=f"{result.score:g}", max_score=f"{result.max_score:g}")),
                  title_justify="left")
    table.add_column(say("unit"))
    table.add_column(say("test"))
    table.add_column(say("points"), justify="right")
    table.add_column("", justify="center")
    table.add_column(say("feedback"), overflow="fold")
    for t in result.tests:
        mark = Text(say("passed"), style="green") if t.passed else Text(say("failed"), style="red")
        table.add_row(Text(t.unit), Text(t.name), Text(f"{t.score:g}/{t.max_score:g}"), mark,
                      Text("" if t.passed else t.output))
    return table


def print_result(result: Result, console: Console | None = None) -> None:
    console = console or Console()
    console.print(result_table(result))
    if result.output:
        console.print(Text(result.output))
