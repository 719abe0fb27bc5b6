"""The command line: sentences for users' mistakes, never a traceback."""

import subprocess
import sys


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def test_help_says_who_each_command_is_for():
    out = cli("--help").stdout
    assert "instructors" in out


def test_unknown_assignment_is_a_sentence(tmp_path):
    (tmp_path / "x.py").write_text("")
    run = cli("grade", "--assignment", "99_nope", str(tmp_path / "x.py"))
    assert run.returncode == 2 and "no assignment '99_nope'" in run.stderr and "Traceback" not in run.stderr


def test_missing_submission_path_is_a_sentence(tmp_path):
    run = cli("grade", "--assignment", "03_affine", str(tmp_path / "nope.py"))
    assert run.returncode == 2 and "does not exist" in run.stderr and "Traceback" not in run.stderr


def test_stubs_check_passes_on_the_committed_tree():
    run = cli("stubs", "--check")
    assert run.returncode == 0, run.stdout
