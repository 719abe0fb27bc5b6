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
    return {name.removeprefix(prefix): data for name, data in tree.items() if name.startswith(prefix)}


@pytest.mark.parametrize("aid", IDS)
def test_template_is_the_student_files_and_the_workflow(aid):
    a = course.load(aid)
    assert set(template(aid)) == set(release.student_files(a)) | {".github/workflows/classroom.yml", ".gitignore"}


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
        assert step["with"]["command"].startswith(
            f"timeout -k 5 {classroom.TEST_SECONDS} python -m pytest -q test_")


def step_nodes(aid: str) -> list[str]:
    """The pytest node ids the template's workflow runs, one step each."""
    workflow = yaml.safe_load(template(aid)[classroom.WORKFLOW])
    return [s["with"]["command"].split()[-1] for s in workflow["jobs"]["run-autograding-tests"]["steps"]
            if s.get("uses") == classroom.GRADER]


@pytest.mark.parametrize("aid", IDS)
def test_every_public_test_function_is_one_step(aid):
    a = course.load(aid)
    expected = [f"{p.name}::{name}" for p in release.public_tests(a) for name in classroom.pytest_names(p)]
    assert step_nodes(aid) == expected


# Running the steps is a pytest run of the public tests on the solution (07's and 08's train): every day for
# two assignments, the others in the slow set. `check` runs every public test on every solution every day.
@pytest.mark.parametrize("aid", [pytest.param(aid, marks=[] if aid in ("03_affine", "06_time_rnn")
                                              else [pytest.mark.slow]) for aid in IDS])
def test_every_step_passes_on_the_solution(aid, tmp_path):
    a = course.load(aid)
    for name, data in template(aid).items():  # the template repository as a student clones it ...
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    for name in a.student_files:      # ... with the work done
        shutil.copy(a.solution_folder / name, tmp_path / name)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *step_nodes(aid)],
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


# ---------------------------------------------------------------- time limits and .gitignore

def test_an_endless_loop_costs_the_per_test_limit_not_the_steps_minutes(tmp_path, monkeypatch):
    if not shutil.which("timeout"):
        pytest.skip("coreutils timeout (on GitHub's ubuntu runners) is not installed here")
    monkeypatch.setattr(classroom, "TEST_SECONDS", 2)
    a = course.load("03_affine")
    for name, data in template("03_affine").items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    (tmp_path / "layers.py").write_text("while True:\n    pass\n")
    step = next(s for s in classroom.workflow(a, release.public_tests(a))["jobs"]["run-autograding-tests"]["steps"]
                if s.get("uses") == classroom.GRADER)
    started = __import__("time").monotonic()
    run = subprocess.run(step["with"]["command"].split(), cwd=tmp_path, capture_output=True, timeout=60)
    assert run.returncode == 124 and __import__("time").monotonic() - started < 15


@pytest.mark.parametrize("aid", IDS)
def test_the_job_has_a_time_limit_of_minutes_and_the_template_ignores_caches(aid):
    parsed = yaml.safe_load(template(aid)[classroom.WORKFLOW])
    steps = [s for s in parsed["jobs"]["run-autograding-tests"]["steps"] if s.get("uses") == classroom.GRADER]
    assert 0 < parsed["jobs"]["run-autograding-tests"]["timeout-minutes"] <= classroom.JOB_MINUTES_BASE + len(steps)
    ignored = template(aid)[".gitignore"].decode().split()
    assert {"__pycache__/", ".pytest_cache/", ".ipynb_checkpoints/"} <= set(ignored)
    assert not any(pattern in ignored for pattern in ("*.py", "layers.py", "test_*.py"))


# ---------------------------------------------------------------- the instructor's workflow

def instructor_workflow() -> dict:
    from autograder.assign import classroom_instructor

    tree = release.classroom_tree([course.load(i) for i in IDS])
    return yaml.safe_load(tree[classroom_instructor.PATH])


def test_instructor_workflow_runs_classroom_grade_on_schedule_and_by_hand():
    parsed = instructor_workflow()
    assert set(parsed["on"]) == {"schedule", "workflow_dispatch"} and parsed["on"]["schedule"][0]["cron"]
    inputs = parsed["on"]["workflow_dispatch"]["inputs"]
    assert inputs["assignment"]["options"] == IDS and inputs["post-feedback"]["type"] == "boolean"
    job = parsed["jobs"]["grade"]
    assert job["timeout-minutes"] > 0 and parsed["permissions"] == {"contents": "read"}
    assert "vars.CLASSROOM_ASSIGNMENT != ''" in job["if"]  # no failing schedule before it is configured
    assert job["env"]["CLASSROOM_TOKEN"] == "${{ secrets.CLASSROOM_TOKEN }}"
    runs = [s["run"] for s in job["steps"] if "run" in s]
    assert any("pip install" in r for r in runs)
    (grading,) = [r for r in runs if "classroom-grade" in r]
    command = " ".join(grading.replace("\\\n", " ").split())
    assert '-m autograder classroom-grade --assignment "$ASSIGNMENT" --org "$ORG" --prefix "$PREFIX"' in command
    assert "${{" not in grading  # inputs reach the script through the environment only
    assert grading.index("chmod -R go-rwx .") < grading.index("sudo ")  # the course is private before workers run


def test_instructor_workflow_command_is_one_the_cli_accepts(monkeypatch):
    """The workflow's words, with its variables filled in, parse as a classroom-grade command."""
    import shlex

    from autograder import cli

    grading = next(s["run"] for s in instructor_workflow()["jobs"]["grade"]["steps"]
                   if "classroom-grade" in s.get("run", ""))
    command = grading.replace("\\\n", " ").splitlines()[-1]
    filled = (command.replace('"${flags[@]}"', "--deadline 2026-10-01T23:59:00Z --post-feedback")
              .replace("$ASSIGNMENT", "03_affine").replace("$ORG", "org").replace("$PREFIX", "p"))
    words = shlex.split(filled)
    seen = []
    monkeypatch.setattr(cli, "run_classroom_grade", lambda assignment, **given: seen.append((assignment, given)) or 0)
    assert cli.main(words[words.index("classroom-grade"):]) == 0
    assignment, given = seen[0]
    assert (assignment, given["org"], given["prefix"], given["jobs"], given["post_feedback"]) == \
        ("03_affine", "org", "p", 2, True)


def test_instructor_workflow_uploads_grades_gradebook_and_feedback_even_after_a_failure():
    (upload,) = [s for s in instructor_workflow()["jobs"]["grade"]["steps"]
                 if s.get("uses", "").startswith("actions/upload-artifact")]
    assert upload["if"] == "always()"
    paths = upload["with"]["path"].split("\n")
    for name in ("grades.csv", "grades.db", "repositories.csv", "feedback/"):
        assert any(p.endswith(name) for p in paths)


@pytest.mark.parametrize("script", ["a\nb", "set -e\n  indented \\\nlast\n", "x\n\ny\n", "one: two\n# not a comment\n"])
def test_yaml_emitter_writes_scripts_as_literal_blocks_that_read_back_the_same(script):
    data = {"steps": [{"run": script, "name": "s"}]}
    written = classroom.to_yaml(data)
    assert yaml.safe_load(written) == data and "run: |" in written
