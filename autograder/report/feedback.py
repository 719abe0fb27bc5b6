"""Feedback reports for students: one Markdown or HTML page per graded submission.

    markdown(result, lang) -> str
    html(result, lang) -> str
    write_reports(results, folder, lang, formats) -> list of paths written, and index.html / index.md

A page holds the score, a table of the units (tests passed, points), and for
each failed test its message and the sentences of its hints, in the chosen
language (autograder/catalogue/<lang>/report.toml). The hidden tests already
print a hint's sentence, filled in, into their message; the page adds it only
where the message does not hold it (a report in another language than the
grading, a message written before hints were printed). It is built from the
Result alone, that is from what the hidden tests chose to say: a test's output
and its hint keys, which never hold a hidden input or expected value. Text
that came from the submission (an exception message inside an output, the
student's name) arrives cleaned of control characters (autograder/untrusted.py)
and is escaped here: HTML-escaped in a page, backslash-escaped or fenced in
Markdown, so a student cannot inject markup into the page.
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable

from .. import messages
from ..result import Result, TestResult
from . import filenames, hint_text

FORMATS = ("md", "html")


@dataclass(frozen=True)
class UnitRow:
    unit: str
    passed: int
    tests: int
    score: float
    max_score: float


def unit_rows(result: Result) -> list[UnitRow]:
    """One row per unit, in the order the tests ran."""
    order: dict[str, list[TestResult]] = {}
    for t in result.tests:
        order.setdefault(t.unit, []).append(t)
    return [UnitRow(unit, sum(t.passed for t in tests), len(tests),
                    round(sum(t.score for t in tests), 6), round(sum(t.max_score for t in tests), 6))
            for unit, tests in order.items()]


def failed_groups(result: Result) -> list[list[TestResult]]:
    """The failed tests, those with the same message and hints together (an import error fails them all)."""
    groups: dict[tuple[str, tuple[str, ...]], list[TestResult]] = {}
    for t in result.tests:
        if not t.passed:
            groups.setdefault((t.output, t.hints), []).append(t)
    return list(groups.values())


def _n(x: float) -> str:
    return f"{x:g}"


def _say(key: str, lang: str, **fields) -> str:
    return messages.text(f"report.student.{key}", lang, **fields)


# ---------------------------------------------------------------- Markdown

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def _md(text: str) -> str:
    """Inline text from outside the catalogue, escaped so that it prints as written."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _fence(text: str) -> str:
    """A fenced block that no run of backticks inside `text` can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def markdown(result: Result, lang: str | None = None) -> str:
    lang = messages.language(lang)
    lines = [f"# {_say('title', lang, assignment=result.assignment, student=_md(result.submission))}", "",
             f"**{_say('score', lang, score=_n(result.score), max_score=_n(result.max_score))}**", "",
             f"## {_say('units', lang)}", "",
             f"| {_say('unit', lang)} | {_say('passed', lang)} | {_say('points', lang)} |",
             "|---|---:|---:|"]
    for row in unit_rows(result):
        lines.append(f"| `{row.unit}` | {row.passed} / {row.tests} | {_n(row.score)} / {_n(row.max_score)} |")
    lines.append("")
    if result.output:
        lines += [f"## {_say('note', lang)}", "", _fence(result.output), ""]
    groups = failed_groups(result)
    lines += [f"## {_say('failed', lang)}", ""]
    if not groups:
        lines += [_say("all_passed", lang), ""]
    for group in groups:
        names = [_say("test", lang, unit=f"`{t.unit}`", test=f"`{t.name}`", score=_n(t.score),
                      max_score=_n(t.max_score)) for t in group]
        if len(group) == 1:
            lines += [f"### {names[0]}", ""]
        else:
            lines += [f"### {_say('same', lang, count=len(group))}", "", *(f"- {name}" for name in names), ""]
        t = group[0]
        if t.output:
            lines += [f"{_say('message', lang)}:", "", _fence(t.output), ""]
        for key in t.hints:
            if hint_text.already_said(key, lang, t.output):
                continue
            # The sentence comes from the catalogue, not the submission: its code prints as written.
            lines += [f"> **{_say('hint', lang)}:** {hint_text.sentence(key, lang)}", ""]
    lines += ["---", "", f"*{_say('footer', lang)}*", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- HTML

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 56rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: .25rem .6rem; }
td.n { text-align: right; } pre { background: #f6f6f6; padding: .6rem; overflow-x: auto; white-space: pre-wrap; }
.hint { border-left: 4px solid #e0a800; background: #fff8e1; padding: .4rem .8rem; }
.score { font-size: 1.3rem; font-weight: bold; } footer { color: #666; font-size: .9rem; }
""".strip()


def _e(text: str) -> str:
    return _html.escape(str(text), quote=True)


def page(title: str, lang: str, body: list[str]) -> str:
    """A whole HTML page with the reports' style."""
    return "\n".join([
        "<!DOCTYPE html>", f'<html lang="{lang}">', "<head>", '<meta charset="utf-8">',
        f"<title>{_e(title)}</title>", f"<style>\n{_STYLE}\n</style>", "</head>", "<body>",
        *body, "</body>", "</html>", ""])


def html(result: Result, lang: str | None = None) -> str:
    lang = messages.language(lang)
    title = _say("title", lang, assignment=result.assignment, student=result.submission)
    body = [f"<h1>{_e(title)}</h1>",
            f'<p class="score">{_e(_say("score", lang, score=_n(result.score), max_score=_n(result.max_score)))}</p>',
            f"<h2>{_e(_say('units', lang))}</h2>", "<table>",
            f"<tr><th>{_e(_say('unit', lang))}</th><th>{_e(_say('passed', lang))}</th>"
            f"<th>{_e(_say('points', lang))}</th></tr>"]
    for row in unit_rows(result):
        body.append(f"<tr><td><code>{_e(row.unit)}</code></td><td class=\"n\">{row.passed} / {row.tests}</td>"
                    f"<td class=\"n\">{_n(row.score)} / {_n(row.max_score)}</td></tr>")
    body.append("</table>")
    if result.output:
        body += [f"<h2>{_e(_say('note', lang))}</h2>", f"<pre>{_e(result.output)}</pre>"]
    groups = failed_groups(result)
    body.append(f"<h2>{_e(_say('failed', lang))}</h2>")
    if not groups:
        body.append(f"<p>{_e(_say('all_passed', lang))}</p>")
    for group in groups:
        names = [_say("test", lang, unit=t.unit, test=t.name, score=_n(t.score), max_score=_n(t.max_score))
                 for t in group]
        if len(group) == 1:
            body.append(f"<h3>{_e(names[0])}</h3>")
        else:
            body += [f"<h3>{_e(_say('same', lang, count=len(group)))}</h3>",
                     "<ul>", *(f"<li>{_e(name)}</li>" for name in names), "</ul>"]
        t = group[0]
        if t.output:
            body += [f"<p>{_e(_say('message', lang))}:</p>", f"<pre>{_e(t.output)}</pre>"]
        for key in t.hints:
            if hint_text.already_said(key, lang, t.output):
                continue
            body.append(f'<p class="hint"><strong>{_e(_say("hint", lang))}:</strong> '
                        f"{_e(hint_text.sentence(key, lang))}</p>")
    body.append(f"<footer><hr><p>{_e(_say('footer', lang))}</p></footer>")
    return page(title, lang, body)


# ---------------------------------------------------------------- files

INDEX = "index"  # the index page's stem: no student's page takes it


def file_stem(student: str) -> str:
    """A file name for a student's report: their name (without .py or .zip) with anything unsafe as '_'."""
    return filenames.clean_stem(student)


def index_html(rows: list[tuple[Result, str]], lang: str) -> str:
    """The index page: each student, their score and a link to their page (rows: result, file name)."""
    assignments = sorted({r.assignment for r, _ in rows})
    title = messages.text("pages.index.title", lang, assignment=", ".join(assignments))
    body = [f"<h1>{_e(title)}</h1>", "<table>",
            f"<tr><th>{_e(messages.text('pages.index.student', lang))}</th>"
            f"<th>{_e(messages.text('pages.index.score', lang))}</th></tr>"]
    for result, name in rows:
        body.append(f'<tr><td><a href="{_e(_url(name))}">{_e(result.submission)}</a></td>'
                    f'<td>{_e(_n(result.score))} / {_e(_n(result.max_score))}</td></tr>')
    body.append("</table>")
    return page(title, lang, body)


def index_markdown(rows: list[tuple[Result, str]], lang: str) -> str:
    assignments = sorted({r.assignment for r, _ in rows})
    lines = [f"# {_md(messages.text('pages.index.title', lang, assignment=', '.join(assignments)))}", "",
             f"| {messages.text('pages.index.student', lang)} | {messages.text('pages.index.score', lang)} |",
             "|---|---:|"]
    lines += [f"| [{_md(r.submission)}]({_url(name)}) | {_n(r.score)} / {_n(r.max_score)} |" for r, name in rows]
    return "\n".join(lines) + "\n"


def _url(name: str) -> str:
    from urllib.parse import quote
    return quote(name)


def write_reports(results: Iterable[Result], folder: Path, lang: str | None = None,
                  formats: Iterable[str] = FORMATS, index: bool = True) -> list[Path]:
    """One report per result (and per format) in `folder`, named for the student, and (index=True)
    an index page per format (index.html, index.md) listing them; returns the paths of the students' pages.

    File names come from filenames.safe_file_stem: the student's name where it is safe, distinct
    for each student on a case-insensitive file system too, never 'index'.
    """
    renderers = {"md": markdown, "html": html}
    indexes = {"md": index_markdown, "html": index_html}
    formats = tuple(formats)
    unknown = [f for f in formats if f not in renderers]
    if unknown:
        raise ValueError(f"unknown report format {unknown[0]!r}: choose from {', '.join(FORMATS)}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lang = messages.language(lang)
    written, taken = [], {INDEX}
    listed: dict[str, list[tuple[Result, str]]] = {fmt: [] for fmt in formats}
    for result in sorted(results, key=lambda r: r.submission):
        stem = filenames.safe_file_stem(result.submission, taken)
        for fmt in formats:
            path = folder / f"{stem}.{fmt}"
            path.write_text(renderers[fmt](result, lang), encoding="utf-8")
            written.append(path)
            listed[fmt].append((result, path.name))
    for fmt in formats if index else ():
        (folder / f"{INDEX}.{fmt}").write_text(indexes[fmt](listed[fmt], lang), encoding="utf-8")
    return written
