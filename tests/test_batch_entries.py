"""One student, one entry, or a clear refusal: duplicates, symlinks, stray files and --out DIR in a batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder import course
from autograder.batch import BatchError, entries, plan
from autograder.report.result_files import json_names, safe_file_stem

AID = "03_affine"
SOLUTION = (course.load(AID).solution_folder / "layers.py").read_bytes()


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def said(text: str) -> str:
    """Printed text with the terminal's line wrapping undone."""
    return " ".join(text.split())


def touch(path: Path, data: bytes = SOLUTION, when: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if when is not None:
        os.utime(path, ns=(when, when))
    return path


def zipped(path: Path, data: bytes = SOLUTION, when: int | None = None) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("layers.py", data)
    if when is not None:
        os.utime(path, ns=(when, when))
    return path


# ---------------------------------------------------------------- the plan of a folder

@pytest.mark.parametrize("second", ["eve.zip", "eve/layers.py", "Eve.py", "EVE.ZIP"])
def test_two_entries_of_one_student_are_refused_by_default_naming_both(tmp_path, second):
    touch(tmp_path / "eve.py")
    (zipped if second.lower().endswith(".zip") else touch)(tmp_path / second)
    touch(tmp_path / "bob.py")
    found = plan(tmp_path)
    assert [e.student for e in found.entries] == ["bob"]
    assert len(found.duplicates) == 1 and {p.name for p in found.duplicates[0]} == {"eve.py", second.split("/")[0]}
    assert "eve.py" in found.refusal and second.split("/")[0] in found.refusal and "--duplicates newest" in found.refusal
    with pytest.raises(BatchError, match="eve.py"):
        entries(tmp_path)


def test_newest_policy_grades_the_most_recently_modified_entry_and_lists_the_other(tmp_path):
    touch(tmp_path / "eve.py", when=2_000_000_000_000_000_000)
    zipped(tmp_path / "eve.zip", b"", when=1_000_000_000_000_000_000)
    touch(tmp_path / "frank.py", b"", when=1_000_000_000_000_000_000)
    touch(tmp_path / "frank" / "layers.py", when=3_000_000_000_000_000_000)  # a folder is as new as its files
    os.utime(tmp_path / "frank", ns=(1, 1))
    found = plan(tmp_path, "newest")
    assert [(e.student, e.path.name) for e in found.entries] == [("eve", "eve.py"), ("frank", "frank")]
    assert [p.name for p, _ in found.skipped] == ["eve.zip", "frank.py"]
    assert "eve.py" in found.skipped[0][1] and not found.duplicates and not found.refusal


def test_newest_policy_refuses_a_tie_rather_than_guessing(tmp_path):
    touch(tmp_path / "eve.py", when=10**18)
    zipped(tmp_path / "eve.zip", when=10**18)
    found = plan(tmp_path, "newest")
    assert not found.entries and len(found.duplicates) == 1
    assert "same time" in found.refusal


def test_symlinks_and_stray_files_are_listed_as_skipped_never_graded(tmp_path):
    touch(tmp_path / "bob.py")
    (tmp_path / "notes.txt").write_text("grade bob first")
    (tmp_path / "grades.csv").write_text("x")
    (tmp_path / "alias.py").symlink_to(tmp_path / "bob.py")
    (tmp_path / "carol").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    (tmp_path / "__MACOSX").mkdir()
    found = plan(tmp_path)
    assert [e.student for e in found.entries] == ["bob"]
    assert [p.name for p, _ in found.skipped] == ["alias.py", "carol", "grades.csv", "notes.txt"]
    reasons = dict((p.name, why) for p, why in found.skipped)
    assert "symbolic link" in reasons["alias.py"] and "not a submission" in reasons["notes.txt"]


def test_a_name_stored_decomposed_is_the_same_student_as_composed(tmp_path):
    touch(tmp_path / (unicodedata.normalize("NFD", "김민지") + ".py"))
    touch(tmp_path / (unicodedata.normalize("NFC", "김민지") + ".zip"))
    assert len(plan(tmp_path).duplicates) == 1
    (tmp_path / (unicodedata.normalize("NFC", "김민지") + ".zip")).unlink()
    assert [e.student for e in plan(tmp_path).entries] == [unicodedata.normalize("NFC", "김민지")]


def test_names_that_clean_to_one_student_are_refused_and_shown_as_they_are_on_disk(tmp_path):
    touch(tmp_path / "kim\x1b[2J.py")
    touch(tmp_path / "kim.py")
    touch(tmp_path / "kim\x07.zip")
    touch(tmp_path / os.fsdecode(b"notes\xff.txt"))
    found = plan(tmp_path)
    assert not found.entries and len(found.duplicates) == 1
    assert "kim\\x1b[2J.py" in found.refusal and "kim.py" in found.refusal and "kim\\x07.zip" in found.refusal
    assert "\x1b" not in found.refusal and "\x07" not in found.refusal
    assert found.skipped[0][1].startswith("notes\\xff.txt: not a submission")


NAMES = st.text(alphabet="aAbBÉé_-", min_size=1, max_size=3)
KINDS = st.sampled_from([".py", ".zip", "/", ".txt"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(NAMES, KINDS), min_size=1, max_size=8, unique_by=lambda t: t[0] + t[1]))
def test_every_entry_is_graded_skipped_or_refused_exactly_once_one_entry_per_student(tmp_path_factory, made):
    folder = tmp_path_factory.mktemp("subs")
    for name, kind in made:
        if kind == "/":
            touch(folder / name / "layers.py")
        else:
            touch(folder / f"{name}{kind}")
    listed = {p.name for p in folder.iterdir()}
    found = plan(folder)
    graded = [e.path.name for e in found.entries]
    accounted = graded + [p.name for p, _ in found.skipped] + [p.name for g in found.duplicates for p in g]
    assert sorted(accounted) == sorted(listed)  # nothing vanishes, nothing counts twice
    keys = [e.student.casefold() for e in found.entries]
    assert len(keys) == len(set(keys))           # one entry per student, whatever the case
    assert plan(folder) == found                  # the same folder, the same plan


# ---------------------------------------------------------------- results file names

@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=12))
def test_json_names_are_safe_distinct_on_a_case_insensitive_disk_and_order_free(students):
    names = json_names(students)
    assert set(names) == set(students)
    on_disk = [unicodedata.normalize("NFC", n).casefold() for n in names.values()]
    assert len(set(on_disk)) == len(on_disk)
    for name in names.values():
        assert name.endswith(".json") and "/" not in name and "\\" not in name and not name.startswith(".")
        assert len(name.encode("utf-8")) <= 210 and all(c.isalnum() or c in "._-" for c in name)
    assert json_names(reversed(students)) == names


def test_unsafe_and_reserved_names_become_safe_stems():
    taken: set[str] = set()
    assert [safe_file_stem(n, taken) for n in ("a/b", "a_b", "A_B", "CON", "../..", "")] == \
        ["a_b", "a_b-2", "A_B-3", "_CON", "student", "student-2"]


# ---------------------------------------------------------------- the command line

def test_duplicates_stop_the_batch_before_grading_with_a_sentence(tmp_path):
    subs = tmp_path / "subs"
    touch(subs / "eve.py")
    zipped(subs / "eve.zip", b"")
    touch(subs / "bob.py")
    run = cli("grade", "--assignment", AID, subs, "--gradebook", tmp_path / "g.db", "--lang", "en")
    assert run.returncode == 2
    assert "Nothing was graded" in said(run.stderr) and "eve.py, eve.zip" in said(run.stderr)
    assert not (tmp_path / "g.db").exists()


def test_a_folder_of_per_student_files_with_out_dir_writes_one_json_per_student(tmp_path):
    subs = tmp_path / "subs"
    touch(subs / "alice.py")
    touch(subs / "bob.py", b"")
    touch(subs / "a:b.py")
    touch(subs / "a_b.py", b"")
    run = cli("grade", "--assignment", AID, subs, "--out", tmp_path / "out", "--quiet")
    assert run.returncode == 0, run.stderr
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["a_b-2.json", "a_b.json", "alice.json", "bob.json"]
    scores = {n: json.loads((tmp_path / "out" / n).read_text())["score"] for n in files}
    assert scores["alice.json"] == scores["a_b.json"] > 0 and scores["bob.json"] == scores["a_b-2.json"] == 0


def test_a_batch_refuses_an_out_that_names_a_json_file(tmp_path):
    subs = tmp_path / "subs"
    touch(subs / "alice.py")
    touch(subs / "bob.py")
    run = cli("grade", "--assignment", AID, subs, "--jobs", "1", "--out", tmp_path / "r.json", "--lang", "en")
    assert run.returncode == 2 and "one results JSON per student" in said(run.stderr)
    assert not (tmp_path / "r.json").exists()


def test_a_batch_refuses_an_out_folder_inside_the_submissions(tmp_path):
    subs = tmp_path / "subs"
    touch(subs / "alice.py")
    touch(subs / "bob.py")
    run = cli("grade", "--assignment", AID, subs, "--out", subs / "results", "--lang", "en")
    assert run.returncode == 2 and "inside the submissions folder" in said(run.stderr)
    assert not (subs / "results").exists()


def test_one_students_folder_stays_one_submission(tmp_path):
    touch(tmp_path / "mine" / "layers.py")
    touch(tmp_path / "mine" / "helpers.py", b"x = 1\n")
    run = cli("grade", "--assignment", AID, tmp_path / "mine", "--out", tmp_path / "r.json", "--quiet")
    assert run.returncode == 0, run.stderr
    assert json.loads((tmp_path / "r.json").read_text())["score"] > 0


@pytest.mark.parametrize("runs", [2, pytest.param(10, marks=pytest.mark.slow)])
def test_duplicates_symlinks_and_strays_give_the_same_files_in_every_run_with_two_jobs(tmp_path, runs):
    subs = tmp_path / "subs"
    touch(subs / "eve.py", when=2 * 10**18)
    zipped(subs / "eve.zip", b"", when=10**18)
    touch(subs / "frank.py", b"", when=10**18)
    touch(subs / "frank" / "layers.py", when=2 * 10**18)
    touch(subs / "bob.py", b"def broken(:\n")
    (subs / "notes.txt").write_text("late: frank")
    (subs / "alias.py").symlink_to(subs / "eve.py")
    seen = set()
    for run_number in range(runs):
        out = tmp_path / f"out{run_number}"
        run = cli("grade", "--assignment", AID, subs, "--jobs", "2", "--duplicates", "newest",
                  "--out", out, "--csv", out / "grades.csv", "--quiet", "--lang", "en")
        assert run.returncode == 0, run.stderr
        scores = tuple(sorted((p.name, json.loads(p.read_text())["score"]) for p in out.glob("*.json")))
        skipped = tuple(line.strip() for line in run.stderr.splitlines() if line.startswith("  "))
        seen.add((scores, skipped))
    assert len(seen) == 1
    (scores, skipped), = seen
    assert [name for name, _ in scores] == ["bob.json", "eve.json", "frank.json"]
    assert dict(scores)["eve.json"] == dict(scores)["frank.json"] > 0 == dict(scores)["bob.json"]
    assert [line.split(":")[0] for line in skipped] == ["alias.py", "eve.zip", "frank.py", "notes.txt"]


def test_run_batch_takes_plain_options_not_a_command_line(tmp_path, capsys):
    from autograder.report.console import BatchOptions, run_batch

    touch(tmp_path / "subs" / "alice.py")
    touch(tmp_path / "subs" / "bob.py", b"")
    status = run_batch(course.load(AID), tmp_path / "subs",
                       BatchOptions(csv=tmp_path / "g.csv", out=tmp_path / "out", quiet=True))
    assert status == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["alice.json", "bob.json"]
    assert (tmp_path / "g.csv").read_text(encoding="utf-8-sig").count("\n") == 3


def test_one_submission_with_out_naming_a_folder_is_a_sentence_not_a_traceback(tmp_path):
    touch(tmp_path / "mine" / "layers.py")
    (tmp_path / "out").mkdir()
    run = cli("grade", "--assignment", AID, tmp_path / "mine", "--out", tmp_path / "out")
    assert run.returncode == 2 and "is a folder" in run.stderr and "Traceback" not in run.stderr
