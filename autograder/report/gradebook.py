"""The gradebook: every graded submission in SQLite, and its CSV export.

Tables: students, submissions (one row per student, assignment and content
hash: the same file graded twice is one row), test_results (one row per hidden
test of a submission, with the catalogue keys of the hints that fired as a JSON
list in `hints`). WAL journaling and one transaction per submission, so a
crash mid-batch loses nothing already recorded and a rerun skips what is done.
Commits are not flushed to the disk one by one (synchronous=NORMAL, SQLite's
advice with WAL): a grader that crashes or is killed loses nothing, and only a
power cut or a crash of the machine itself can take back the last few rows, which
the next run then grades again. A flush per submission costs 3-10 ms, as much
as grading an easy one.

Names and paths are stored as autograder/untrusted.py cleans them (a path
may hold bytes that are not UTF-8, which SQLite would refuse), and the CSV
export starts a text cell that a spreadsheet would run as a formula (= + - @)
with a quote.

A submission or test the grader itself failed on keeps the detail in
`grader_error` (empty when the grade is the student's); has() does not count
such a row as graded, so the next run grades it again. Each test's
`visibility` (the manifest's) is kept beside its status.

Opening a gradebook brings an older one up to date in place: a gradebook made
before a column in MIGRATIONS existed gets it (ALTER TABLE, every old row the
column's default: no hints, no grader error, visible), so reports read old
and new gradebooks alike.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from .. import untrusted
from ..result import Result

SCHEMA = """
CREATE TABLE IF NOT EXISTS students (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS submissions (
    id             INTEGER PRIMARY KEY,
    student_id     INTEGER NOT NULL REFERENCES students(id),
    assignment     TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    source         TEXT NOT NULL,
    score          REAL NOT NULL,
    max_score      REAL NOT NULL,
    output         TEXT NOT NULL,
    protections    TEXT NOT NULL,
    execution_time REAL NOT NULL,
    graded_at      TEXT NOT NULL,
    grader_error   TEXT NOT NULL DEFAULT '',
    UNIQUE (student_id, assignment, sha256)
);
CREATE TABLE IF NOT EXISTS test_results (
    submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    unit          TEXT NOT NULL,
    score         REAL NOT NULL,
    max_score     REAL NOT NULL,
    status        TEXT NOT NULL,
    output        TEXT NOT NULL,
    hints         TEXT NOT NULL DEFAULT '[]',
    visibility    TEXT NOT NULL DEFAULT 'visible',
    grader_error  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (submission_id, name)
);
"""

# Columns added after the first gradebooks were written: (table, column, its definition).
MIGRATIONS = (("test_results", "hints", "TEXT NOT NULL DEFAULT '[]'"),
              ("submissions", "grader_error", "TEXT NOT NULL DEFAULT ''"),
              ("test_results", "visibility", "TEXT NOT NULL DEFAULT 'visible'"),
              ("test_results", "grader_error", "TEXT NOT NULL DEFAULT ''"))


class GradebookError(Exception):
    """A file that cannot serve as a gradebook; the message says what to do, `reason` what SQLite said."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason


class Gradebook:
    def __init__(self, path: Path):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(SCHEMA)
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise GradebookError(f"{path} is not a gradebook ({exc}): give the file that "
                                 "`grade --gradebook` wrote", str(exc)) from None

    def _migrate(self) -> None:
        for table, column, definition in MIGRATIONS:
            columns = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
            if column not in columns:
                with self.db:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def has(self, student: str, assignment: str, sha256: str) -> bool:
        """Whether this content of the student's is graded: recorded, and not failed by the grader itself."""
        row = self.db.execute(
            "SELECT 1 FROM submissions s JOIN students st ON st.id = s.student_id "
            "WHERE st.name = ? AND s.assignment = ? AND s.sha256 = ? AND s.grader_error = '' "
            "AND NOT EXISTS (SELECT 1 FROM test_results t WHERE t.submission_id = s.id AND t.grader_error != '')",
            (student, assignment, sha256)).fetchone()
        return row is not None

    def record(self, student: str, source: str, result: Result) -> None:
        """Store one graded submission (replacing an earlier grading of the same content)."""
        student, source = untrusted.name(student), untrusted.path(source)
        with self.db:  # one transaction
            self.db.execute("INSERT OR IGNORE INTO students(name) VALUES (?)", (student,))
            (student_id,) = self.db.execute("SELECT id FROM students WHERE name = ?", (student,)).fetchone()
            self.db.execute("DELETE FROM submissions WHERE student_id = ? AND assignment = ? AND sha256 = ?",
                            (student_id, result.assignment, result.sha256))
            cursor = self.db.execute(
                "INSERT INTO submissions(student_id, assignment, sha256, source, score, max_score, output, "
                "protections, execution_time, graded_at, grader_error) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (student_id, result.assignment, result.sha256, source, result.score, result.max_score,
                 result.output, "; ".join(result.protections), result.execution_time,
                 datetime.now(timezone.utc).isoformat(timespec="seconds"), result.grader_error))
            self.db.executemany(
                "INSERT INTO test_results(submission_id, name, unit, score, max_score, status, output, hints, "
                "visibility, grader_error) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(cursor.lastrowid, t.name, t.unit, t.score, t.max_score, t.status, t.output,
                  json.dumps(list(t.hints)), t.visibility, t.grader_error) for t in result.tests])

    def latest(self, assignment: str) -> list[sqlite3.Row]:
        """The newest graded submission of each student for an assignment."""
        self.db.row_factory = sqlite3.Row
        try:
            return self.db.execute(
                "SELECT st.name AS student, s.* FROM submissions s JOIN students st ON st.id = s.student_id "
                "WHERE s.assignment = ? AND s.id = (SELECT MAX(id) FROM submissions "
                "WHERE student_id = s.student_id AND assignment = s.assignment) ORDER BY st.name",
                (assignment,)).fetchall()
        finally:
            self.db.row_factory = None

    def assignments(self) -> list[str]:
        """The assignments with at least one graded submission, sorted."""
        return [a for (a,) in self.db.execute("SELECT DISTINCT assignment FROM submissions ORDER BY assignment")]

    def latest_tests(self, assignment: str) -> list[dict]:
        """Every test result of each student's newest submission of an assignment.

        One dict per (student, test): student, name, unit, score, max_score,
        status, output, and hints (the list of catalogue keys), in the order the
        tests were recorded.
        """
        rows = self.db.execute(
            "SELECT st.name, t.name, t.unit, t.score, t.max_score, t.status, t.output, t.hints "
            "FROM test_results t JOIN submissions s ON s.id = t.submission_id "
            "JOIN students st ON st.id = s.student_id "
            "WHERE s.assignment = ? AND s.id = (SELECT MAX(id) FROM submissions "
            "WHERE student_id = s.student_id AND assignment = s.assignment) ORDER BY st.name, t.rowid",
            (assignment,)).fetchall()
        keys = ("student", "name", "unit", "score", "max_score", "status", "output")
        return [{**dict(zip(keys, row[:7])), "hints": _hint_list(row[7])} for row in rows]

    def result(self, student: str, assignment: str, sha256: str | None = None) -> Result | None:
        """A recorded grading as a Result: the given content's, else the student's newest; None if absent."""
        query = ("SELECT s.id, s.sha256, s.output, s.protections, s.execution_time, s.grader_error "
                 "FROM submissions s "
                 "JOIN students st ON st.id = s.student_id WHERE st.name = ? AND s.assignment = ?")
        params: tuple = (student, assignment)
        if sha256 is not None:
            query, params = query + " AND s.sha256 = ?", params + (sha256,)
        row = self.db.execute(query + " ORDER BY s.id DESC LIMIT 1", params).fetchone()
        if row is None:
            return None
        submission_id, sha, output, protections, seconds, grader_error = row
        columns = ("name", "unit", "score", "max_score", "status", "output", "hints", "visibility", "grader_error")
        tests = [{**dict(zip(columns, test)), "hints": _hint_list(test[6])} for test in self.db.execute(
            f"SELECT {', '.join(columns)} FROM test_results WHERE submission_id = ? ORDER BY rowid",
            (submission_id,))]
        return Result.from_dict({
            "assignment": assignment, "submission": student, "sha256": sha, "output": output,
            "execution_time": seconds, "protections": [p for p in protections.split("; ") if p],
            "grader_error": grader_error, "tests": tests})

    def export_csv(self, assignment: str, path: Path) -> int:
        """One row per student: total, then points per hidden test. Returns the number of rows."""
        rows = self.latest(assignment)
        tests = [name for (name,) in self.db.execute(
            "SELECT DISTINCT t.name FROM test_results t JOIN submissions s ON s.id = t.submission_id "
            "WHERE s.assignment = ? ORDER BY t.rowid", (assignment,))]
        # utf-8-sig: a byte-order mark, without which Excel reads the file as the locale's code page
        # and garbles Korean names; csv_cell guards names a spreadsheet would run as formulas
        with open(path, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(["student", "assignment", "score", "max_score", "sha256", "graded_at", *tests])
            for row in rows:
                points = dict(self.db.execute(
                    "SELECT name, score FROM test_results WHERE submission_id = ?", (row["id"],)).fetchall())
                writer.writerow([untrusted.csv_cell(row["student"]), assignment, row["score"], row["max_score"], row["sha256"],
                                 row["graded_at"], *(points.get(t, "") for t in tests)])
        return len(rows)


def _hint_list(text: str) -> list[str]:
    """The hint keys stored in a row; anything but a JSON list of strings counts as none."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return []
    return [k for k in value if isinstance(k, str)] if isinstance(value, list) else []
