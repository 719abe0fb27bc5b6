"""The instructor's class report: one HTML or Markdown file from a gradebook.

    write(gradebook_path, out_folder, assignment=None, lang=None, fmt="html") -> Written

For each assignment in the gradebook (or the one asked for), from each
student's newest submission: a summary (students, mean, median, lowest,
highest, full marks), the score distribution as a PNG histogram, the pass rate
of every test, and the most frequent hinted bugs (the hint's key, its
sentence, and how many students it fired for). The PNGs are written beside
the report (class_report_<assignment>.png); the HTML also embeds them, so it
can be sent on as one file. Every sentence comes from
autograder/catalogue/<lang>/report.toml.
"""

from __future__ import annotations

import base64
import html as _html
from dataclasses import dataclass
from pathlib import Path

from .. import messages
from . import hint_text
from .analytics import ClassStats, analyse
from .gradebook import Gradebook, GradebookError
from .feedback import page

FORMATS = ("html", "md")
TOP_HINTS = 10   # how many hinted bugs the report lists


class ReportError(Exception):
    """Why no report could be written, as a sentence in the chosen language."""


@dataclass(frozen=True)
class Written:
    report: Path
    figures: tuple[Path, ...]


def _say(key: str, lang: str, **fields) -> str:
    return messages.text(f"report.{key}", lang, **fields)


def hardest_sentence(stats: ClassStats, lang: str, quote=str) -> str:
    """The hardest test, or the tests tied for it, said as such; '' without tests. `quote` marks a name."""
    tied = stats.hardest_tests()
    if not tied:
        return ""
    rate = _percent(tied[0].rate)
    if len(tied) == 1:
        return _say("instructor.hardest", lang, test=quote(tied[0].name), rate=rate)
    if len(tied) == len(stats.rates):
        return messages.text("pages.all_tied", lang, count=len(tied), rate=rate)
    return messages.text("pages.hardest_tied", lang, count=len(tied), tests=", ".join(quote(r.name) for r in tied),
                         rate=rate)


def _percent(rate: float) -> str:
    return f"{100 * rate:.0f}%"


def load_stats(path: Path, assignment: str | None, lang: str) -> list[ClassStats]:
    """The statistics of each assignment to report on; ReportError when there are none."""
    path = Path(path)
    if path.is_dir():
        raise ReportError(_say("error.not_a_file", lang, path=path))
    if not path.is_file():
        raise ReportError(_say("error.no_gradebook", lang, path=path))
    try:
        with Gradebook(path) as book:
            known = book.assignments()
            if not known:
                raise ReportError(_say("error.empty", lang, path=path))
            if assignment is not None and assignment not in known:
                raise ReportError(_say("error.unknown_assignment", lang, path=path, assignment=assignment,
                                       known=", ".join(known)))
            return [analyse(book, a) for a in ([assignment] if assignment else known)]
    except GradebookError as exc:
        raise ReportError(_say("error.not_a_gradebook", lang, path=path, reason=exc.reason)) from None


def summary_rows(stats: ClassStats, lang: str) -> list[tuple[str, str]]:
    scores = stats.scores.values()
    out_of = f" / {stats.max_score:g}"
    return [(_say("instructor.students", lang), str(len(stats.scores))),
            (_say("instructor.mean", lang), f"{stats.mean:.2f}{out_of}"),
            (_say("instructor.median", lang), f"{stats.median:g}{out_of}"),
            (_say("instructor.lowest", lang), f"{min(scores):g}{out_of}"),
            (_say("instructor.highest", lang), f"{max(scores):g}{out_of}"),
            (_say("instructor.full_marks", lang), str(stats.full_marks))]


def _figure_name(report: Path, assignment: str) -> str:
    return f"{report.stem}_{assignment}.png"


# ---------------------------------------------------------------- Markdown

def _md_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def markdown(all_stats: list[ClassStats], figures: dict[str, Path], gradebook: Path, lang: str) -> str:
    lines = []
    for stats in all_stats:
        lines += [f"# {_say('instructor.title', lang, assignment=stats.assignment)}", "",
                  _say("instructor.source", lang, gradebook=f"`{gradebook.name}`"), "",
                  f"## {_say('instructor.summary', lang)}", "", "| | |", "|---|---:|"]
        lines += [f"| {name} | {value} |" for name, value in summary_rows(stats, lang)]
        hardest = hardest_sentence(stats, lang, lambda name: f"`{name}`")
        if hardest:
            lines += ["", hardest]
        alt = _say("instructor.histogram_alt", lang, assignment=stats.assignment)
        lines += ["", f"## {_say('instructor.distribution', lang)}", "",
                  f"![{alt}]({figures[stats.assignment].name})", "",
                  f"## {_say('instructor.pass_rates', lang)}", "",
                  f"| {_say('instructor.unit', lang)} | {_say('instructor.test', lang)} | "
                  f"{_say('instructor.passed', lang)} | {_say('instructor.rate', lang)} |", "|---|---|---:|---:|"]
        lines += [f"| `{r.unit}` | `{r.name}` | {r.passed} / {r.students} | {_percent(r.rate)} |" for r in stats.rates]
        lines += ["", f"## {_say('instructor.hinted', lang)}", ""]
        if stats.hints:
            lines += [f"| {_say('instructor.hint_key', lang)} | {_say('instructor.sentence', lang)} | "
                      f"{_say('instructor.count', lang)} |", "|---|---|---:|"]
            lines += [f"| `{h.key}` | {_md_cell(hint_text.sentence(h.key, lang))} | {h.students} |"
                      for h in stats.hints[:TOP_HINTS]]
        else:
            lines.append(_say("instructor.no_hints", lang))
        lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------- HTML

def _e(text: str) -> str:
    return _html.escape(str(text), quote=True)


def _table(header: list[str] | None, rows: list[list[str]], numeric: set[int]) -> list[str]:
    out = ["<table>"]
    if header:
        out.append("<tr>" + "".join(f"<th>{_e(h)}</th>" for h in header) + "</tr>")
    for row in rows:
        cells = "".join(f'<td class="n">{_e(c)}</td>' if i in numeric else f"<td>{_e(c)}</td>"
                        for i, c in enumerate(row))
        out.append(f"<tr>{cells}</tr>")
    out.append("</table>")
    return out


def html(all_stats: list[ClassStats], figures: dict[str, Path], gradebook: Path, lang: str) -> str:
    body = []
    for stats in all_stats:
        body += [f"<h1>{_e(_say('instructor.title', lang, assignment=stats.assignment))}</h1>",
                 f"<p>{_e(_say('instructor.source', lang, gradebook=gradebook.name))}</p>",
                 f"<h2>{_e(_say('instructor.summary', lang))}</h2>"]
        body += _table(None, [list(row) for row in summary_rows(stats, lang)], {1})
        hardest = hardest_sentence(stats, lang)
        if hardest:
            body.append(f"<p>{_e(hardest)}</p>")
        data = base64.b64encode(figures[stats.assignment].read_bytes()).decode("ascii")
        alt = _say("instructor.histogram_alt", lang, assignment=stats.assignment)
        body += [f"<h2>{_e(_say('instructor.distribution', lang))}</h2>",
                 f'<p><img alt="{_e(alt)}" src="data:image/png;base64,{data}"></p>',
                 f"<h2>{_e(_say('instructor.pass_rates', lang))}</h2>"]
        body += _table([_say(f"instructor.{k}", lang) for k in ("unit", "test", "passed", "rate")],
                       [[r.unit, r.name, f"{r.passed} / {r.students}", _percent(r.rate)] for r in stats.rates],
                       {2, 3})
        body.append(f"<h2>{_e(_say('instructor.hinted', lang))}</h2>")
        if stats.hints:
            body += _table([_say(f"instructor.{k}", lang) for k in ("hint_key", "sentence", "count")],
                           [[h.key, hint_text.sentence(h.key, lang), str(h.students)] for h in stats.hints[:TOP_HINTS]],
                           {2})
        else:
            body.append(f"<p>{_e(_say('instructor.no_hints', lang))}</p>")
    title = ", ".join(_say("instructor.title", lang, assignment=s.assignment) for s in all_stats)
    return page(title, lang, body)


# ---------------------------------------------------------------- the file

def write(gradebook: Path, out: Path | None = None, assignment: str | None = None,
          lang: str | None = None, fmt: str = "html") -> Written:
    """Write the class report (and its figures) into `out` (default: the gradebook's folder)."""
    from . import histogram

    lang = messages.language(lang)
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}: choose from {', '.join(FORMATS)}")
    gradebook = Path(gradebook)
    all_stats = load_stats(gradebook, assignment, lang)
    if not histogram.available():
        raise ReportError(_say("error.no_matplotlib", lang))
    out = Path(out) if out is not None else gradebook.parent
    report = out / f"class_report.{fmt}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        figures = {s.assignment: histogram.draw(s, out / _figure_name(report, s.assignment), lang)
                   for s in all_stats}
        render = html if fmt == "html" else markdown
        report.write_text(render(all_stats, figures, gradebook, lang), encoding="utf-8")
    except OSError as exc:
        raise ReportError(_say("error.cannot_write", lang, path=exc.filename or out,
                               reason=exc.strerror or exc)) from None
    return Written(report, tuple(figures.values()))
