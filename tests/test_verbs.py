"""Each verb is a function with explicit arguments: cli.py alone reads argparse's namespace.

Every instructor and student verb is called here directly, by keyword, as a course's own script
or a notebook would call it, without building a command line.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from autograder import cli, course

ROOT = Path(cli.__file__).parent
AID = "03_affine"
SOLUTION = course.load(AID).solution_folder / "layers.py"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names} | \
        {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}


def test_no_module_but_cli_imports_argparse():
    assert [str(p.relative_to(ROOT)) for p in sorted(ROOT.rglob("*.py")) if "argparse" in _imports(p)] == ["cli.py"]


def test_only_the_dispatch_in_cli_reads_the_namespace():
    """A verb's function never reads args.<option>: only main and the dispatchers turn words into arguments."""
    tree = ast.parse((ROOT / "cli.py").read_text(encoding="utf-8"))
    readers = {f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
               for node in ast.walk(f) if isinstance(node, ast.Attribute)
               and isinstance(node.value, ast.Name) and node.value.id == "args"}
    assert readers == {"main", "_verb", "_check_words"}


def test_every_verb_has_a_function_of_its_own():
    for verb in ("grade", "classroom_grade", "report", "stubs", "release", "gradescope", "nbgrader", "otter",
                 "check"):
        assert callable(getattr(cli, f"run_{verb}"))


def test_grade_one_submission_by_keyword(tmp_path, capsys):
    out = tmp_path / "results.json"
    assert cli.run_grade(AID, SOLUTION, cli.GradeOptions(out=out, quiet=True, lang="en")) == 0
    result = json.loads(out.read_text())
    assert result["score"] == course.load(AID).max_score
    assert capsys.readouterr().out == ""  # quiet: no table


def test_grade_only_the_tests_named(tmp_path):
    name = course.load(AID).tests[0].name
    out = tmp_path / "results.json"
    assert cli.run_grade(AID, SOLUTION, cli.GradeOptions(out=out, quiet=True, tests=(name,))) == 0
    assert [t["name"].rsplit(": ", 1)[-1] for t in json.loads(out.read_text())["tests"]] == [name]


def test_grade_a_batch_then_report_on_its_gradebook_by_keyword(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    shutil.copy(SOLUTION, folder / "alice.py")
    book = tmp_path / "grades.db"
    assert cli.run_grade(AID, folder, cli.GradeOptions(gradebook=book, csv=tmp_path / "grades.csv",
                                                       quiet=True, lang="en")) == 0
    assert "alice" in (tmp_path / "grades.csv").read_text()
    assert cli.run_report(book, assignment=AID, out=tmp_path / "report", report_format="md", lang="ko") == 0
    assert list((tmp_path / "report").glob("*.md"))


def test_report_on_a_missing_gradebook_is_a_sentence(tmp_path, capsys):
    assert cli.run_report(tmp_path / "nope.db", lang="en") == 2
    assert "nope.db" in capsys.readouterr().err


def test_stubs_check_by_keyword_finds_nothing_stale():
    assert cli.run_stubs(check=True) == 0


def test_release_written_then_checked_by_keyword(tmp_path, capsys):
    out = tmp_path / "release"
    assert cli.run_release(out=out) == 0
    assert (out / "dist" / "students" / f"{AID}.zip").is_file()
    capsys.readouterr()
    assert cli.run_release(out=out, check=True) == 0
    assert "up to date" in capsys.readouterr().out


def test_gradescope_zips_by_keyword_grade_in_the_language_asked(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AUTOGRADER_SECRET", "a secret of the course's")
    assert cli.run_gradescope(out=tmp_path / "zips", lang="ko") == 0
    assert sorted(p.stem for p in (tmp_path / "zips").glob("*.zip")) == course.assignment_ids()
    assert "grade in ko" in capsys.readouterr().out


def test_nbgrader_course_tree_by_keyword_carries_the_course_id(tmp_path):
    assert cli.run_nbgrader(out=tmp_path / "nb", course_id="rnn-2026") == 0
    assert "rnn-2026" in (tmp_path / "nb" / "nbgrader_config.py").read_text()
    assert (tmp_path / "nb" / "source" / AID / f"{AID}.ipynb").is_file()


def test_otter_notebooks_by_keyword(tmp_path):
    assert cli.run_otter(out=tmp_path / "otter") == 0
    assert (tmp_path / "otter" / AID / f"{AID}.ipynb").is_file()


def test_otter_refuses_a_file_for_its_folder_with_a_sentence(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert cli.run_otter(out=tmp_path / "file") == 2
    assert "is a file" in capsys.readouterr().err


def _git(*words, cwd=None):
    env = {**os.environ, "GIT_AUTHOR_NAME": "s", "GIT_AUTHOR_EMAIL": "s@example.com", "GIT_COMMITTER_NAME": "s",
           "GIT_COMMITTER_EMAIL": "s@example.com", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run(["git", *words], cwd=cwd, env=env, check=True, capture_output=True)


def test_classroom_grade_a_folder_of_clones_by_keyword(tmp_path, monkeypatch):
    monkeypatch.delenv("CLASSROOM_TOKEN", raising=False)
    clone = tmp_path / "clones" / "03-affine-alice"
    _git("init", "--quiet", "-b", "main", str(clone))
    shutil.copy(SOLUTION, clone / "layers.py")
    _git("add", "-A", cwd=clone)
    _git("commit", "--quiet", "-m", "done", cwd=clone)
    out = tmp_path / "out"
    assert cli.run_classroom_grade(AID, repos=tmp_path / "clones", prefix="03-affine", out=out, quiet=True,
                                   lang="en") == 0
    assert "alice" in (out / "grades.csv").read_text()


def test_classroom_grade_refuses_a_deadline_without_its_zone_by_keyword(tmp_path, capsys):
    assert cli.run_classroom_grade(AID, repos=tmp_path, deadline="2026-10-01 23:59", lang="en") == 2
    assert "time zone" in capsys.readouterr().err


@pytest.mark.parametrize("layers, status", [(SOLUTION, 0), (course.load(AID).folder / "layers.py", 1)])
def test_check_a_folder_by_keyword(tmp_path, layers, status):
    folder = tmp_path / AID
    shutil.copytree(course.load(AID).folder, folder)
    shutil.copy(layers, folder / "layers.py")
    assert cli.run_check(folder=folder, lang="en", plain=True) == status
