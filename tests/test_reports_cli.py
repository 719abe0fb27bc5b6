"""Through the command line: a batch of sample submissions gives feedback per student and a class report."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import course, messages
from autograder.report import hint_text, histogram

SAMPLES = course.find_root() / "examples" / "submissions" / "03_affine"
CHOSEN = ("correct.py", "bug_db_summed_over_every_axis_a_scalar.py", "bug_dx_without_the_transpose_np_dot_dout_w.py",
          "syntax_error.py", "zip_from_macos.zip")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def said(text: str) -> str:
    """Printed text with the terminal's line wrapping undone."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Five sample submissions graded into a gradebook, with English feedback reports."""
    root = tmp_path_factory.mktemp("class")
    batch = root / "submissions"
    batch.mkdir()
    for name in CHOSEN:
        shutil.copy(SAMPLES / name, batch / name)
    run = cli("grade", "--assignment", "03_affine", batch, "--gradebook", root / "grades.db",
              "--reports", root / "feedback", "--lang", "en", "--quiet")
    assert run.returncode == 0, run.stderr
    assert "wrote 5 feedback report(s)" in said(run.stderr)
    return root


def test_every_student_of_the_batch_gets_a_markdown_and_an_html_report(graded):
    names = sorted(p.name for p in (graded / "feedback").iterdir())
    stems = sorted(Path(n).stem.removesuffix(".py") for n in CHOSEN)
    assert names == sorted(f"{s}.{ext}" for s in [*stems, "index"] for ext in ("html", "md"))
    index = (graded / "feedback" / "index.html").read_text(encoding="utf-8")
    assert all(f'<a href="{s}.html">{s}</a>' in index for s in stems)
    correct = (graded / "feedback" / "correct.md").read_text(encoding="utf-8")
    assert "**Score: 16 / 16**" in correct and "Every test passed" in correct


def test_a_buggy_students_report_carries_the_hidden_tests_messages(graded):
    report = (graded / "feedback" / "bug_db_summed_over_every_axis_a_scalar.md").read_text(encoding="utf-8")
    db = sqlite3.connect(graded / "grades.db")
    failed = db.execute(
        "SELECT t.name, t.output FROM test_results t JOIN submissions s ON s.id = t.submission_id "
        "JOIN students st ON st.id = s.student_id WHERE st.name = ? AND t.status = 'failed'",
        ("bug_db_summed_over_every_axis_a_scalar",)).fetchall()
    assert failed and any(name == "test_affine_db_sums_over_batch" for name, _ in failed)
    for name, output in failed:
        assert f"`{name}`" in report and output in report
    assert "**Score: 16 / 16**" not in report
    fixed = [p.strip() for p in hint_text.sentence("hint.affine.db_batch_axis", "en").split(hint_text.PLACEHOLDER)]
    assert all(part in report for part in fixed if part)  # the hint of this bug, filled in by the test


def test_rerunning_the_batch_reports_the_students_the_gradebook_already_holds(graded, tmp_path):
    run = cli("grade", "--assignment", "03_affine", graded / "submissions", "--gradebook", graded / "grades.db",
              "--reports", tmp_path / "again", "--report-format", "md", "--lang", "ko", "--quiet")
    assert run.returncode == 0, run.stderr
    assert "graded 0 submission(s)" in run.stderr
    assert messages.text("report.student.wrote", "ko", count=5, folder=tmp_path / "again") in said(run.stderr)
    assert len(list((tmp_path / "again").glob("*.md"))) == 5 + 1 and not list((tmp_path / "again").glob("*.html"))
    report = (tmp_path / "again" / "syntax_error.md").read_text(encoding="utf-8")
    assert "**점수: 0 / 16**" in report and "SyntaxError" in report
    assert messages.text("report.student.same", "ko", count=11) in report


def test_one_submission_can_get_its_report_too(tmp_path):
    run = cli("grade", "--assignment", "03_affine", SAMPLES / "correct.py", "--reports", tmp_path,
              "--report-format", "html", "--quiet")
    assert run.returncode == 0, run.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["correct.html"]


def test_the_class_report_has_pass_rates_a_histogram_and_hinted_bugs(graded, tmp_path):
    run = cli("report", graded / "grades.db", "--out", tmp_path, "--lang", "en")
    assert run.returncode == 0, run.stderr
    report, png = tmp_path / "class_report.html", tmp_path / "class_report_03_affine.png"
    assert f"wrote {report} and 1 figure(s) beside it" in run.stdout
    assert png.read_bytes().startswith(PNG_SIGNATURE)
    from PIL import Image

    with Image.open(png) as image:
        image.verify()
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size == (640, 360)
    page = report.read_text(encoding="utf-8")
    assert "Pass rate per test" in page and "Most frequent hinted bugs" in page
    # 2 of the 5 passed the db test: the correct file and the macOS zip of the solution.
    assert '<td>test_affine_db_sums_over_batch</td><td class="n">2 / 5</td><td class="n">40%</td>' in page
    assert "<tr><td>Students</td><td class=\"n\">5</td></tr>" in page
    for key in ("hint.affine.db_batch_axis", "hint.affine.dx_missing_transpose"):  # one sample bug each
        assert re.search(rf'<tr><td>{re.escape(key)}</td><td>[^<]+</td><td class="n">1</td></tr>', page), key


def test_the_class_report_in_korean_and_markdown_beside_the_gradebook(graded):
    run = cli("report", graded / "grades.db", "--assignment", "03_affine", "--format", "md", "--lang", "ko")
    assert run.returncode == 0, run.stderr
    text = (graded / "class_report.md").read_text(encoding="utf-8")
    assert "# 03_affine: 수업 보고서" in text and "![03_affine 점수 히스토그램](class_report_03_affine.png)" in text
    assert (graded / "class_report_03_affine.png").read_bytes().startswith(PNG_SIGNATURE)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_report_errors_are_sentences(tmp_path, lang):
    missing = tmp_path / "grades.db"
    run = cli("report", missing, "--lang", lang)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.strip() == "error: " + messages.text("report.error.no_gradebook", lang, path=missing)
    junk = tmp_path / "junk.db"
    junk.write_text("a spreadsheet saved under the wrong name\n" * 50)
    run = cli("report", junk, "--lang", lang)
    assert run.returncode == 2 and "Traceback" not in run.stderr and str(junk) in run.stderr


def test_an_unwritable_reports_folder_is_a_sentence(tmp_path):
    blocker = tmp_path / "taken"
    blocker.write_text("a file where the folder should go")
    run = cli("grade", "--assignment", "03_affine", SAMPLES / "correct.py", "--reports", blocker / "fb",
              "--quiet")
    assert run.returncode == 2 and "Traceback" not in run.stderr and "cannot write" in run.stderr


def test_reports_inside_the_submissions_folder_are_refused(graded):
    run = cli("grade", "--assignment", "03_affine", graded / "submissions", "--reports",
              graded / "submissions" / "feedback", "--quiet")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "inside the submissions folder" in said(run.stderr)
    assert not (graded / "submissions" / "feedback").exists()


def test_histogram_module_finds_matplotlib_in_the_dev_install():
    assert histogram.available()
