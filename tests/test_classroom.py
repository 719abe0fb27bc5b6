"""The GitHub Classroom templates: a valid workflow that runs every public test for 1 point."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from autograder import course
from autograder.assign import classroom, release
from autograder.course import CourseError

yaml = pytest.importorskip("yaml")  # in the dev extra

IDS = course.assignment_ids()
STEP_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")  # what GitHub accepts as a step id


def template(aid: str) -> dict[str, bytes]:
    prefix = f"classroom/{aid}/"
    tree = release.classroom_tree([course.load(aid)])
    return {name.removeprefix(prefix): data for name, data in tree.items()}


@pytest.mark.parametrize("aid", IDS)
def test_template_is_the_student_files_and_the_workflow(aid):
    a = course.load(aid)
    assert set(template(aid)) == set(release.student_files(a)) | {".github/workflows/classroom.yml"}


@pytest.mark.parametrize("aid", IDS)
def test_workflow_parses_and_its_step_ids_match_the_runners(aid):
    a = course.load(aid)
    parsed = yaml.safe_load(template(aid)[classroom.WORKFLOW])
    assert parsed == classroom.workflow(a, release.public_tests(a))
    assert parsed["on"] == ["push", "repository_dispatch"]
    assert parsed["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    job = parsed["jobs"]["run-autograding-tests"]
    assert job["if"] == "github.actor != 'github-classroom[bot]'"
    graders = [s for s in job["steps"] if s.get("uses") == classroom.GRADER]
    reporter = job["steps"][-1]
    assert reporter["uses"] == classroom.REPORTER
    ids = [s["id"] for s in graders]
    assert ids and len(set(ids)) == len(ids) and all(STEP_ID.match(i) for i in ids)
    assert reporter["with"]["runners"].split(",") == ids
    assert reporter["env"] == {f"{i.upper()}_RESULTS": f"${{{{ steps.{i}.outputs.result }}}}" for i in ids}
    for step in graders:
        assert step["with"]["max-score"] == 1 and step["with"]["timeout"] > 0
        assert step["with"]["setup-command"] == "pip install -r requirements.txt"
        assert step["with"]["command"].startswith("python -m pytest -q test_")


@pytest.mark.parametrize("aid", IDS)
def test_every_public_test_function_is_one_step_and_passes_on_the_solution(aid, tmp_path):
    a = course.load(aid)
    files = template(aid)
    workflow = yaml.safe_load(files[classroom.WORKFLOW])
    nodes = [s["with"]["command"].split()[-1] for s in workflow["jobs"]["run-autograding-tests"]["steps"]
             if s.get("uses") == classroom.GRADER]
    expected = [f"{p.name}::{name}" for p in release.public_tests(a) for name in classroom.pytest_names(p)]
    assert nodes == expected
    for name, data in files.items():  # the template repository as a student clones it ...
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    for name in a.student_files:      # ... with the work done
        shutil.copy(a.solution_folder / name, tmp_path / name)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *nodes],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:]  # a node id that selects nothing would fail too


def test_a_test_name_in_two_files_gets_two_distinct_steps(tmp_path):
    a = course.load(IDS[0])
    for stem in ("test_one", "test_two"):
        (tmp_path / f"{stem}.py").write_text("def test_shape():\n    pass\n\nclass TestLayer:\n"
                                              "    def test_value(self):\n        pass\n")
    tests = classroom.graded_tests(a, sorted(tmp_path.glob("test_*.py")))
    assert [step_id for step_id, _, _ in tests] == [
        "test_one__test_shape", "test_one__TestLayer__test_value",
        "test_two__test_shape", "test_two__TestLayer__test_value"]
    assert tests[1][2] == "test_one.py::TestLayer::test_value"


def test_no_public_tests_is_a_sentence(tmp_path):
    with pytest.raises(CourseError, match="no public test functions"):
        classroom.graded_tests(course.load(IDS[0]), [])


def test_yaml_emitter_quotes_what_yaml_would_misread():
    data = {"on": ["yes", "1", "null", "a: b", "#x"], "n": 3, "off": {"y": True, "empty": []}}
    assert yaml.safe_load(classroom.to_yaml(data)) == data
