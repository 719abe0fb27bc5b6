"""Every output a Result goes to, written and read back, for the tests of student text.

    every_output(result, folder) -> {output name: its text}
    assert_printable(text, where)    no ESC, no C0 but \\n and \\t, no DEL or C1, no lone surrogate
    injected_tags(page) -> set       start tags of an HTML page beyond the ones the reports use
    unescaped_markdown(page) -> str  what a Markdown page holds outside its fences, to look for raw markup
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from rich.console import Console

from autograder import course
from autograder.report import feedback as student_report
from autograder.report.console import summary_table
from autograder.report.gradebook import Gradebook
from autograder.report.table import print_result
from autograder.result import Result, write_json

# The tags the feedback pages are made of (report/feedback.py): anything else was injected.
PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "table", "tr", "th",
             "td", "code", "pre", "ul", "li", "strong", "footer", "hr", "img"}
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def assert_printable(text: str, where: str) -> None:
    found = _UNPRINTABLE.search(text)
    assert found is None, f"{where} holds {found.group()!r} at {found.start()}: {text[max(found.start() - 40, 0):found.start() + 40]!r}"


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def injected_tags(page: str, allowed: set[str] = PAGE_TAGS) -> set[str]:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return set(parser.tags) - allowed


def link_count(page: str) -> int:
    """How many <a> start tags the page holds (the index page has one per student, no more)."""
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return list(parser.tags).count("a")


def unescaped_markdown(page: str) -> str:
    """The page without its fenced blocks (where nothing is markup) and without backslash escapes."""
    outside, fence = [], None
    for line in page.splitlines():
        if fence is None and re.match(r"^`{3,}", line):
            fence = re.match(r"^`+", line).group()
        elif fence is not None and line == fence:
            fence = None
        elif fence is None:
            outside.append(line)
    return re.sub(r"\\.", "", "\n".join(outside))


def _terminal(render) -> str:
    """What `render(console)` writes to a terminal of 120 columns without colours."""
    out = io.StringIO()
    render(Console(file=out, width=120, color_system=None, force_terminal=False, highlight=False))
    return out.getvalue()


def every_output(result: Result, folder: Path) -> dict[str, str]:
    """The result table, the batch summary, results.json, the gradebook and its CSV, the feedback pages."""
    folder = Path(folder)
    outputs = {"table": _terminal(lambda console: print_result(result, console)),
               "summary": _terminal(lambda console: console.print(
                   summary_table(course.load(result.assignment), {result.submission: result})))}
    write_json(result, folder / "results.json")
    outputs["results.json"] = (folder / "results.json").read_bytes().decode("utf-8")
    parsed = json.loads(outputs["results.json"])
    assert [t["output"] for t in parsed["tests"]] == [t.output for t in result.tests]
    with Gradebook(folder / "grades.db") as book:
        # A path as os.fsdecode gives it for a name that is not UTF-8: SQLite would refuse the surrogate.
        book.record(result.submission, f"{folder}/\udcff{result.submission[:50]}", result)
        back = book.result(result.submission, result.assignment)
        assert back is not None and [t.output for t in back.tests] == [t.output for t in result.tests]
        book.export_csv(result.assignment, folder / "grades.csv")
    outputs["grades.csv"] = (folder / "grades.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(outputs["grades.csv"], newline="")))
    # the name, with one quote put before it where a spreadsheet would read it as a formula (= + - @)
    assert len(rows) == 2 and rows[1][0] in (result.submission, "'" + result.submission), rows
    for fmt in ("md", "html"):
        (path,) = student_report.write_reports([result], folder / "reports", formats=(fmt,))
        outputs[fmt] = path.read_bytes().decode("utf-8")
        path.unlink()
    return outputs


def assert_every_output_safe(result: Result, folder: Path, bound: int = 200_000) -> dict[str, str]:
    """every_output(), each written, parsed, bounded, printable, and with nothing injected."""
    outputs = every_output(result, folder)
    for name, text in outputs.items():
        assert_printable(text.replace("\r\n", "\n") if name == "grades.csv" else text, name)  # CSV's own line ends
        assert len(text) <= bound, f"{name} holds {len(text)} characters"
    assert not injected_tags(outputs["html"]), injected_tags(outputs["html"])
    assert "<" not in unescaped_markdown(outputs["md"])
    return outputs
