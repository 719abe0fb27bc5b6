"""The student `check` command, end to end through the CLI, on copies of release folders."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from autograder import course, messages
from autograder.assign import classroom, release
from autograder.check import CheckError, check
from autograder.check.target import POINTS_PER_TEST, locate, public_tests

from .test_release import third_party_only

IDS = course.assignment_ids()
ROOT = course.find_root()
MUTANTS = ROOT / "tests" / "mutants"


@pytest.fixture(scope="module")
def students() -> release.Tree:
    return release.students_tree([course.load(aid) for aid in IDS])


@pytest.fixture
def folder(students, tmp_path):
    """folder(aid, source=None) -> a copy of the release folder of `aid`, its student file replaced by `source`."""

    def make(aid: str, source: str | None = None) -> Path:
        out = tmp_path / aid
        for name, data in students.items():
            if name.startswith(f"students/{aid}/"):
                path = out / name.split("/", 2)[2]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        if source is not None:
            (out / course.load(aid).student_files[0]).write_text(source, encoding="utf-8")
        return out

    return make


def solution(aid: str) -> str:
    a = course.load(aid)
    return (a.solution_folder / a.student_files[0]).read_text(encoding="utf-8")


def mutant(aid: str, name: str) -> str:
    """The solution with one mutant of tests/mutants/<aid>.toml applied."""
    entries = tomllib.loads((MUTANTS / f"{aid}.toml").read_text(encoding="utf-8"))["mutant"]
    entry = next(e for e in entries if e["name"] == name)
    source = solution(aid)
    for edit in entry.get("edits", [entry]):
        assert source.count(edit["find"]) == 1
        source = source.replace(edit["find"], edit["replace"])
    return source


def run_check(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("AUTOGRADER_LANG", "LC_ALL", "LC_MESSAGES", "FORCE_COLOR", "COLUMNS")}
    environment["LANG"] = "C.UTF-8"
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "autograder", "check", "--plain", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, env=environment, encoding="utf-8")


# -- through the CLI, in a copy of a release folder

def test_a_solution_passes_with_exit_status_0(folder):
    run = run_check(folder("03_affine", solution("03_affine")))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 of 3 public tests passed (3 of 3 points)." in run.stdout
    assert "All public tests pass" in run.stdout and "FAILED" not in run.stdout


def test_a_stub_fails_with_a_sentence_per_method_not_written(folder):
    run = run_check(folder("03_affine"))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "0 of 3 public tests passed" in run.stdout
    assert ("Affine.forward is not written yet: it still raises NotImplementedError (layers.py, line 27). "
            "Replace that line with your code.") in run.stdout
    assert "FAILED test_affine_shapes (Affine)\n    The same as test_affine_small_example above." in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_db_summed_over_every_axis_gets_its_hint_and_the_gradient_table(folder):
    run = run_check(folder("03_affine", mutant("03_affine", "db summed over every axis (a scalar)")))
    assert run.returncode == 1
    out = run.stdout
    assert messages.text("hint.affine.db_batch_axis", "en", actual="()", expected="(3,)") in out
    assert "Affine.backward: self.db has shape (), expected (3,)." in out  # the shape test
    table = out[out.index("Affine.backward: the gradients from backward"):]
    header = table.splitlines()[1].split()
    assert header[:3] == ["parameter", "shape", "max"] and "analytic" in header and "numerical" in header
    rows = {line.split()[0]: line for line in table.splitlines()[3:6]}
    assert set(rows) == {"dx", "dW", "db"}
    assert rows["dx"].rstrip().endswith("ok") and rows["dW"].rstrip().endswith("ok")
    assert "wrong shape: expected (3,)" in rows["db"]


def test_dx_without_the_transpose_gets_its_hint_and_the_values(folder):
    run = run_check(folder("03_affine", mutant("03_affine", "dx without the transpose: np.dot(dout, W)")))
    assert run.returncode == 1
    out = run.stdout
    assert messages.text("hint.affine.dx_missing_transpose", "en") in out
    # the non-square example: numpy's own error, with the student's line
    assert "Affine.backward raised ValueError: shapes (3,3) and (2,3) not aligned" in out
    assert "at layers.py, line 40: dx = np.dot(dout, self.W)" in out
    dx_row = next(line for line in out.splitlines() if line.strip().startswith("dx "))
    assert "6 of 6 entries off" in dx_row


def test_wrong_values_show_the_first_mismatching_entries_and_both_errors(folder):
    run = run_check(folder("03_affine", mutant("03_affine", "db averaged over the batch")))
    out = run.stdout
    assert run.returncode == 1
    assert "Affine.backward: self.db: 3 of 3 entries differ from the expected values; max abs error" in out
    assert "max rel error" in out and "First 3 of 3 mismatching entries:" in out
    first = out.index("First 3 of 3 mismatching entries:")
    assert out[first:].splitlines()[1].split() == ["index", "actual", "expected"]
    assert out[first:].splitlines()[3].split() == ["(0,)", "0.333333", "1"]


def test_korean_with_lang_ko_and_from_the_locale(folder):
    place = folder("03_affine", mutant("03_affine", "db summed over every axis (a scalar)"))
    by_flag = run_check(place, "--lang", "ko")
    by_locale = run_check(place, env={"LANG": "ko_KR.UTF-8"})
    for run in (by_flag, by_locale):
        assert run.returncode == 1
        assert messages.text("hint.affine.db_batch_axis", "ko", actual="()", expected="(3,)") in run.stdout
        assert "공개 테스트 3개 중 0개 통과" in run.stdout and "유닛" in run.stdout
        assert "기울기" in run.stdout  # the gradient table speaks Korean too
        assert "public tests passed" not in run.stdout
    assert by_flag.stdout == by_locale.stdout
    english = run_check(place, "--lang", "en", env={"LANG": "ko_KR.UTF-8"})
    assert "0 of 3 public tests passed" in english.stdout


def test_a_renamed_class_is_a_sentence(folder):
    run = run_check(folder("03_affine", solution("03_affine").replace("class Affine:", "class AffineLayer:")))
    assert run.returncode == 1
    assert "layers.py has no class Affine, but it has AffineLayer: did you rename it?" in run.stdout
    assert "ImportError" not in run.stdout + run.stderr


def test_a_missing_class_and_a_missing_function_are_sentences(folder):
    source = solution("03_affine").replace("class Affine:", "class Unrelated:")
    run = run_check(folder("03_affine", source))
    assert "layers.py has no class Affine: did you rename it, or delete it?" in run.stdout
    source = solution("04_softmax_loss").replace("def cross_entropy_error(", "def cross_entropy(")
    run = run_check(folder("04_softmax_loss", source), "--lang", "ko")
    assert "layers.py 파일에 cross_entropy_error 함수가 없고 cross_entropy 함수가 있습니다" in run.stdout


def test_a_syntax_error_and_a_crash_at_import_are_sentences(folder):
    run = run_check(folder("03_affine", solution("03_affine").replace("class Affine:", "class Affine")))
    assert run.returncode == 1
    assert "layers.py, line 11, has a syntax error (expected ':')" in run.stdout
    assert run.stdout.count("syntax error") == 1  # one sentence, not one per test
    run = run_check(folder("01_computational_graph", "import numpy as np\nnp.frobnicate()\n"))
    assert ("layers.py raised AttributeError while it was being imported, so no test ran: "
            "module 'numpy' has no attribute 'frobnicate'") in run.stdout
    assert "at layers.py, line 2: np.frobnicate()" in run.stdout
    run = run_check(folder("01_computational_graph", "import sys\nsys.exit(3)\n"))
    assert run.returncode == 1 and "raised SystemExit" in run.stdout


def test_a_missing_attribute_and_a_missing_return_are_sentences(folder):
    source = solution("03_affine").replace("        self.dW = None    # dL/dW after backward, of shape (D, M)\n", "")
    source = source.replace("self.dW = np.dot(self.x.T, dout)", "dW = np.dot(self.x.T, dout)")
    run = run_check(folder("03_affine", source))
    assert "Your Affine has no attribute dW: set self.dW where the README says" in run.stdout
    assert re.search(r"at test_affine.py, line \d+: assert_close\(layer.dW,", run.stdout)
    run = run_check(folder("03_affine", solution("03_affine").replace("        return dx\n", "")))
    assert "Affine.backward(dout): dx is None: did you forget to return a value?" in run.stdout


def test_what_cannot_run_is_a_sentence_with_exit_status_2(folder, tmp_path):
    place = folder("03_affine")
    (place / "layers.py").unlink()
    run = run_check(place)
    assert run.returncode == 2 and f"There is no layers.py in {place}" in run.stderr
    run = run_check(tmp_path, str(tmp_path / "nowhere"))
    assert run.returncode == 2 and "There is no folder" in run.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    run = run_check(empty, env={"AUTOGRADER_COURSE": str(tmp_path / "no-course")})
    assert run.returncode == 2 and "Cannot tell which assignment" in run.stderr and "--assignment" in run.stderr
    run = run_check(folder("05_rnn_cell"), "--assignment", "03_affine",
                    env={"AUTOGRADER_COURSE": str(tmp_path / "no-course")})
    assert run.returncode == 2 and "No assignment 03_affine here" in run.stderr
    assert "Traceback" not in run.stderr
    place = folder("03_affine")
    (place / "assignment.toml").write_text('id = "03_affine\n')
    run = run_check(place)
    assert run.returncode == 2 and "assignment.toml is damaged" in run.stderr


# -- a release folder on its own

@pytest.mark.parametrize("aid", IDS)
def test_the_marker_names_the_assignment_its_files_units_and_import_limit(aid, students):
    a = course.load(aid)
    marker = tomllib.loads(students[f"students/{aid}/assignment.toml"].decode())
    assert marker == {"id": aid, "title": a.title, "student_files": list(a.student_files),
                      "units": [u.name for u in a.units], "import_seconds": a.limits.import_seconds}


@pytest.mark.parametrize("aid", IDS)
def test_every_release_folder_checks_its_stub_on_its_own(aid, folder):
    """No course around, no editable install: the folder alone knows its assignment and its tests."""
    place = folder(aid)
    run = subprocess.run([sys.executable, "-S", "-m", "autograder", "check", "--plain"], cwd=place,
                         capture_output=True, text=True, timeout=300, env=third_party_only(), encoding="utf-8")
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stdout.startswith(f"{aid}: {course.load(aid).title} (public tests")
    assert "not written yet" in run.stdout and "Traceback" not in run.stdout + run.stderr

def test_a_release_folder_checks_with_its_own_copy_of_the_engine(folder, tmp_path):
    """A copy in a temporary folder, run with `python -S`: the repository's editable install is invisible."""
    place = folder("03_affine", mutant("03_affine", "db summed over every axis (a scalar)"))
    env = third_party_only()
    probe = subprocess.run(
        [sys.executable, "-S", "-c", "import sys, autograder.cli\n"
         "code = autograder.cli.main(['check', '--plain'])\n"
         "print('FILES', *sorted({m.__file__ for n, m in list(sys.modules.items())\n"
         "                        if n.split('.')[0] == 'autograder' and getattr(m, '__file__', None)}))\n"
         "sys.exit(code)"],
        cwd=place, capture_output=True, text=True, timeout=300, env=env, encoding="utf-8")
    assert probe.returncode == 1, probe.stdout + probe.stderr
    files = probe.stdout.split("FILES", 1)[1].split()
    assert files and all(Path(f).resolve().is_relative_to(place.resolve()) for f in files), files
    assert {"assertions.py", "hints.py", "messages.py", "runner.py"} <= {Path(f).name for f in files}
    assert messages.text("hint.affine.db_batch_axis", "en", actual="()", expected="(3,)") in probe.stdout

    run = subprocess.run([sys.executable, "-S", "-m", "autograder", "check", "--lang", "ko"], cwd=place,
                         capture_output=True, text=True, timeout=300, env=env, encoding="utf-8")
    assert run.returncode == 1 and "힌트" in run.stdout
    (place / "layers.py").write_text(solution("03_affine"), encoding="utf-8")
    run = subprocess.run([sys.executable, "-S", "-m", "autograder", "check"], cwd=place,
                         capture_output=True, text=True, timeout=300, env=env, encoding="utf-8")
    assert run.returncode == 0, run.stdout + run.stderr
    run = subprocess.run([sys.executable, "-S", "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=place,
                         capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0 and "3 passed" in run.stdout, run.stdout
    run = subprocess.run([sys.executable, "-S", "-m", "autograder", "grade", "--assignment", "03_affine", "."],
                         cwd=place, capture_output=True, text=True, timeout=300, env=env, encoding="utf-8")
    assert run.returncode == 2 and "only holds the student check" in run.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_check_in_a_release_folder(folder):
    place = folder("03_affine", mutant("03_affine", "dx without the transpose: np.dot(dout, W)"))
    python = f"{sys.executable} -S"
    run = subprocess.run(["make", "-s", "check", f"PYTHON={python}", "lang=ko"], cwd=place, capture_output=True,
                         text=True, timeout=300, env=third_party_only(), encoding="utf-8")
    assert run.returncode != 0
    assert messages.text("hint.affine.dx_missing_transpose", "ko") in run.stdout
    (place / "layers.py").write_text(solution("03_affine"), encoding="utf-8")
    run = subprocess.run(["make", "-s", "check", f"PYTHON={python}"], cwd=place, capture_output=True, text=True,
                         timeout=300, env=third_party_only(), encoding="utf-8")
    assert run.returncode == 0 and "All public tests pass" in run.stdout


# -- in this process, every assignment

@pytest.mark.parametrize("aid", IDS)
def test_every_solution_passes_in_one_process(aid, folder):
    """Every stub fails in a check of its own (test_every_release_folder_checks_its_stub_on_its_own)."""
    out = io.StringIO()
    assert check(folder(aid, solution(aid)), lang="en", plain=True, out=out) == 0, out.getvalue()


def test_a_second_check_in_the_same_process_imports_the_file_as_it_is_then(folder):
    place = folder("03_affine")
    out = io.StringIO()
    assert check(place, lang="en", plain=True, out=out) == 1
    assert "not written yet" in out.getvalue() and "Traceback" not in out.getvalue()
    (place / "layers.py").write_text(solution("03_affine"), encoding="utf-8")
    out = io.StringIO()  # the same process, the same module name: the new file must be the one imported
    assert check(place, lang="en", plain=True, out=out) == 0, out.getvalue()


def test_check_leaves_sys_path_and_the_student_module_behind(folder):
    place = folder("03_affine", solution("03_affine"))
    path = list(sys.path)
    assert check(place, lang="en", plain=True, out=io.StringIO()) == 0
    assert sys.path == path and "layers" not in sys.modules and "test_affine" not in sys.modules
    assert not list(place.rglob("__pycache__")) and not (place / ".pytest_cache").exists()


def test_plain_text_when_rich_is_missing(folder, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "rich", None)
    monkeypatch.setitem(sys.modules, "rich.console", None)
    assert check(folder("03_affine", solution("03_affine")), lang="en") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].split() == ["Unit", "Test", "Points", "Result"] and set(lines[3]) == {"-", " "}


def test_an_assignment_folder_of_the_repository_and_a_bare_folder_with_assignment(tmp_path):
    a = course.load("03_affine")
    assert locate(a.folder).id == "03_affine"
    (tmp_path / "layers.py").write_text(solution("03_affine"))
    target = locate(tmp_path, "03_affine")
    assert target.tests == tuple(sorted(a.folder.glob("test_*.py")))  # the course's public tests
    assert check(tmp_path, "03_affine", "en", plain=True, out=io.StringIO()) == 0
    with pytest.raises(CheckError) as caught:
        locate(tmp_path)  # layers.py alone could be six assignments
    assert caught.value.key == "check.error.which_assignment"


# -- units and points

@pytest.mark.parametrize("aid", IDS)
def test_every_public_test_names_a_unit_and_is_worth_a_point(aid):
    a = course.load(aid)
    target = locate(a.folder)
    tests = public_tests(target)
    assert [t.name for t in tests] == [n for p in target.tests for n in classroom.pytest_names(p)]
    for test in tests:
        assert test.units, f"{aid}: {test.name} mentions no unit of the manifest"
        assert set(test.units) <= {u.name for u in a.units}
    assert POINTS_PER_TEST == classroom.POINTS_PER_TEST  # the check's points are the Classroom workflow's
    assert {u for t in tests for u in t.units} == {u.name for u in a.units}, "a unit no public test covers"


def test_the_readme_shows_a_real_check_output(folder):
    """README.md's example is what `check` prints for that submission today."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("$ python -m autograder check\n", 1)[1].split("\n```", 1)[0]
    source = solution("03_affine").replace("self.db = np.sum(dout, axis=0)", "self.db = np.sum(dout)")
    source = source.replace("dx = np.dot(dout, self.W.T)", "dx = np.dot(dout, self.W)")
    place = folder("03_affine", "".join(line for line in source.splitlines(keepends=True) if "### " not in line))
    environment = {k: v for k, v in os.environ.items() if k not in ("AUTOGRADER_LANG", "LC_ALL", "LC_MESSAGES", "FORCE_COLOR", "COLUMNS")}
    run = subprocess.run([sys.executable, "-m", "autograder", "check"], cwd=place, capture_output=True, text=True,
                         timeout=300, env={**environment, "LANG": "C.UTF-8"}, encoding="utf-8")
    assert run.returncode == 1
    assert run.stdout.rstrip("\n").replace(str(place), "/tmp/03_affine") == shown


def test_a_long_test_gets_a_word_about_endless_loops(folder, monkeypatch, capsys):
    from autograder.check import runner

    monkeypatch.setattr(runner, "SLOW_SECONDS", 0.2)
    source = solution("03_affine").replace("    def forward(self, x):\n", (
        "    def forward(self, x):\n"
        "        if not hasattr(Affine, 'slept'):  # once\n"
        "            Affine.slept = __import__('time').sleep(0.5)\n"), 1)
    assert check(folder("03_affine", source), lang="en", plain=True) == 0
    err = capsys.readouterr().err
    assert "test_affine_small_example has been running for 0.2 s: if your code loops forever, press Ctrl+C" in err


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
def test_ctrl_c_stops_an_endless_loop_with_a_sentence(folder):
    import signal
    import time

    source = solution("03_affine").replace("    def forward(self, x):\n",
                                           "    def forward(self, x):\n        while True: pass\n", 1)
    place = folder("03_affine", source)
    process = subprocess.Popen([sys.executable, "-m", "autograder", "check"], cwd=place, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, encoding="utf-8",
                               env={**os.environ, "AUTOGRADER_LANG": "en"})
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, out + err
    assert "Stopped (Ctrl+C)" in err and "Traceback" not in err


# -- the mutation suite through the public tests

def mutation_cases(kind: str):
    for path in sorted(MUTANTS.glob("*.toml")):
        for entry in tomllib.loads(path.read_text(encoding="utf-8")).get(kind, []):
            yield path.stem, entry


def check_rows(aid: str, entry: dict, place: Path):
    """The rows of a check of the solution with `entry`'s edits, in this process."""
    from autograder.assign.mutants import edited
    from autograder.check.explain import Explainer
    from autograder.check.runner import run

    a = course.load(aid)
    filename = entry.get("file", a.student_files[0])
    place.mkdir()
    for name in a.student_files:
        source = (a.solution_folder / name).read_text(encoding="utf-8")
        (place / name).write_text(edited(source, entry) if name == filename else source, encoding="utf-8")
    for name in a.public_files:  # what the student gets beside the stub (08's corpus.txt)
        (place / name).write_bytes((a.folder / name).read_bytes())
    target = locate(place, aid)
    with messages.speaking("en"):
        return run(target, Explainer(target, "en")).rows


@pytest.mark.slow  # a sweep of every variant or mutant through the public tests: minutes, run in CI
def test_every_correct_variant_passes_the_public_tests(tmp_path):
    failed = {}
    for i, (aid, entry) in enumerate(mutation_cases("variant")):
        rows = check_rows(aid, entry, tmp_path / str(i))
        if not all(r.passed for r in rows):
            failed[f"{aid}: {entry['name']}"] = [why.lines for r in rows for _, why in r.failures]
    assert not failed, failed


@pytest.mark.slow  # a sweep of every variant or mutant through the public tests: minutes, run in CI
def test_public_tests_hint_only_the_bug_a_mutant_has(tmp_path):
    wrong, hinted, total = {}, 0, 0
    for i, (aid, entry) in enumerate(mutation_cases("mutant")):
        rows = check_rows(aid, entry, tmp_path / str(i))
        fired = {key for r in rows for _, why in r.failures for key in why.hints}
        written_for = {entry["hint"]} if isinstance(entry.get("hint"), str) else set(entry.get("hint", []))
        written_for |= {entry["public_hint"]} if isinstance(entry.get("public_hint"), str) else set(entry.get("public_hint", []))
        if fired - written_for:
            wrong[f"{aid}: {entry['name']}"] = sorted(fired - written_for)
        hinted += bool(fired)
        total += 1
    assert not wrong, wrong
    assert hinted >= 50, f"only {hinted} of {total} mutants get their hint from the public tests"


def test_help_speaks_the_chosen_language(capsys):
    from autograder.cli import main

    for lang, words in (("ko", "공개 테스트를 실행하고"), ("en", "run the public tests on your own files")):
        with pytest.raises(SystemExit):
            main(["check", "--help", "--lang", lang])
        assert words in capsys.readouterr().out
