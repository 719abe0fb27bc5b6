"""Feedback on hidden tests: the hints that fired, the language of every message, and nothing hidden shown."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys

import numpy as np
import pytest

from autograder import assertions, batch, course, directional, messages
from autograder.assign import mutants
from autograder.grade import grade


def _mutant(aid: str, name: str) -> dict:
    return next(e for e in mutants.entries(aid)["mutant"] if e["name"] == name)


def _write(tmp_path, aid: str, name: str):
    assignment = course.load(aid)
    submission = mutants.submission(assignment, _mutant(aid, name))
    path = tmp_path / assignment.student_files[0]
    path.write_bytes(submission.files[assignment.student_files[0]])
    return path


def _grade_cli(path, aid, out, *extra, env=None):
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "--assignment", aid, str(path),
                          "--out", str(out), "--quiet", *extra], capture_output=True, text=True, timeout=300,
                         env=env)
    assert run.returncode == 0, run.stderr
    return json.loads(out.read_text(encoding="utf-8"))


HANGUL = re.compile("[\uac00-\ud7a3]")


def test_grade_speaks_korean_with_lang_ko(tmp_path):
    path = _write(tmp_path, "03_affine", "db summed over every axis (a scalar)")
    korean = _grade_cli(path, "03_affine", tmp_path / "ko.json", "--lang", "ko")
    english = _grade_cli(path, "03_affine", tmp_path / "en.json", "--lang", "en")
    failed_ko = [t["output"] for t in korean["tests"] if t["status"] == "failed"]
    failed_en = [t["output"] for t in english["tests"] if t["status"] == "failed"]
    assert failed_ko and len(failed_ko) == len(failed_en)
    # b's shape is drawn per submission (hidden/draw.py): any (M,) will do
    hint_ko = re.escape(messages.text("hint.affine.db_batch_axis", "ko", actual=(), expected=(0,)))
    hint_ko = re.compile(hint_ko.replace(re.escape("(0,)"), r"\(\d+,\)"))
    assert any(hint_ko.search(output) for output in failed_ko)
    assert all(HANGUL.search(output) for output in failed_ko)
    assert all("힌트:" in output for output in failed_ko)
    assert not any(HANGUL.search(output) for output in failed_en)
    assert any(re.search(r"Hint: db has shape \(\) but b has shape \(\d+,\)", output) for output in failed_en)
    assert korean["score"] == english["score"]


def test_grade_follows_autograder_lang_without_the_flag(tmp_path):
    import os

    path = _write(tmp_path, "02_activations", "Sigmoid backward dout * out")
    env = {**os.environ, "AUTOGRADER_LANG": "ko"}
    result = _grade_cli(path, "02_activations", tmp_path / "r.json", env=env)
    failed = [t["output"] for t in result["tests"] if t["status"] == "failed"]
    assert failed and all(HANGUL.search(output) for output in failed)


def test_grade_rejects_an_unknown_language(tmp_path):
    path = _write(tmp_path, "03_affine", "forward forgets the bias")
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "--assignment", "03_affine", str(path),
                          "--lang", "fr"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and "invalid choice" in run.stderr and "Traceback" not in run.stderr


def test_grade_records_the_hints_that_fired(fork_server):
    assignment = course.load("04_softmax_loss")
    result = grade(assignment, mutants.submission(assignment, _mutant(
        "04_softmax_loss", "cross-entropy summed, not averaged over the batch")), fork_server, lang="en")
    hinted = {t.name: t.hints for t in result.tests if t.hints}
    assert hinted and all(hints == ("hint.cross_entropy.summed",) for hints in hinted.values())
    for t in result.tests:
        if t.hints:
            assert messages.text("hint.cross_entropy.summed", "en") in t.output


def test_batch_processes_speak_the_language(tmp_path, monkeypatch):
    """The processes of a batch (spawned, so they import everything anew) read AUTOGRADER_LANG."""
    from autograder.sandbox import default_sandbox

    monkeypatch.setenv("AUTOGRADER_LANG", "ko")
    assignment = course.load("01_computational_graph")
    folder = tmp_path / "submissions"
    folder.mkdir()
    for i, name in enumerate(["Add backward doubles dout", "Mul backward ignores dout"]):
        source = mutants.submission(assignment, _mutant("01_computational_graph", name)).files["layers.py"]
        (folder / f"student{i}.py").write_bytes(source)
    outputs = {}
    batch.grade_batch(assignment, batch.entries(folder), 2, default_sandbox,
                      lambda entry, result: outputs.update({entry.student: result}))
    assert set(outputs) == {"student0", "student1"}
    for result in outputs.values():
        failed = [t for t in result.tests if not t.passed]
        assert failed and all(HANGUL.search(t.output) for t in failed)
        assert any(t.hints for t in failed)


# -- nothing hidden in the feedback ---------------------------------------------------

LEAK_CASES = [
    ("03_affine", "dx without the transpose: np.dot(dout, W)"),
    ("04_softmax_loss", "softmax normalised over the whole array"),
    ("05_rnn_cell", "tanh derivative 1 - h_next instead of 1 - h_next ** 2"),
    ("06_time_rnn", "TimeRNN does not add dh from the next step"),
    ("07_many_to_one", "backward forgets the 1 / N of the mean loss"),
]


def _spellings(value: float) -> set[str]:
    """How a hidden number could show up in a message."""
    return {f"{value:.3g}", f"{value:.4g}", f"{value:.6g}", repr(value), str(np.float32(value))}


@pytest.mark.parametrize("aid, name", LEAK_CASES)
def test_hidden_feedback_shows_no_expected_value(aid, name, fork_server, monkeypatch):
    """Every expected value (and numerical gradient) a hidden test compares with is recorded; none of
    them may appear in the feedback of a buggy submission, in any usual spelling."""
    assignment = course.load(aid)
    module = importlib.import_module(f"autograder.hidden.{assignment.slug}")
    seen = []

    def close(actual, expected, *args, **kwargs):
        seen.append(np.asarray(expected, dtype=float).ravel())
        return assertions.assert_close(actual, expected, *args, **kwargs)

    def gradients(pairs, *args, **kwargs):
        seen.extend(np.asarray(num, dtype=float).ravel() for _, num in pairs.values())
        return assertions.assert_gradients(pairs, *args, **kwargs)

    monkeypatch.setattr(module, "assert_close", close)
    if hasattr(module, "assert_gradients"):
        monkeypatch.setattr(module, "assert_gradients", gradients)
    monkeypatch.setattr(directional, "assert_gradients", gradients)  # the hidden tests' gradient checks end there
    result = grade(assignment, mutants.submission(assignment, _mutant(aid, name)), fork_server, lang="en")
    feedback = "\n".join(t.output for t in result.tests if not t.passed)
    assert feedback and any(t.hints for t in result.tests)
    numbers = set(re.findall(r"-?\d+\.\d+(?:e[-+]?\d+)?", feedback))
    hidden = {s for array in seen for v in array if np.isfinite(v) and abs(v) >= 1e-3 and v != round(v)
              for s in _spellings(float(v)) if re.fullmatch(r"-?\d+\.\d+(?:e[-+]?\d+)?", s)}
    assert not numbers & hidden, sorted(numbers & hidden)


def test_the_result_table_and_a_grader_failure_speak_korean(monkeypatch):
    """What `grade --lang ko` prints around the hidden tests' messages is Korean too."""
    import io

    from rich.console import Console

    from autograder import course, messages
    from autograder.grade import safe_grade
    from autograder.report.table import print_result
    from autograder.submission import Submission

    import autograder.grade

    def broken(*args, **kwargs):  # a bug of the grader itself, not of the student
        raise RuntimeError("no worker")

    monkeypatch.setattr(autograder.grade, "grade", broken)
    assignment = course.load("03_affine")
    submission = Submission("s", {"layers.py": b"x = 1\n"})
    with messages.speaking("ko"):
        result = safe_grade(assignment, submission, None)
        console = Console(width=200, record=True, file=io.StringIO())
        print_result(result, console)
    text = console.export_text()
    assert "채점기가 실패했습니다" in result.tests[0].output and "no worker" in result.tests[0].output
    assert "테스트" in text and "피드백" in text and "실패" in text
    with messages.speaking("en"):
        english = safe_grade(assignment, submission, None)
    assert english.tests[0].output.startswith("The grader failed on this submission")
