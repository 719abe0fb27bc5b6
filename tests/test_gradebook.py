"""The gradebook keeps one row per student and content, survives reruns, exports CSV."""

import csv
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.report.gradebook import Gradebook, GradebookError
from autograder.result import Result, TestResult

ROOT = Path(__file__).resolve().parents[1]


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


def test_a_row_recorded_survives_the_grader_killed_without_a_flush(tmp_path):
    """Commits are not flushed one by one (synchronous=NORMAL): a killed grader still loses nothing recorded."""
    code = ("import os, signal, sys\nfrom autograder.report.gradebook import Gradebook\n"
            "from tests.test_gradebook import result\n"
            "book = Gradebook(sys.argv[1])\n"
            "assert book.db.execute('PRAGMA synchronous').fetchone()[0] == 1  # NORMAL\n"
            "book.record('student01', 'a.py', result(2.0, 'aa'))\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "g.db")], cwd=ROOT)
    assert done.returncode == -signal.SIGKILL
    with Gradebook(tmp_path / "g.db") as book:
        assert book.has("student01", "03_affine", "aa")


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
    rows = list(csv.DictReader(open(tmp_path / "g.csv", encoding="utf-8-sig")))
    assert [r["student"] for r in rows] == ["student01", "student02"]
    assert rows[0]["test_a"] == "2.0" and rows[1]["test_a"] == "0.0" and rows[1]["score"] == "1.0"


def test_csv_starts_with_a_byte_order_mark_so_excel_reads_korean_names(tmp_path):
    with Gradebook(tmp_path / "g.db") as book:
        book.record("김민수", "a", result(2.0, "aa"))
        book.export_csv("03_affine", tmp_path / "g.csv")
    data = (tmp_path / "g.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfstudent,") and "김민수".encode() in data


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)"])
def test_csv_guards_names_a_spreadsheet_would_run_as_formulas(tmp_path, name):
    with Gradebook(tmp_path / "g.db") as book:
        book.record(name, "a", result(2.0, "aa"))
        book.export_csv("03_affine", tmp_path / "g.csv")
    (row,) = csv.DictReader(open(tmp_path / "g.csv", encoding="utf-8-sig"))
    assert row["student"] == "'" + name


def test_unicode_names_survive(tmp_path):
    with Gradebook(tmp_path / "g.db") as book:
        book.record("학생01", "a", result(2.0, "aa"))
        assert book.latest("03_affine")[0]["student"] == "학생01"


def hinted(sha: str) -> Result:
    return Result("03_affine", "s", (
        TestResult("test_a", "Affine", 0.0, 2.0, "db has shape ()", hints=("hint.affine.db_batch_axis",)),
        TestResult("test_b", "Affine", 1.0, 1.0, "Passed.")), sha, output="note", execution_time=0.5,
        protections=("uid nobody", "no network"))


def test_hint_keys_are_stored_as_a_json_list(tmp_path):
    with Gradebook(tmp_path / "g.db") as book:
        book.record("student01", "a", hinted("aa"))
    db = sqlite3.connect(tmp_path / "g.db")
    stored = dict(db.execute("SELECT name, hints FROM test_results").fetchall())
    assert stored == {"test_a": '["hint.affine.db_batch_axis"]', "test_b": "[]"}


def test_a_recorded_result_reads_back_with_its_hints(tmp_path):
    with Gradebook(tmp_path / "g.db") as book:
        book.record("student01", "a", hinted("aa"))
        book.record("student01", "a", result(2.0, "bb"))
        back = book.result("student01", "03_affine", "aa")
        assert back.tests == hinted("aa").tests and back.sha256 == "aa" and back.submission == "student01"
        assert back.output == "note" and back.protections == ("uid nobody", "no network")
        assert book.result("student01", "03_affine").sha256 == "bb"  # the newest without a hash
        assert book.result("student02", "03_affine") is None


def test_latest_tests_give_each_students_newest_results_with_hint_lists(tmp_path):
    with Gradebook(tmp_path / "g.db") as book:
        book.record("student01", "a", hinted("aa"))
        book.record("student02", "b", hinted("cc"))
        book.record("student02", "b", result(2.0, "dd"))
        rows = book.latest_tests("03_affine")
    assert [(r["student"], r["name"], r["status"], r["hints"]) for r in rows] == [
        ("student01", "test_a", "failed", ["hint.affine.db_batch_axis"]),
        ("student01", "test_b", "passed", []),
        ("student02", "test_a", "passed", []),
        ("student02", "test_b", "passed", [])]


OLD_SCHEMA = """
CREATE TABLE students (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE submissions (id INTEGER PRIMARY KEY, student_id INTEGER NOT NULL REFERENCES students(id),
    assignment TEXT NOT NULL, sha256 TEXT NOT NULL, source TEXT NOT NULL, score REAL NOT NULL,
    max_score REAL NOT NULL, output TEXT NOT NULL, protections TEXT NOT NULL, execution_time REAL NOT NULL,
    graded_at TEXT NOT NULL, UNIQUE (student_id, assignment, sha256));
CREATE TABLE test_results (submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    name TEXT NOT NULL, unit TEXT NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL,
    status TEXT NOT NULL, output TEXT NOT NULL, PRIMARY KEY (submission_id, name));
INSERT INTO students VALUES (1, 'old01');
INSERT INTO submissions VALUES (1, 1, '03_affine', 'aa', 'a', 0, 2, '', '', 0.1, '2026-01-01T00:00:00+00:00');
INSERT INTO test_results VALUES (1, 'test_a', 'Affine', 0, 2, 'failed', 'msg');
"""


def test_a_gradebook_made_before_hints_gains_the_column_and_keeps_its_rows(tmp_path):
    old = sqlite3.connect(tmp_path / "g.db")
    old.executescript(OLD_SCHEMA)
    old.close()
    with Gradebook(tmp_path / "g.db") as book:
        assert [(r["student"], r["hints"]) for r in book.latest_tests("03_affine")] == [("old01", [])]
        assert book.has("old01", "03_affine", "aa")  # an old row is a grade, not a grader failure
        old_test = book.result("old01", "03_affine").tests[0]
        assert (old_test.passed, old_test.visibility, old_test.grader_error) == (False, "visible", "")
        book.record("new01", "b", hinted("bb"))
        assert book.result("new01", "03_affine").tests[0].hints == ("hint.affine.db_batch_axis",)
    columns = [row[1] for row in sqlite3.connect(tmp_path / "g.db").execute("PRAGMA table_info(test_results)")]
    assert columns[-3:] == ["hints", "visibility", "grader_error"]
    assert all(columns.count(c) == 1 for c in ("hints", "visibility", "grader_error"))
    with Gradebook(tmp_path / "g.db") as book:  # opening it again migrates nothing twice
        assert len(book.latest("03_affine")) == 2


def test_a_file_that_is_not_a_gradebook_is_refused_with_a_sentence(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(GradebookError, match="is not a gradebook") as caught:
        Gradebook(path)
    assert "not a database" in caught.value.reason
    assert path.read_bytes().startswith(b"these are my notes")
