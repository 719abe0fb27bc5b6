"""The gradebook keeps one row per student and content, survives reruns, exports CSV."""

import csv
import sqlite3

from autograder.report.gradebook import Gradebook
from autograder.result import Result, TestResult


def result(score: float, sha: str) -> Result:
    return Result("03_affine", "s", (TestResult("test_a", "Affine", score, 2.0, "msg"),
                                     TestResult("test_b", "Affine", 1.0, 1.0, "Passed.")), sha)


def test_record_is_one_transaction_per_submission(tmp_path):
    with Gradebook(tmp_path / "g.db") as book:
        book.record("student01", "subs/student01.py", result(2.0, "aa"))
        book.record("student02", "subs/student02.zip", result(0.0, "bb"))
        assert book.has("student01", "03_affine", "aa") and not book.has("student01", "03_affine", "bb")
    db = sqlite3.connect(tmp_path / "g.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 2
    assert db.execute("SELECT COUNT(*) FROM test_results").fetchone()[0] == 4


def test_regrading_the_same_content_replaces_its_row(tmp_path):
    with Gradebook(tmp_path / "g.db") as book:
        book.record("student01", "a", result(0.0, "aa"))
        book.record("student01", "a", result(2.0, "aa"))
        rows = book.latest("03_affine")
        assert len(rows) == 1 and rows[0]["score"] == 3.0


def test_new_content_is_a_new_submission_and_the_latest_counts(tmp_path):
    with Gradebook(tmp_path / "g.db") as book:
        book.record("student01", "a", result(0.0, "aa"))
        book.record("student01", "a", result(2.0, "bb"))
        assert [r["sha256"] for r in book.latest("03_affine")] == ["bb"]
        assert book.db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 2


def test_csv_has_a_column_per_test(tmp_path):
    with Gradebook(tmp_path / "g.db") as book:
        book.record("student01", "a", result(2.0, "aa"))
        book.record("student02", "b", result(0.0, "bb"))
        assert book.export_csv("03_affine", tmp_path / "g.csv") == 2
    rows = list(csv.DictReader(open(tmp_path / "g.csv")))
    assert [r["student"] for r in rows] == ["student01", "student02"]
    assert rows[0]["test_a"] == "2.0" and rows[1]["test_a"] == "0.0" and rows[1]["score"] == "1.0"


def test_unicode_names_survive(tmp_path):
    with Gradebook(tmp_path / "g.db") as book:
        book.record("학생01", "a", result(2.0, "aa"))
        assert book.latest("03_affine")[0]["student"] == "학생01"
