"""The one boundary for student text (autograder/untrusted.py), without a sandbox.

Properties over arbitrary text (surrogates, control characters, escape
sequences, rich markup, HTML, very long strings) and over forged worker
answers fed to the trusted side through a fake channel: whatever comes in,
what is stored or shown is printable, bounded and written by every output.
The sandboxed half, with real submissions and the command line, is
tests/test_student_text.py.
"""

from __future__ import annotations

import json
import struct
import tempfile
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from autograder import untrusted
from autograder.batch import plan
from autograder.report.gradebook import Gradebook
from autograder.result import Result, TestResult
from autograder.sandbox.protocol import MAX_DEPTH, Decoder, ProtocolError, pack, unpack
from autograder.proxy import RemoteObject, Student, StudentError, WorkerLost
from autograder.submission import Submission
from tests.outputs import assert_every_output_safe, assert_printable

# Pieces an attacker would reach for, mixed into arbitrary text.
NASTY = ("\x1b[2J", "\x1b[H\x1b[3J", "\x1bc", "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07", "\x1b]0;title\x1b\\",
         "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "\x1bP1$r\x1b\\", "\x9b31m", "\x1b[",
         "\rtest_affine_forward passed 2/2", "\r\n", "\n", "\t", "\x00", "\x7f", "\x85", "\u2028", "\u202e",
         "\ud800", "\udfff", "\ud83d\ude00", "[/bold]", "[/]", "[link=https://evil.example]x[/link]",
         "[red]", "\\[", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "&lt;", "```",
         "| a |", "=HYPERLINK(\"http://evil\")", "+1", "@SUM(1)", "{0}", "{name}", "%s", "기울기", "0.25",
         "-4.5e-06", "[[0.1 0.2]\n [0.3 0.4]]")
CHARS = st.one_of(st.characters(), st.characters(categories=["Cs", "Cc", "Cf", "Zl", "Zp"]))
TEXT = st.lists(st.one_of(st.text(CHARS, max_size=30), st.sampled_from(NASTY)), max_size=25).map("".join)
LONG = st.builds(lambda piece, n: piece * n, st.one_of(st.sampled_from(NASTY), st.text(CHARS, min_size=1, max_size=4)),
                 st.integers(500, 12_000))
ANY_TEXT = st.one_of(TEXT, TEXT, LONG)
# (the function, its cap in characters, its cap in lines)
FIELDS = [(untrusted.message, untrusted.MESSAGE_CHARS, untrusted.MESSAGE_LINES),
          (untrusted.where, untrusted.WHERE_CHARS, 1), (untrusted.type_name, untrusted.TYPE_CHARS, 1),
          (untrusted.name, untrusted.NAME_CHARS, 1), (untrusted.output, untrusted.OUTPUT_CHARS, untrusted.OUTPUT_LINES)]


# ---------------------------------------------------------------- the sanitizer itself

@settings(max_examples=400, deadline=None)
@given(ANY_TEXT, st.sampled_from(FIELDS))
def test_any_text_comes_out_printable_bounded_and_stable(text, field):
    clean, limit, lines = field
    safe = clean(text)
    assert isinstance(safe, untrusted.Safe)
    assert_printable(safe, clean.__name__)
    safe.encode("utf-8")  # strict: no lone surrogate left
    assert "\x1b" not in safe and "\r" not in safe
    assert len(safe) <= limit
    assert len(safe.split("\n")) <= lines
    assert not any(unicodedata.category(c) == "Cf" and c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                   for c in safe)
    assert clean(safe) == safe and clean(str(safe)) == safe  # idempotent: a second pass changes nothing


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_printable_text_passes_unchanged(text):
    plain = "".join(c for c in text if c.isprintable())  # Korean, markup, HTML: all kept as written
    assert untrusted.message(plain[:untrusted.MESSAGE_CHARS]) == plain[:untrusted.MESSAGE_CHARS]
    assert untrusted.name(plain[:untrusted.NAME_CHARS]) == plain[:untrusted.NAME_CHARS].strip()


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_hidden_feedback_keeps_no_digit(text):
    stripped = untrusted.without_numbers(text)
    assert not any(unicodedata.category(c) == "Nd" for c in stripped)
    assert_printable(stripped, "without_numbers")


def test_escape_sequences_go_whole_and_their_payload_with_them():
    assert untrusted.message("a\x1b[2Jb") == "ab"
    assert untrusted.message("a\x1b]52;c;Y3VybCBldmls\x07b") == "ab"
    assert untrusted.message("a\x1b]8;;https://evil\x1b\\click\x1b]8;;\x1b\\b") == "aclickb"
    assert untrusted.message("fail\rtest passed") == "failtest passed"
    assert untrusted.message("x\r\ny\tz") == "x\ny    z"
    assert untrusted.name("x\ny\tz") == "x y z"


def test_surrogates_and_nul_become_the_replacement_character():
    assert untrusted.message("a\ud800b\x00c") == "a\ufffdb\ufffdc"
    assert untrusted.message("\ud83d\ude00") == "\U0001f600"  # a valid pair is the character it encodes


def test_each_field_has_its_cap_and_says_it_was_cut():
    for clean, limit, _ in FIELDS:
        cut = clean("x" * (10 * limit))
        assert len(cut) == limit and cut.endswith(untrusted.ELLIPSIS)
    for clean, _, lines in FIELDS:
        many = clean("line\n" * 1000)
        assert len(many.split("\n")) == lines and many.endswith(untrusted.ELLIPSIS)
        assert many.startswith("line") and "lin…" not in many  # cut between lines, not inside one


def test_numbers_go_but_words_and_shapes_stay():
    assert (untrusted.without_numbers("shapes (3,4) and (5,6) not aligned: 4 (dim 1) != 5 (dim 0)")
            == "shapes (…,…) and (…,…) not aligned: … (dim …) != … (dim …)")
    assert untrusted.without_numbers("x = [[ 0.1 -2.5e-03]\n [ 3.  4. ]]") == "x = [[ …]\n [ … ]]"


def test_a_csv_cell_never_starts_a_formula():
    for evil in ("=HYPERLINK(1)", "+1", "-1", "@SUM(1)"):
        assert untrusted.csv_cell(evil) == "'" + evil
    assert untrusted.csv_cell("kim") == "kim"


# ---------------------------------------------------------------- every output, from a Result

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=ANY_TEXT, outputs=st.lists(ANY_TEXT, min_size=1, max_size=3), note=TEXT)
@example(name="'", outputs=[""], note="")  # a name that starts with the quote the CSV export puts before formulas
def test_any_text_in_a_result_leaves_every_output_valid(name, outputs, note):
    tests = tuple(TestResult(f"test_{i}", "Affine", 0.0, 1.0, text) for i, text in enumerate(outputs))
    result = Result("03_affine", name, tests, "0" * 64, note)
    with tempfile.TemporaryDirectory() as folder:
        assert_every_output_safe(result, Path(folder))


# ---------------------------------------------------------------- forged answers

class Forged:
    """A worker's channel that answers every request with the same bytes (a message body)."""

    def __init__(self, body: bytes):
        self.body = body

    def exchange(self, message: bytes, seconds: float | None = None) -> bytes:
        return self.body


def header_body(head: bytes, blobs: bytes = b"") -> bytes:
    return struct.pack(">I", len(head)) + head + blobs


def outcome(body: bytes):
    """What the trusted side makes of `body` as the answer to student.Affine and to a call of it."""
    student = Student(Forged(body), "layers.py")
    try:
        value = student.Affine
        if isinstance(value, RemoteObject):
            assert_printable(value.remote_type, "type name")
            assert len(value.remote_type) <= untrusted.TYPE_CHARS
        return value
    except (StudentError, WorkerLost) as exc:  # the only two ways a test may fail for an answer
        assert_printable(str(exc), "message")
        assert len(str(exc)) <= 3 * untrusted.MESSAGE_CHARS
        return exc


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), ANY_TEXT),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["$t", "$d", "$nd", "$np", "$ref", "type", "dtype", "shape", "callable",
                                         "class", "value", "error", "message", "where", "importing", "missing"]),
                        inner, max_size=4),
        st.builds(lambda k, v: {"$ref": 1, "type": k, "callable": v}, ANY_TEXT, st.booleans())),
    max_leaves=20)
ERROR = st.fixed_dictionaries({}, optional={"type": ANY_TEXT, "message": ANY_TEXT, "where": ANY_TEXT,
                                            "importing": ANY_TEXT, "missing": st.booleans(), "step": st.integers()})


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.builds(lambda v: {"value": v}, JSON), st.builds(lambda e: {"error": e}, ERROR),
                 st.dictionaries(st.text(max_size=8), JSON, max_size=3)))
def test_any_forged_header_is_a_value_a_student_error_or_a_lost_worker(header):
    outcome(pack(header, [])[8:])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_forged_bytes_are_a_bad_answer(raw):
    outcome(raw)
    outcome(header_body(raw))


def test_a_header_nested_200000_deep_is_a_bad_answer_not_a_recursion_error():
    deep = b'{"value": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    lost = outcome(header_body(deep))
    assert isinstance(lost, WorkerLost) and "invalid answer" in str(lost)
    with pytest.raises(ProtocolError):
        unpack(header_body(b'{"value": ' + b'{"$t": [' * 100_000 + b"]}" * 100_000 + b"}"))


@pytest.mark.parametrize("size", [128 * 1024, 4 * 1024 * 1024])
def test_a_huge_type_name_is_a_bad_answer_read_fast(size):
    started = time.perf_counter()
    lost = outcome(pack({"value": {"$ref": 1, "type": "A" * size, "callable": True}}, [])[8:])
    assert isinstance(lost, WorkerLost) and len(str(lost)) < 500
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize("value", [
    "x" * (2 << 20),                                            # a string of 2 Mi characters
    {"$d": [["k" * 5000, 1]]},                                  # a dict key of 5000 characters
    {"$nd": 0, "dtype": "<f8", "shape": [0, 2 ** 62, 2 ** 62]},  # a silly shape around no bytes
    {"$nd": 0, "dtype": "x" * 100_000, "shape": [1]},
])
def test_oversized_or_silly_values_are_bad_answers(value):
    lost = outcome(pack({"value": value}, [])[8:])
    assert isinstance(lost, WorkerLost) and len(str(lost)) < 500


def test_a_number_of_5000_digits_is_a_bad_answer():
    assert isinstance(outcome(header_body(b'{"value": ' + b"9" * 5000 + b"}")), WorkerLost)


def test_decoder_raises_only_protocol_errors_at_any_depth():
    node = 1
    for _ in range(MAX_DEPTH + 5):
        node = [node]
    with pytest.raises(ProtocolError):
        Decoder([], lambda ref: ref).decode(node)


def test_a_forged_error_answer_is_cleaned_and_capped():
    error = {"type": "Evil\x1b[2J" + "E" * 500, "message": "[/bold]\x1b]52;c;cGF5bG9hZA==\x07\ud800" * 2000,
             "where": "layers.py, line 3\rPASSED" + "w" * 5000}
    lost = outcome(pack({"error": error}, [])[8:])
    assert isinstance(lost, StudentError)
    message = str(lost)
    assert "[/bold]" in message and "cGF5bG9hZA" not in message and "\ufffd" in message
    assert len(message) < untrusted.MESSAGE_CHARS + untrusted.TYPE_CHARS + untrusted.WHERE_CHARS + 100


# ---------------------------------------------------------------- names

def test_batch_names_are_cleaned_and_names_cleaning_alike_are_one_student(tmp_path):
    for raw in (b"kim\x1b[2J.py", b"kim.py", b"kim\x07.zip", b"\xff\xfe[red]lee.py", b"=cmd.py"):
        (tmp_path / raw.decode("utf-8", "surrogateescape")).write_text("x = 1\n")
    found = plan(tmp_path)
    names = [e.student for e in found.entries]
    assert names == ["=cmd", "\ufffd\ufffd[red]lee"]
    for name in names:
        assert_printable(name, "student name")
        name.encode("utf-8")
    assert [len(group) for group in found.duplicates] == [3]  # three entries clean to "kim": refused
    assert_printable(found.refusal, "refusal")


def test_a_submission_cleans_its_name_and_problems():
    submission = Submission("a\x1b[2Jb\ud800", {}, ("bad zip 'x\x1b]52;c;eA==\x07y'",))
    assert submission.name == "ab\ufffd" and submission.problems == ("bad zip 'xy'",)


def test_gradebook_and_csv_take_any_name_and_path(tmp_path):
    result = Result("03_affine", "=1+1", (TestResult("t", "u", 1.0, 1.0, "ok"),), "0" * 64)
    with Gradebook(tmp_path / "g.db") as book:
        book.record("=1+1\ud800", "/submissions/\udcff\udcfe.zip", result)
        book.export_csv("03_affine", tmp_path / "g.csv")
    assert (tmp_path / "g.csv").read_text(encoding="utf-8").splitlines()[1].startswith("'=1+1\ufffd,")


def test_results_json_is_written_whatever_a_result_holds(tmp_path):
    from autograder.result import write_json

    result = Result("03_affine", "s", (TestResult("t", "u", 0.0, 1.0, "bad \ud800 \x1b[2J"),), "0" * 64)
    write_json(result, tmp_path / "results.json")
    assert json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["tests"][0]["output"] == "bad \ufffd "


def test_rich_reads_no_markup_in_student_text():
    from tests.outputs import every_output

    result = Result("03_affine", "[/bold]", (TestResult("t", "u", 0.0, 1.0, "[/bold] [link=x]y[/link] [red]"),))
    with tempfile.TemporaryDirectory() as folder:
        outputs = every_output(result, Path(folder))
    assert "[/bold] [link=x]y[/link] [red]" in outputs["table"]
    assert "[/bold]" in outputs["summary"]
    np.testing.assert_equal(outputs["table"].count("[/bold]"), 2)  # the title's student and the message


def test_an_error_answer_keeps_its_numbers_only_for_an_import():
    error = pack({"error": {"importing": "layers.py", "type": "ValueError", "message": "x = [0.123 4.5]"}}, [])[8:]
    with pytest.raises(StudentError) as call:  # a call claiming to be an import: hidden inputs may be in it
        Student(Forged(error), "layers.py").Affine
    assert "x = […]" in str(call.value) and not any(c.isdigit() for c in str(call.value))
    with pytest.raises(StudentError) as load:
        Student(Forged(error), "layers.py").load("layers", {})
    assert "x = [0.123 4.5]" in str(load.value)
