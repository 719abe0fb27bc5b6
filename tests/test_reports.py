"""Feedback reports for students and the class report for instructors, from results and gradebooks."""

from __future__ import annotations

import base64
import html
import re
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder import messages
from autograder.report import analytics, feedback, filenames, hint_text, histogram, instructor
from autograder.report.gradebook import Gradebook
from autograder.result import Result, TestResult

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DB_HINT = "hint.affine.db_batch_axis"
DX_HINT = "hint.affine.dx_missing_transpose"


def buggy() -> Result:
    return Result("03_affine", "student01", (
        TestResult("test_forward", "Affine", 2.0, 2.0, "Passed: forward secret 1.234"),
        TestResult("test_db", "Affine", 0.0, 2.0, "Affine.db has shape (), expected (3,).", hints=(DB_HINT,)),
        TestResult("test_softmax", "softmax", 1.0, 1.0, "Passed."),
        TestResult("test_dx", "Affine", 0.0, 1.0, "Affine.backward returned dx of the wrong values.",
                   hints=(DX_HINT,))))


# ---------------------------------------------------------------- hint sentences

def test_a_hint_sentence_leaves_its_fields_open():
    assert hint_text.sentence(DB_HINT, "en").startswith("db has shape … but b has shape …: sum dout")
    assert "{" not in hint_text.sentence(DB_HINT, "ko") and "…" in hint_text.sentence(DB_HINT, "ko")


def test_an_unknown_hint_key_is_shown_as_itself():
    assert hint_text.sentence("hint.gone.from_the_catalogue", "en") == "hint.gone.from_the_catalogue"


# ---------------------------------------------------------------- student reports

def test_markdown_report_has_score_units_and_each_failure_with_its_hint():
    text = feedback.markdown(buggy(), "en")
    assert "# 03_affine: feedback for student01" in text and "**Score: 3 / 6**" in text
    assert "| `Affine` | 1 / 3 | 2 / 5 |" in text and "| `softmax` | 1 / 1 | 1 / 1 |" in text
    assert "`test_db` (0 / 2 points)" in text and "Affine.db has shape (), expected (3,)." in text
    assert "**Hint:** db has shape … but b has shape …" in text
    assert "**Hint:** dx matches dout @ W instead of dout @ W.T" in text
    assert text.index("test_db") < text.index("test_dx")  # in the order the tests ran
    assert "secret 1.234" not in text and "test_softmax" not in text  # passed tests say nothing


def test_korean_report_speaks_korean():
    text = feedback.markdown(buggy(), "ko")
    assert "student01 학생 피드백" in text and "**점수: 3 / 6**" in text and "**힌트:**" in text
    assert messages.catalogue("ko")[DB_HINT].split("{")[0] in text
    for english in ("Score", "Hint", "What to fix", "feedback for"):
        assert english not in text
    assert '<html lang="ko">' in feedback.html(buggy(), "ko")


def test_a_hint_the_message_already_holds_is_not_repeated_but_one_in_another_language_is():
    filled = messages.text(DB_HINT, "en", actual="()", expected="(3,)")
    result = Result("03_affine", "yoon", (TestResult("test_db", "Affine", 0.0, 2.0,
                                                     f"Affine.db has shape (), expected (3,).\nHint: {filled}",
                                                     hints=(DB_HINT,)),))
    english = feedback.markdown(result, "en")
    assert english.count("sum dout over the batch axis only") == 1 and "**Hint:**" not in english
    korean = feedback.markdown(result, "ko")  # graded in English, reported in Korean: the Korean hint is added
    assert "**힌트:**" in korean and hint_text.sentence(DB_HINT, "ko") in korean
    assert "<strong>Hint:</strong>" not in feedback.html(result, "en")


def test_full_marks_say_so():
    result = Result("03_affine", "student02", (TestResult("test_a", "Affine", 1.0, 1.0, "Passed."),))
    assert messages.text("report.student.all_passed", "en") in feedback.markdown(result, "en")
    assert messages.text("report.student.all_passed", "ko") in feedback.html(result, "ko")


def test_tests_that_failed_with_the_same_message_are_grouped():
    broken = "importing layers.py failed: SyntaxError: expected ':' (layers.py, line 14)"
    result = Result("03_affine", "student03", tuple(TestResult(f"test_{i}", "Affine", 0.0, 1.0, broken)
                                               for i in range(5)))
    text = feedback.markdown(result, "en")
    assert text.count(broken) == 1 and "5 tests failed with the same message" in text
    assert all(f"`test_{i}`" in text for i in range(5))
    assert feedback.html(result, "en").count("SyntaxError") == 1


def test_html_escapes_what_the_submission_controls():
    result = Result("03_affine", '<img src=x onerror="alert(1)">', (TestResult(
        "test_a", "Affine", 0.0, 1.0, "raised ValueError: <script>alert('x')</script> & more"),))
    page = feedback.html(result, "en")
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page


def test_markdown_output_cannot_close_its_code_block():
    result = Result("03_affine", "choi", (TestResult(
        "test_a", "Affine", 0.0, 1.0, "raised: ```\n# Score: 100 / 100\n````"),))
    text = feedback.markdown(result, "en")
    fence = re.search(r"^(`{3,})text$", text, re.M).group(1)
    assert len(fence) == 5 and text.count(fence) == 2  # opened and closed once, longer than any run inside


def test_reports_are_written_one_per_student_and_format_with_safe_names(tmp_path):
    results = [buggy(), Result("03_affine", "../../etc/passwd", ()), Result("03_affine", "a b", ()),
               Result("03_affine", "a_b", ())]
    written = feedback.write_reports(results, tmp_path / "fb", "en")
    names = sorted(p.name for p in written)
    assert names == ["a_b-2.html", "a_b-2.md", "a_b.html", "a_b.md", "etc_passwd.html", "etc_passwd.md",
                     "student01.html", "student01.md"]
    assert all(p.parent == tmp_path / "fb" for p in written)
    assert (tmp_path / "fb" / "student01.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match="unknown report format"):
        feedback.write_reports(results, tmp_path / "fb", "en", ["pdf"])


def test_feedback_pages_are_named_for_students_distinct_without_case_and_listed_on_an_index(tmp_path):
    names = ["Alice", "alice", "김민수", "index", "Kim Min-su", "CON", ".hidden"]
    results = [Result("03_affine", n, (TestResult("test_a", "Affine", 1.0, 2.0, "x"),)) for n in names]
    written = feedback.write_reports(results, tmp_path / "fb", "en", ("html",))
    stems = [p.stem for p in written]
    assert len({s.casefold() for s in stems}) == len(names)  # one file each, on macOS and Windows too
    assert "김민수" in stems and "Kim_Min-su" in stems and "index" not in stems and "CON" not in stems
    assert not [s for s in stems if s.startswith(".")]
    index = (tmp_path / "fb" / "index.html").read_text(encoding="utf-8")
    for result, path in zip(sorted(results, key=lambda r: r.submission), written):
        assert f'<a href="{quote(path.name)}">{html.escape(result.submission)}</a>' in index
    assert index.count("1 / 2") == len(names)


def test_the_markdown_index_links_every_page(tmp_path):
    results = [Result("03_affine", n, ()) for n in ("b c", "a")]
    written = feedback.write_reports(results, tmp_path, "en", ("md",))
    index = (tmp_path / "index.md").read_text(encoding="utf-8")
    assert [p.name for p in written] == ["a.md", "b_c.md"]
    assert "](a.md)" in index and "](b_c.md)" in index


@given(st.lists(st.text(min_size=0, max_size=30), min_size=1, max_size=12))
@settings(max_examples=60, deadline=None)
def test_safe_file_stems_are_safe_and_distinct_on_case_insensitive_file_systems(names):
    taken = {"index"}
    stems = [filenames.safe_file_stem(n, taken) for n in names]
    keys = [filenames.key(s) for s in stems]
    assert len(set(keys)) == len(stems) and "index" not in keys
    for stem in stems:
        assert stem and not stem.startswith(".") and "/" not in stem and "\\" not in stem
        assert len(stem.encode("utf-8")) <= 255 - len(".html")
        assert re.fullmatch(r"[\w.-]+", stem)
        assert stem.split(".")[0].casefold() not in {"con", "nul", "prn", "aux", "com1", "lpt1"}


# ---------------------------------------------------------------- analytics

def _result(student_name: str, passes: dict[str, bool], fired: dict[str, tuple[str, ...]] | None = None,
            sha: str = "") -> Result:
    fired = fired or {}
    tests = tuple(TestResult(name, "Affine" if name != "test_c" else "softmax", 2.0 if ok else 0.0, 2.0,
                             "Passed." if ok else "wrong", hints=fired.get(name, ()))
                  for name, ok in passes.items())
    return Result("03_affine", student_name, tests, sha or student_name)


@pytest.fixture
def small_gradebook(tmp_path):
    """Four students, three tests; s1 resubmitted, and only the second submission counts."""
    path = tmp_path / "grades.db"
    with Gradebook(path) as book:
        book.record("s1", "s1.py", _result("s1", {"test_a": False, "test_b": False, "test_c": False},
                                           {"test_a": (DB_HINT,), "test_b": (DX_HINT,)}, sha="old"))
        book.record("s1", "s1.py", _result("s1", {"test_a": True, "test_b": True, "test_c": True}, sha="new"))
        book.record("s2", "s2.py", _result("s2", {"test_a": False, "test_b": False, "test_c": True},
                                           {"test_a": (DB_HINT,), "test_b": (DB_HINT, DX_HINT)}))
        book.record("s3", "s3.py", _result("s3", {"test_a": False, "test_b": True, "test_c": True},
                                           {"test_a": (DB_HINT,)}))
        book.record("s4", "s4.py", _result("s4", {"test_a": True, "test_b": True, "test_c": False}))
        book.record("other", "o.py", Result("01_computational_graph", "other",
                                            (TestResult("test_mul", "MulLayer", 0.0, 1.0, "x"),)))
    return path


def test_pass_rates_count_each_students_newest_submission(small_gradebook):
    with Gradebook(small_gradebook) as book:
        stats = analytics.analyse(book, "03_affine")
    assert [(r.unit, r.name, r.passed, r.students) for r in stats.rates] == [
        ("Affine", "test_a", 2, 4), ("Affine", "test_b", 3, 4), ("softmax", "test_c", 3, 4)]
    assert [r.rate for r in stats.rates] == [0.5, 0.75, 0.75]
    assert stats.scores == {"s1": 6.0, "s2": 2.0, "s3": 4.0, "s4": 4.0} and stats.max_score == 6.0
    assert stats.mean == 4.0 and stats.median == 4.0 and stats.full_marks == 1
    assert stats.hardest().name == "test_a"
    assert [r.name for r in stats.hardest_tests()] == ["test_a"]


def _stats(rates: list[float]) -> analytics.ClassStats:
    tests = tuple(analytics.TestRate("Affine", f"test_{i}", int(r * 4), 4) for i, r in enumerate(rates))
    return analytics.ClassStats("03_affine", 1.0, {}, tests, ())


def test_the_hardest_test_is_named_alone_only_when_it_is_alone():
    assert instructor.hardest_sentence(_stats([0.5, 0.75]), "en") == "Hardest test: test_0 (50% of students passed it)."
    tied = instructor.hardest_sentence(_stats([0.5, 0.75, 0.5, 0.5, 0.5, 0.5]), "en")
    assert tied == "Hardest tests, 5 tied: test_0, test_2, test_3, test_4, test_5 (50% of students passed each)."
    same = instructor.hardest_sentence(_stats([0.25, 0.25]), "en")
    assert same == "No test was harder than another: each of the 2 tests was passed by 25% of students."
    assert instructor.hardest_sentence(_stats([]), "en") == ""


def test_hinted_bugs_count_students_not_tests(small_gradebook):
    with Gradebook(small_gradebook) as book:
        stats = analytics.analyse(book, "03_affine")
    # s2 fired the db hint in two tests: one student. s1's old submission no longer counts.
    assert [(h.key, h.students) for h in stats.hints] == [(DB_HINT, 2), (DX_HINT, 1)]


def test_histogram_bins_are_whole_points_for_small_totals():
    assert histogram.bins(3) == [-0.5, 0.5, 1.5, 2.5, 3.5]
    assert len(histogram.bins(16)) == 18
    assert len(histogram.bins(7.5)) == 21 and histogram.bins(7.5)[-1] == pytest.approx(7.5)
    assert len(histogram.bins(120)) == 21


def test_korean_figure_labels_need_a_hangul_font_else_stay_english(monkeypatch):
    stats = analytics.ClassStats("03_affine", 16.0, {"s1": 3.0}, (), ())
    monkeypatch.setattr(histogram, "_hangul_font", lambda: None)
    assert histogram.labels(stats, "ko") == ("score (out of 16)", "students", None)
    monkeypatch.setattr(histogram, "_hangul_font", lambda: "NanumGothic")
    assert histogram.labels(stats, "ko") == ("점수 (16점 만점)", "학생 수", "NanumGothic")
    assert histogram.labels(stats, "en") == ("score (out of 16)", "students", None)


# ---------------------------------------------------------------- the class report

def read_png_size(path) -> tuple[int, int]:
    """Width and height, read back by matplotlib (which decodes the whole image)."""
    import matplotlib.image

    pixels = matplotlib.image.imread(path)
    return pixels.shape[1], pixels.shape[0]


def test_class_report_in_html_embeds_a_valid_histogram(small_gradebook, tmp_path):
    written = instructor.write(small_gradebook, tmp_path / "out", "03_affine", "en", "html")
    assert written.report == tmp_path / "out" / "class_report.html"
    (png,) = written.figures
    assert png.name == "class_report_03_affine.png" and png.read_bytes().startswith(PNG_SIGNATURE)
    assert read_png_size(png) == (histogram.WIDTH * histogram.DPI, histogram.HEIGHT * histogram.DPI)
    page = written.report.read_text(encoding="utf-8")
    assert base64.b64encode(png.read_bytes()).decode() in page
    assert "<td>test_a</td><td class=\"n\">2 / 4</td><td class=\"n\">50%</td>" in page
    assert f"<td>{DB_HINT}</td>" in page and "db has shape … but b has shape …" in page
    assert "01_computational_graph" not in page


def test_class_report_in_markdown_links_its_figure(small_gradebook, tmp_path):
    written = instructor.write(small_gradebook, tmp_path, None, "en", "md")
    text = written.report.read_text(encoding="utf-8")
    assert len(written.figures) == 2  # both assignments of the gradebook, one section each
    for png in written.figures:
        assert f"]({png.name})" in text and png.read_bytes().startswith(PNG_SIGNATURE)
    assert "| `Affine` | `test_b` | 3 / 4 | 75% |" in text
    assert f"| `{DB_HINT}` | db has shape … but b has shape …" in text and "| 2 |" in text
    assert "| Students | 4 |" in text and "| Mean score | 4.00 / 6 |" in text


def test_class_report_in_korean(small_gradebook, tmp_path):
    written = instructor.write(small_gradebook, tmp_path, "03_affine", "ko", "md")
    text = written.report.read_text(encoding="utf-8")
    assert "# 03_affine: 수업 보고서" in text and "## 테스트별 통과율" in text and "| 학생 수 | 4 |" in text
    assert messages.catalogue("ko")[DB_HINT].split("{")[0] in text
    assert "Pass rate" not in text and "Students" not in text
    assert read_png_size(written.figures[0]) == (640, 360)


def test_a_class_without_hints_says_so(tmp_path):
    with Gradebook(tmp_path / "g.db") as book:
        book.record("s1", "a", _result("s1", {"test_a": True}))
    text = instructor.write(tmp_path / "g.db", tmp_path, fmt="md", lang="en").report.read_text(encoding="utf-8")
    assert messages.text("report.instructor.no_hints", "en") in text


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_gradebook_problems_are_sentences(tmp_path, lang):
    def error(path, assignment=None):
        with pytest.raises(instructor.ReportError) as caught:
            instructor.write(path, tmp_path / "out", assignment, lang)
        return str(caught.value)

    missing = tmp_path / "nope.db"
    assert error(missing) == messages.text("report.error.no_gradebook", lang, path=missing)
    assert error(tmp_path) == messages.text("report.error.not_a_file", lang, path=tmp_path)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite at all" * 100)
    assert error(junk).startswith(messages.text("report.error.not_a_gradebook", lang, path=junk,
                                                reason="X").split("(")[0])
    empty = tmp_path / "empty.db"
    Gradebook(empty).close()
    assert error(empty) == messages.text("report.error.empty", lang, path=empty)
    with Gradebook(tmp_path / "g.db") as book:
        book.record("s1", "a", _result("s1", {"test_a": True}))
    assert error(tmp_path / "g.db", "07_many_to_one") == messages.text(
        "report.error.unknown_assignment", lang, path=tmp_path / "g.db", assignment="07_many_to_one",
        known="03_affine")
    assert not (tmp_path / "out").exists()


def test_without_matplotlib_the_report_says_how_to_install_it(small_gradebook, tmp_path, monkeypatch):
    monkeypatch.setattr(histogram, "available", lambda: False)
    with pytest.raises(instructor.ReportError, match=r"pip install 'backprop-rnn-kit\[reports\]'"):
        instructor.write(small_gradebook, tmp_path / "out", lang="en")


def test_batch_summary_keeps_names_whole_or_ends_them_with_an_ellipsis():
    """At 80 columns no student or test name is folded mid-word: it is whole or cut with '…'."""
    import io

    from rich.console import Console

    from autograder import course
    from autograder.report.console import summary_table
    from autograder.result import Result, TestResult

    assignment = course.load("03_affine")
    names = [t.name for t in assignment.tests]
    student = "bug_dx_as_np_dot_w_dout_t_without_the_final_transpose"
    tests = tuple(TestResult(n, "Affine", 0.0 if i < 3 else 1.0, 1.0, "wrong") for i, n in enumerate(names))
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(summary_table(assignment, {student: Result("03_affine", feedback, tests)}))
    lines = console.export_text().splitlines()
    row = next(line for line in lines if line.startswith("│ bug_dx"))
    assert "…" in row and student[:20] in row                       # cut, not folded onto a second line
    assert f"3 of {len(names)}, first:" in "".join(lines)
    first = names[0].removeprefix("test_")
    assert first in "".join(lines) or any(first[:15] in line and "…" in line for line in lines)
