"""The results model knows failure: a grader error is not a score of 0, `passed` is stored, one way in and out."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder import course, grade as grading
from autograder.cli import main
from autograder.course import VISIBILITIES, HiddenTest
from autograder.grade import failed_result, safe_grade
from autograder.report.gradebook import Gradebook
from autograder.result import Result, TestResult, write_json
from autograder.submission import load

SOLUTION = course.find_root() / "solutions" / "03_affine" / "layers.py"


# -- stored passed, grader_error, one constructor

def test_a_failed_test_worth_zero_points_is_not_passed():
    failed = TestResult("test_a", "Affine", 0.0, 0.0, "wrong", passed=False)
    assert not failed.passed and failed.status == "failed"
    assert TestResult.of(HiddenTest("test_a", "Affine", 0.0), False, "wrong").status == "failed"


def test_passed_is_what_the_grader_said_not_a_comparison_of_points():
    assert TestResult.of(HiddenTest("test_a", "Affine", 2.0), True, "Passed.").score == 2.0
    assert TestResult.of(HiddenTest("test_a", "Affine", 2.0), False, "wrong").score == 0.0
    # Left out, a hand-made row passes when it earned its full, positive points.
    assert TestResult("t", "u", 1.0, 1.0).passed and not TestResult("t", "u", 0.0, 0.0).passed


def test_a_grader_error_fails_the_test_whatever_else_is_said():
    test = TestResult.of(HiddenTest("test_a", "Affine", 2.0), True, "Passed.", grader_error="NameError: x")
    assert (test.passed, test.score, test.grader_error) == (False, 0.0, "NameError: x")


def test_a_test_result_takes_its_visibility_from_the_manifests_test():
    test = TestResult.of(HiddenTest("test_a", "Affine", 1.0, "after_due_date"), True, "Passed.")
    assert test.visibility == "after_due_date"
    with pytest.raises(ValueError, match="visibility"):
        TestResult("t", "u", 1.0, 1.0, visibility="later")


text = st.text(max_size=40)
test_results = st.builds(
    TestResult, name=text, unit=text, score=st.floats(0, 10), max_score=st.floats(0, 10), output=text,
    visibility=st.sampled_from(VISIBILITIES), hints=st.lists(text, max_size=3).map(tuple),
    passed=st.booleans(), grader_error=text)
results = st.builds(Result, assignment=text, submission=text, tests=st.lists(test_results, max_size=4).map(tuple),
                    sha256=text, output=text, execution_time=st.floats(0, 100),
                    protections=st.lists(text, max_size=3).map(tuple), grader_error=text)


@settings(max_examples=60, deadline=None)
@given(results)
def test_a_result_survives_to_dict_and_from_dict_unchanged(result):
    again = Result.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result


@settings(max_examples=30, deadline=None)
@given(results)
def test_a_result_read_back_from_the_gradebook_is_the_result_recorded(result):
    result = Result.from_dict({**result.to_dict(), "sha256": "aa",
                               "tests": [{**t.to_dict(), "name": f"test_{i}"} for i, t in enumerate(result.tests)]})
    with Gradebook(":memory:") as book:
        book.record("student01", "a.py", result)
        back = book.result("student01", result.assignment, "aa")
    assert back.tests == result.tests and back.grader_error == result.grader_error


# -- the gradebook keeps grader failures apart, and a rerun grades them again

def _one(score: float, sha: str, grader_error: str = "", on_test: str = "") -> Result:
    tests = (TestResult("test_a", "Affine", score, 2.0, "msg", grader_error=on_test),
             TestResult("test_b", "Affine", 1.0, 1.0, "Passed."))
    return Result("03_affine", "s", tests, sha, grader_error=grader_error)


def test_has_skips_a_graded_row_but_not_one_the_grader_failed_on():
    with Gradebook(":memory:") as book:
        book.record("graded", "a", _one(0.0, "aa"))
        book.record("whole", "b", _one(0.0, "bb", grader_error="RuntimeError: boom"))
        book.record("one_test", "c", _one(0.0, "cc", on_test="NameError: name 'x' is not defined"))
        assert book.has("graded", "03_affine", "aa")
        assert not book.has("whole", "03_affine", "bb")
        assert not book.has("one_test", "03_affine", "cc")
        book.record("whole", "b", _one(2.0, "bb"))  # the rerun's grade replaces the failed one
        assert book.has("whole", "03_affine", "bb")
        assert book.result("whole", "03_affine").score == 3.0


def test_an_executor_failure_row_is_marked_as_the_graders():
    assignment = course.load("03_affine")
    submission = load(SOLUTION, assignment.student_files)
    result = failed_result(assignment, submission, "the grader returned nothing")
    assert result.failed_by_grader and result.score == 0
    assert all(t.grader_error and not t.passed for t in result.tests)


def test_safe_grade_marks_an_exception_of_the_engine_as_a_grader_error(monkeypatch):
    assignment = course.load("03_affine")
    submission = load(SOLUTION, assignment.student_files)

    def broken(*args, **kwargs):
        raise RuntimeError("the engine broke")

    monkeypatch.setattr(grading, "grade", broken)
    result = safe_grade(assignment, submission, None)
    assert result.grader_error == "RuntimeError: the engine broke"
    assert len(result.tests) == len(assignment.tests) and result.score == 0


def test_a_mistake_in_a_hidden_test_is_the_graders_error_not_the_students(monkeypatch, fork_server):
    assignment = course.load("03_affine")
    from autograder import reference

    tests = dict(reference.hidden_tests(assignment))
    name = assignment.tests[0].name

    def mistaken(student, ref):
        return undefined_helper(student)  # noqa: F821 (the engine's own mistake, on purpose)

    monkeypatch.setattr(reference, "hidden_tests", lambda a: {**tests, name: mistaken})
    result = grading.grade(assignment, load(SOLUTION, assignment.student_files), fork_server)
    first, rest = result.tests[0], result.tests[1:]
    assert not first.passed and first.grader_error.startswith("NameError: name 'undefined_helper'")
    assert "not your code" in first.output and "undefined_helper" not in first.output
    assert all(t.passed and not t.grader_error for t in rest)
    assert result.failed_by_grader


def test_a_value_the_student_returned_stays_the_students_fault(monkeypatch, fork_server):
    assignment = course.load("03_affine")
    from autograder import reference

    tests = dict(reference.hidden_tests(assignment))
    name = assignment.tests[0].name

    def trips(student, ref):
        return None.shape  # what a test meets when student code returns None

    monkeypatch.setattr(reference, "hidden_tests", lambda a: {**tests, name: trips})
    result = grading.grade(assignment, load(SOLUTION, assignment.student_files), fork_server)
    assert not result.tests[0].grader_error and "Your code returned something" in result.tests[0].output
    assert not result.failed_by_grader


def test_a_rerun_grades_again_the_entry_whose_grading_the_engine_killed(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "submissions"
    folder.mkdir()
    for student in ("alice", "bob"):
        shutil.copy(SOLUTION, folder / f"{student}.py")
    book = tmp_path / "grades.db"
    args = ["grade", "--assignment", "03_affine", str(folder), "--gradebook", str(book), "--jobs", "1",
            "--quiet", "--lang", "en"]
    real = grading.grade

    def dies_on_bob(assignment, submission, *rest, **kwargs):
        if submission.name == "bob":
            raise RuntimeError("the engine died on bob")
        return real(assignment, submission, *rest, **kwargs)

    monkeypatch.setattr(grading, "grade", dies_on_bob)
    assert main(args) == 0
    assert "the grader itself failed on 1" in " ".join(capsys.readouterr().err.split())
    with Gradebook(book) as gradebook:
        bob = gradebook.result("bob", "03_affine")
        assert bob.score == 0 and "the engine died on bob" in bob.grader_error
        assert gradebook.result("alice", "03_affine").score == course.load("03_affine").max_score

    monkeypatch.setattr(grading, "grade", real)
    capsys.readouterr()
    assert main(args) == 0
    assert "graded 1 submission(s)" in capsys.readouterr().err  # bob again; alice is skipped
    with Gradebook(book) as gradebook:
        bob = gradebook.result("bob", "03_affine")
        assert bob.score == course.load("03_affine").max_score and not bob.failed_by_grader
    rows = sqlite3.connect(book).execute("SELECT COUNT(*) FROM submissions").fetchone()
    assert rows == (2,)  # one row each: the failed grading of bob was replaced


# -- visibility from the manifest reaches results.json

def test_visibility_set_in_the_manifest_reaches_results_json(tmp_path, fork_server):
    root = tmp_path / "course"
    shutil.copytree(course.find_root() / "assignments" / "03_affine", root / "assignments" / "03_affine")
    shutil.copytree(course.find_root() / "solutions" / "03_affine", root / "solutions" / "03_affine")
    manifest = root / "assignments" / "03_affine" / "manifest.toml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace('name = "Affine"\n', 'name = "Affine"\nvisibility = "after_due_date"\n')
    text = text.replace("test_affine_db_sums_over_batch = 2",
                        'test_affine_db_sums_over_batch = { points = 2, visibility = "hidden" }')
    manifest.write_text(text, encoding="utf-8")
    assignment = course.load("03_affine", root)
    assert assignment.max_score == course.load("03_affine").max_score
    result = grading.grade(assignment, load(SOLUTION, assignment.student_files), fork_server)
    write_json(result, tmp_path / "results.json")
    written = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    seen = {t["name"].split(": ", 1)[1]: t["visibility"] for t in written["tests"]}
    assert seen.pop("test_affine_db_sums_over_batch") == "hidden"
    assert set(seen.values()) == {"after_due_date"}


def test_every_shipped_test_is_visible_unless_its_manifest_says_otherwise():
    for aid in course.assignment_ids():
        assert all(t.visibility in VISIBILITIES for t in course.load(aid).tests), aid
