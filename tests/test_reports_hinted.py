"""Real bugs end to end: mutants of 02_activations graded through the CLI, their hints in both reports."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

import pytest

from autograder import course, messages
from autograder.assign import mutants
from autograder.report import hint_text

AID = "02_activations"


def cli(*args):
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One student per hinted mutant, and one correct student."""
    root = tmp_path_factory.mktemp("hinted")
    folder = root / "submissions"
    folder.mkdir()
    assignment = course.load(AID)
    declared = {}
    for i, entry in enumerate(e for e in mutants.entries(AID)["mutant"] if "hint" in e):
        student = f"m{i:02d}"
        for name, data in mutants.submission(assignment, entry).files.items():
            (folder / student).mkdir(exist_ok=True)
            (folder / student / name).write_bytes(data)
        declared[student] = entry["hint"]
    (folder / "correct.py").write_bytes((assignment.solution_folder / "layers.py").read_bytes())
    return root, declared


@pytest.fixture(scope="module", params=["en", "ko"])
def graded(batch, request):
    root, declared = batch
    lang = request.param
    out = root / lang
    run = cli("grade", "--assignment", AID, root / "submissions", "--gradebook", out / "grades.db",
              "--reports", out / "feedback", "--report-format", "md", "--lang", lang, "--quiet")
    assert run.returncode == 0, run.stderr
    run = cli("report", out / "grades.db", "--format", "md", "--lang", lang)
    assert run.returncode == 0, run.stderr
    return out, declared, lang


def test_each_students_report_gives_the_hint_of_their_bug_without_repeating_it(graded):
    out, declared, lang = graded
    assert declared, "the mutation suite of 02 declares no hints"
    label = messages.text("report.student.hint", lang)
    for student, key in declared.items():
        report = (out / "feedback" / f"{student}.md").read_text(encoding="utf-8")
        # the fixed words of the hint's sentence, in the report's language
        fixed = [p.strip() for p in hint_text.sentence(key, lang).split(hint_text.PLACEHOLDER) if p.strip()]
        assert all(part in report for part in fixed), (student, key)
        # printed by the hidden test in its message; the report does not add it a second time
        assert f"**{label}:**" not in report, (student, key)
    correct = (out / "feedback" / "correct.md").read_text(encoding="utf-8")
    assert messages.text("report.student.all_passed", lang) in correct


def test_the_class_report_counts_the_students_behind_each_hinted_bug(graded):
    out, declared, lang = graded
    text = (out / "class_report.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(hint\.[\w.]+)` \| .* \| (\d+) \|$", text, re.M))
    for key, students in Counter(declared.values()).items():
        assert int(rows[key]) >= students, (key, rows)
    assert all(int(n) <= len(declared) for n in rows.values())  # the correct student fires none
    assert (out / f"class_report_{AID}.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
