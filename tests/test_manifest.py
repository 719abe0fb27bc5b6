"""A wrong manifest is a sentence: what is wrong, where, and what to write instead; never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder import course
from autograder.course import CourseError

GOOD_UNIT = '[[units]]\nname = "X"\n[units.tests]\ntest_x = 1\n'


def manifest(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "assignments" / "09_x"
    folder.mkdir(parents=True)
    (tmp_path / "solutions").mkdir()
    (folder / "manifest.toml").write_text(text, encoding="utf-8")
    return tmp_path


def refused(tmp_path: Path, text: str) -> str:
    root = manifest(tmp_path, text)
    with pytest.raises(CourseError) as caught:
        course.load("09_x", root)
    message = str(caught.value)
    assert message.startswith(str(root / "assignments" / "09_x" / "manifest.toml") + ": ")
    return message


HEAD = 'id = "09_x"\nstudent_files = ["layers.py"]\n'


@pytest.mark.parametrize("text, words", [
    (HEAD + 'titel = "X"\n' + GOOD_UNIT, "the top level has no setting 'titel' (known: id, title,"),
    (HEAD + GOOD_UNIT.replace('name = "X"', 'name = "X"\nuses = ["Y"]'), "units[0] has no setting 'uses'"),
    (HEAD + GOOD_UNIT.replace("test_x = 1", "test_x = 0"), "units[0] (X): test_x must be worth a positive number"),
    (HEAD + GOOD_UNIT.replace("test_x = 1", "test_x = -2"), "not -2 (an integer)"),
    (HEAD + GOOD_UNIT.replace("test_x = 1", 'test_x = "two"'), "not 'two' (a string)"),
    (HEAD + GOOD_UNIT.replace("test_x = 1", "test_x = true"), "not True (a boolean)"),
    (HEAD + GOOD_UNIT.replace("test_x = 1", "test_x = inf"), "not inf (a number)"),
    (HEAD + GOOD_UNIT.replace("test_x = 1", "test_x = { visibility = \"hidden\" }"), "not nothing"),
    (HEAD + GOOD_UNIT.replace("test_x = 1", "test_x = { points = 1, shown = true }"),
     "units[0] (X): test_x has no setting 'shown' (known: points, visibility)"),
    (HEAD + GOOD_UNIT.replace('name = "X"', 'name = "X"\nvisibility = "later"'),
     "units[0] (X): visibility must be one of 'visible', 'hidden', 'after_due_date', 'after_published'"),
    (HEAD + GOOD_UNIT.replace('name = "X"', "name = 3"), "units[0].name must be a string, not 3 (an integer)"),
    (HEAD + GOOD_UNIT.replace('name = "X"', 'name = "X"\nuses_reference = "Y"'),
     "uses_reference must list the names of earlier units"),
    (HEAD + '[[units]]\nname = "X"\n', "units[0] (X): tests must be a table, not nothing"),
    (HEAD + '[[units]]\nname = "X"\n[units.tests]\n', "units[0] (X) has no tests"),
    (HEAD + "units = []\n", "units is empty"),
    (HEAD, "units must be a list, not nothing: for example [[units]] tables"),
    (HEAD + "title = 3\n" + GOOD_UNIT, "title must be a string, not 3"),
    ('id = "09_x"\n' + GOOD_UNIT, "student_files must be a list, not nothing: for example student_files = "),
    (HEAD + GOOD_UNIT + GOOD_UNIT.replace("test_x", "test_y"), "the unit 'X' is listed twice"),
    (HEAD + GOOD_UNIT + GOOD_UNIT.replace('"X"', '"Y"'), "the hidden test 'test_x' is listed twice"),
    (HEAD + "[limits]\ncall_secs = 1\n" + GOOD_UNIT, "limits has no setting 'call_secs'"),
])
def test_a_wrong_manifest_says_what_where_and_what_to_do(tmp_path, text, words):
    assert words in refused(tmp_path, text)


def test_a_manifest_that_is_not_toml_says_where(tmp_path):
    assert "line 1" in refused(tmp_path, "id = \n")


def test_points_and_visibility_are_read_per_unit_and_per_test(tmp_path):
    root = manifest(tmp_path, HEAD + '[[units]]\nname = "X"\nvisibility = "after_due_date"\n[units.tests]\n'
                    'test_x = 1.5\ntest_y = { points = 2, visibility = "hidden" }\ntest_z = { points = 1 }\n')
    tests = course.load("09_x", root).tests
    assert [(t.name, t.points, t.visibility) for t in tests] == [
        ("test_x", 1.5, "after_due_date"), ("test_y", 2.0, "hidden"), ("test_z", 1.0, "after_due_date")]


def test_every_shipped_manifest_loads():
    for aid in course.assignment_ids():
        assert course.load(aid).max_score > 0


values = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True), st.text(max_size=8),
                   st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=6), st.integers(), max_size=2))


@settings(max_examples=150, deadline=None)
@given(points=values, visibility=values, name=values, extra=st.sampled_from(["", "tests", "oops"]))
def test_whatever_a_manifest_holds_it_loads_or_is_refused_with_a_course_error(points, visibility, name, extra):
    unit = {"name": name, "tests": {"test_x": points}, "visibility": visibility}
    if extra:
        unit[extra] = 1 if extra == "oops" else {"test_y": {"points": points, "visibility": visibility}}
    data = {"id": "09_x", "student_files": ["layers.py"], "units": [unit]}
    path = Path("/course/assignments/09_x/manifest.toml")
    try:
        assignment = course._parse(data, Path("/course"), path)
    except CourseError as exc:
        assert str(exc).startswith(f"{path}: ")
        return
    assert all(0 < t.points < float("inf") and t.visibility in course.VISIBILITIES for t in assignment.tests)
