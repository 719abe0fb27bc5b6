"""Earlier units reach a dependent unit's tests as values, never as code.

While TimeRNN is tested, the student's module holds a stub of RNN whose calls
the grader answers with the reference (autograder/reference_calls.py,
sandbox/reference_stubs.py). These tests prove: a scan of everything the worker can
read while those calls run finds no line and no bytecode of the reference;
code written the textbook's way (identities of params and grads included)
scores as it did when the reference ran in the worker; forged reference calls
fail one test and cost nothing else; the limits hold, and the grader's time
computing the reference is not charged to the student's call.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import types
import zlib
from pathlib import Path

import numpy as np
import pytest

from autograder import proxy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder import course, reference, reference_calls
from autograder.course import Limits
from autograder.grade import grade
from autograder.reference_calls import ReferenceCalls
from autograder.sandbox import InProcess
from autograder.sandbox.protocol import ProtocolError, pack, unpack
from autograder.proxy import Student, StudentError, WorkerLost
from autograder.submission import Submission, load

ROOT = Path(__file__).resolve().parents[1]
SCAN_LIMITS = Limits(call_seconds=60.0, submission_seconds=300.0, cpu_seconds=120.0, memory_mb=2048)


@pytest.fixture(scope="module")
def time_rnn():
    return course.load("06_time_rnn")


def _class_source(path: Path, name: str) -> str:
    source = path.read_text(encoding="utf-8")
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name == name)
    return ast.get_source_segment(source, node)


def _solution_lines(path: Path, name: str) -> list[str]:
    """The stripped lines between ### BEGIN SOLUTION and ### END SOLUTION inside class `name`."""
    lines, inside = [], False
    for line in _class_source(path, name).splitlines():
        if "### BEGIN SOLUTION" in line:
            inside = True
        elif "### END SOLUTION" in line:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


# Runs in the worker, inside TimeRNN.forward after its first RNN step: reads what
# a hostile submission could read (every object gc knows, what they refer to,
# every frame of every thread, every module, linecache, marshal of every code
# object reachable, inspect.getsource of anything that looks like RNN, the stub
# class's namespace and its functions' closures) and keeps it as text and bytes.
SCAN = r'''

def _scan(deep=True):
    import gc, inspect, linecache, marshal, sys, types
    texts, blobs, codes = [], [], {}

    def code(c):
        if id(c) in codes:
            return
        codes[id(c)] = c
        if deep:
            try:
                blobs.append(marshal.dumps(c))
            except Exception:
                pass
        blobs.append(c.co_code)
        texts.extend((c.co_filename, c.co_name, c.co_qualname))
        texts.extend(c.co_names + c.co_varnames + c.co_freevars + c.co_cellvars)
        for k in c.co_consts:
            add(k)

    def add(o):
        if isinstance(o, str):
            texts.append(o)
        elif isinstance(o, (bytes, bytearray)):
            blobs.append(bytes(o))
        elif isinstance(o, types.CodeType):
            code(o)
        elif isinstance(o, (types.FunctionType, types.MethodType)):
            code(o.__code__ if isinstance(o, types.FunctionType) else o.__func__.__code__)

    def source(o):
        try:
            texts.append(inspect.getsource(o))
        except Exception:
            pass

    objects = gc.get_objects()
    for o in objects:
        add(o)
        for r in gc.get_referents(o):
            add(r)
        if isinstance(o, types.FunctionType):
            for cell in o.__closure__ or ():
                try:
                    add(cell.cell_contents)
                except ValueError:
                    pass
        if isinstance(o, (type, types.FunctionType)) and ("RNN" in getattr(o, "__qualname__", "")
                                                         or getattr(o, "__name__", "") in ("forward", "backward")):
            source(o)
    frames = 0
    for frame in list(sys._current_frames().values()) + [sys._getframe()]:
        while frame is not None:
            frames += 1
            code(frame.f_code)
            for name, value in list(frame.f_locals.items()):
                texts.append(name)
                add(value)
                for r in gc.get_referents(value):
                    add(r)
            frame = frame.f_back
    for name, module in list(sys.modules.items()):
        texts.append(name)
        for value in list(vars(module).values()):
            add(value)
        if deep and not name.startswith(("numpy", "_")):
            source(module)
    for filename, entry in list(linecache.cache.items()):
        texts.append(filename)
        if len(entry) > 2 and isinstance(entry[2], list):
            texts.extend(entry[2])
    stub = RNN
    texts.append(repr(vars(stub)))
    source(stub)
    for value in vars(stub).values():
        add(value)
        source(value)
        for cell in getattr(value, "__closure__", None) or ():
            add(cell.cell_contents)
            texts.append(repr(cell.cell_contents))
    return texts, blobs, len(codes), len(objects), frames


SCANNED = None


def _scan_once():
    global SCANNED
    if SCANNED is None:
        import zlib
        texts, blobs, codes, objects, frames = _scan()
        text = "\n".join(texts).encode("utf-8", "surrogatepass")
        SCANNED = (np.frombuffer(zlib.compress(text, 1), dtype=np.uint8),
                   np.frombuffer(zlib.compress(b"\0".join(blobs), 1), dtype=np.uint8), codes, objects, frames)
'''


def _scanning_source(rnn_from: Path) -> str:
    """The 06 solution, its RNN taken from `rnn_from`, TimeRNN.forward scanning after its first step."""
    solution = ROOT / "solutions" / "06_time_rnn" / "layers.py"
    source = solution.read_text(encoding="utf-8")
    source = source.replace(_class_source(solution, "RNN"), _class_source(rnn_from, "RNN"))
    step = "            self.h = layer.forward(xs[:, t, :], self.h)\n"
    assert step in source
    source = source.replace(step, step + "            _scan_once()\n")
    source = "\n".join(line for line in source.splitlines() if "SOLUTION" not in line) + "\n"
    return source + SCAN


def _scan(load_student, source: str, references) -> tuple[str, bytes, tuple]:
    student = load_student(source, SCAN_LIMITS, references=references)
    rng = np.random.default_rng(0)
    D, H = 3, 4
    layer = student.TimeRNN(rng.standard_normal((D, H)), rng.standard_normal((H, H)), rng.standard_normal(H))
    hs = layer.forward(rng.standard_normal((2, 3, D)))
    assert np.asarray(hs).shape == (2, 3, H)
    text, blobs, *counts = student.SCANNED
    return (zlib.decompress(text.tobytes()).decode("utf-8", "surrogatepass"),
            zlib.decompress(blobs.tobytes()), tuple(counts))


def _reference_bytecode(assignment) -> list[bytes]:
    rnn = reference.module(assignment).RNN
    return [rnn.forward.__code__.co_code, rnn.backward.__code__.co_code]


def test_the_scan_finds_the_rnn_when_its_code_is_in_the_worker(time_rnn, load_student):
    """The control: with the solution's own RNN in the student's file, the scan reads its lines and bytecode."""
    solution = ROOT / "solutions" / "06_time_rnn" / "layers.py"
    text, blobs, _ = _scan(load_student, _scanning_source(solution), None)
    lines = _solution_lines(solution, "RNN")
    assert sum(line in text for line in lines) >= len(lines) - 1
    assert all(code in blobs for code in _reference_bytecode(time_rnn))


def test_a_scan_from_inside_the_worker_finds_no_reference_code(time_rnn, load_student):
    stub_file = ROOT / "assignments" / "06_time_rnn" / "layers.py"
    source = _scanning_source(stub_file)
    references = reference.calls(time_rnn, ("RNN",))
    text, blobs, (codes, objects, frames) = _scan(load_student, source, references)
    assert references.objects, "TimeRNN did not go through the reference RNN"
    assert codes > 1000 and objects > 10_000 and frames > 3 and len(text) > 1_000_000  # the scan did read
    tokens = [line for line in _solution_lines(ROOT / "solutions" / "06_time_rnn" / "layers.py", "RNN")
              if line not in source]
    assert len(tokens) >= 8
    found = [token for token in tokens if token in text]
    assert not found, f"reference lines readable in the worker: {found}"
    assert not [code for code in _reference_bytecode(time_rnn) if code in blobs]
    assert "_reference_06" not in text and "<reference " not in text and "### BEGIN SOLUTION" not in text
    assert "06_time_rnn/layers.py" not in text.replace("assignments/06_time_rnn/layers.py", "")


def test_the_scanning_submission_scores_what_its_own_code_earns(time_rnn, fork_server):
    """Graded, the scan runs in TimeRNN's tests and raises if it meets anything of a reference: full marks."""
    check = '''

def _scan_once():
    import sys
    if getattr(sys, "scanned", False):  # once per worker: a scan takes a second or two
        return
    sys.scanned = True
    texts, blobs, codes, objects, frames = _scan(deep=False)
    marks = ("<refe" + "rence ", "_refe" + "rence_06", "solu" + "tions/06", "### BEGIN " + "SOLUTION")
    for text in texts:
        if any(mark in text for mark in marks):
            raise AssertionError("reference code in the worker")
'''
    solution = ROOT / "solutions" / "06_time_rnn" / "layers.py"
    source = _scanning_source(solution).replace("\nSCANNED = None\n", "\nSCANNED = None\n" + check, 1)
    source = source.split("\n\ndef _scan_once():\n    global SCANNED")[0] + "\n"
    compile(source, "layers.py", "exec")
    # The scan takes a second or two inside one call (more on a busy machine): far more than 300 times the
    # reference's time, so this submission's calls get a fixed 30 s.
    limits = dataclasses.replace(time_rnn.limits, call_seconds=30.0, call_seconds_floor=30.0)
    slow = dataclasses.replace(time_rnn, limits=limits)
    result = grade(slow, Submission("scanner", {"layers.py": source.encode()}), fork_server)
    assert result.score == time_rnn.max_score, [t.output for t in result.tests if not t.passed]


# -- the textbook's code, through the stubs ---------------------------------------------

@pytest.mark.parametrize("aid", ["01_computational_graph", "04_softmax_loss", "06_time_rnn", "07_many_to_one",
                                 "08_rnnlm"])
def test_solutions_score_full_with_their_earlier_units_as_reference_calls(aid, fork_server, monkeypatch):
    assignment = course.load(aid)
    assert any(unit.uses_reference for unit in assignment.units)
    answered = []
    answer = ReferenceCalls.answer
    monkeypatch.setattr(ReferenceCalls, "answer", lambda self, body: answered.append(1) or answer(self, body))
    result = grade(assignment, load(assignment.solution_folder, assignment.student_files), fork_server)
    assert result.score == assignment.max_score, [t.output for t in result.tests if not t.passed]
    assert answered, "no test called a reference unit"


def test_grading_without_a_process_boundary_answers_reference_calls_too(time_rnn):
    result = grade(time_rnn, load(time_rnn.solution_folder, time_rnn.student_files), InProcess())
    assert result.score == time_rnn.max_score


IDENTITIES = '''
import numpy as np


class RNN:
    pass


def probe(Wx, Wh, b, x, h, dh):
    layer = RNN(Wx, Wh, b)
    params_are_the_arguments = all(p is q for p, q in zip(layer.params, (Wx, Wh, b)))
    grads, first = layer.grads, layer.grads[0]
    h_next = layer.forward(x, h)
    cache_holds_the_arguments = layer.cache[0] is x and layer.cache[1] is h
    dx, dh_prev = layer.backward(dh)
    grads_kept = grads is layer.grads and first is layer.grads[0]
    written = [g.copy() for g in grads]
    layer.params[1][...] *= 2           # in place, as an optimizer would
    h_doubled = layer.forward(x, h)
    layer.h = "the student's own attribute"
    layer.forward(x, h)
    return (params_are_the_arguments, cache_holds_the_arguments, grads_kept, h_next, dx, dh_prev,
            written, h_doubled, layer.h)


def backward_without_forward(Wx, Wh, b, dh):
    return RNN(Wx, Wh, b).backward(dh)


def copied(Wx, Wh, b, x, h):
    import copy
    return copy.copy(RNN(Wx, Wh, b)).forward(x, h)


class Thing:
    pass


def not_plain(Wx, Wh, b, x, h):
    return RNN(Wx, Wh, Thing()).forward(x, h)  # the object is built with its first call
'''


@pytest.fixture
def rnn_module(time_rnn, load_student):
    references = reference.calls(time_rnn, ("RNN",))
    return load_student(IDENTITIES, references=references), reference.module(time_rnn)


def _rnn_inputs():
    rng = np.random.default_rng(1)
    return (rng.standard_normal((3, 4)), rng.standard_normal((4, 4)), rng.standard_normal(4),
            rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4)))


def test_a_stub_keeps_the_identities_textbook_code_relies_on(rnn_module):
    student, ref = rnn_module
    Wx, Wh, b, x, h, dh = _rnn_inputs()
    (params, cache, grads, h_next, dx, dh_prev, written, h_doubled, own) = student.probe(Wx, Wh, b, x, h, dh)
    assert params and cache and grads
    expected = ref.RNN(Wx.copy(), Wh.copy(), b.copy())
    np.testing.assert_allclose(h_next, expected.forward(x, h))
    for got, want in zip((dx, dh_prev), expected.backward(dh)):
        np.testing.assert_allclose(got, want)
    for got, want in zip(written, expected.grads):
        np.testing.assert_allclose(got, want)
    np.testing.assert_allclose(h_doubled, ref.RNN(Wx, 2 * Wh, b).forward(x, h))  # the change reached the grader
    assert own == "the student's own attribute"


def test_an_error_in_the_reference_fails_the_students_call_with_the_reason(rnn_module):
    student, _ = rnn_module
    Wx, Wh, b, x, h, dh = _rnn_inputs()
    with pytest.raises(StudentError, match=r"TypeError.*reference RNN\.backward"):
        student.backward_without_forward(Wx, Wh, b, dh)
    assert student.probe(Wx, Wh, b, x, h, dh)[0]  # the same worker goes on


def test_a_copied_stub_or_an_object_argument_is_a_clear_type_error(rnn_module):
    student, _ = rnn_module
    Wx, Wh, b, x, h, _ = _rnn_inputs()
    with pytest.raises(StudentError, match="copy"):
        student.copied(Wx, Wh, b, x, h)
    with pytest.raises(StudentError, match="plain data"):
        student.not_plain(Wx, Wh, b, x, h)


def test_the_load_request_carries_names_not_code(time_rnn):
    stubs = reference.calls(time_rnn, ("RNN", "Embedding")).stubs()
    assert stubs == {"RNN": {"kind": "class", "methods": ["backward", "forward"]},
                     "Embedding": {"kind": "class", "methods": ["backward", "forward"]}}
    assert not hasattr(reference, "unit_sources")


# -- forged calls -----------------------------------------------------------------------

FORGER = '''
import gc
import numpy as np
from autograder.sandbox.protocol import pack


class RNN:
    pass


def transport():
    return next(o for o in gc.get_objects() if type(o).__name__ == "Transport" and hasattr(o, "handles"))


def forge(header):
    """Send a reference call of our own making; return what the grader answers."""
    RNN(np.zeros((1, 1)), np.zeros((1, 1)), np.zeros(1)).params  # built (read): handle 1 exists
    if header.get("args") == "nested":
        node = []
        for _ in range(100):
            node = [node]
        header["args"] = [node]
    return transport().send(pack(header, []))


def forge_raw(depth):
    """A header nested deeper than any JSON reader goes."""
    import struct
    RNN(np.zeros((1, 1)), np.zeros((1, 1)), np.zeros(1)).params
    head = ('{"refcall": "new", "unit": "RNN", "args": ' + "[" * depth + "]" * depth + "}").encode()
    body = struct.pack(">I", len(head)) + head
    return transport().send(struct.pack(">Q", len(body)) + body)
'''

FORGED = {
    "unknown handle": {"refcall": "method", "handle": 999, "name": "forward", "args": [], "kwargs": {}},
    "handle of the wrong type": {"refcall": "method", "handle": "1", "name": "forward", "args": [], "kwargs": {}},
    "dunder method": {"refcall": "method", "handle": 1, "name": "__class__", "args": [], "kwargs": {}},
    "private method": {"refcall": "method", "handle": 1, "name": "_x", "args": [], "kwargs": {}},
    "constructor as a method": {"refcall": "method", "handle": 1, "name": "__init__", "args": [], "kwargs": {}},
    "attribute over a method": {"refcall": "method", "handle": 1, "name": "forward", "args": [], "kwargs": {},
                                "state": {"forward": 1}},
    "private attribute": {"refcall": "method", "handle": 1, "name": "forward", "args": [], "kwargs": {},
                          "state": {"__class__": 1}},
    "unknown unit": {"refcall": "new", "unit": "TimeRNN", "args": [], "kwargs": {}},
    "class called as a function": {"refcall": "function", "unit": "RNN", "args": [], "kwargs": {}},
    "unknown kind": {"refcall": "exec", "unit": "RNN"},
    "extra field": {"refcall": "new", "unit": "RNN", "args": [], "kwargs": {}, "code": "print(1)"},
    "private keyword": {"refcall": "new", "unit": "RNN", "args": [], "kwargs": {"__class__": 1}},
    "a handle in the arguments": {"refcall": "new", "unit": "RNN", "args": [{"$ref": 1}], "kwargs": {}},
    "an object dtype": {"refcall": "new", "unit": "RNN", "args": [{"$nd": 0, "dtype": "|O", "shape": [1]}],
                        "kwargs": {}},
    "nested garbage": {"refcall": "function", "unit": "RNN", "args": "nested", "kwargs": {}},
    "a link to nowhere": {"refcall": "new", "unit": "RNN", "args": [1], "kwargs": {}, "links": [[["p", 0], ["p", 5]]]},
    "a malformed link": {"refcall": "new", "unit": "RNN", "args": [1], "kwargs": {}, "links": [["p"]]},
    "a malformed release": {"refcall": "new", "unit": "RNN", "args": [], "kwargs": {}, "release": "all"},
}


@pytest.mark.parametrize("forgery", list(FORGED))
def test_a_forged_reference_call_is_a_bad_answer(forgery, time_rnn, load_student):
    references = reference.calls(time_rnn, ("RNN",))
    student = load_student(FORGER, references=references)
    with pytest.raises(WorkerLost, match="invalid answer"):
        student.forge(FORGED[forgery])
    assert list(references.objects) == [1]  # nothing built, nothing called


def test_a_reference_call_nested_beyond_json_is_a_bad_answer(time_rnn, load_student):
    references = reference.calls(time_rnn, ("RNN",))
    student = load_student(FORGER, references=references)
    with pytest.raises(WorkerLost, match="invalid answer"):
        student.forge_raw(200_000)


def test_a_forged_reference_call_costs_only_the_tests_that_make_it(time_rnn, fork_server):
    solution = (ROOT / "solutions" / "06_time_rnn" / "layers.py").read_text(encoding="utf-8")
    step = "            self.h = layer.forward(xs[:, t, :], self.h)\n"
    forging = ("            import gc\n            from autograder.sandbox.protocol import pack\n"
               "            transport = next(o for o in gc.get_objects() if type(o).__name__ == 'Transport')\n"
               "            transport.send(pack({'refcall': 'method', 'handle': 1, 'name': '__class__'}, []))\n")
    source = solution.replace(step, step + forging)
    result = grade(time_rnn, Submission("forger", {"layers.py": source.encode()}), fork_server)
    for test in result.tests:
        assert test.passed == (test.unit != "TimeRNN"), (test.name, test.output)
        if test.unit == "TimeRNN":
            assert "invalid answer" in test.output


# -- the trusted side alone: any bytes are an answer or a ProtocolError -----------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 1 << 40) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)
headers = st.fixed_dictionaries(
    {"refcall": st.sampled_from(["new", "method", "function", "complain", "other"])},
    optional={"unit": st.sampled_from(["RNN", "Embedding", "forward", "softmax"]) | json_values,
              "handle": st.integers(-1, 3) | json_values,
              "name": st.sampled_from(["forward", "backward", "__init__", "_x", "params"]) | json_values,
              "args": st.lists(json_values, max_size=3) | json_values,
              "kwargs": st.dictionaries(st.text(max_size=6), json_values, max_size=3) | json_values,
              "state": st.dictionaries(st.sampled_from(["params", "grads", "cache", "forward", "_x"]),
                                       json_values, max_size=3) | json_values,
              "links": json_values, "release": st.lists(st.integers(-2, 3), max_size=3) | json_values,
              "about": st.sampled_from(["not_plain", "copied"]) | json_values, "kind": json_values})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=headers, blobs=st.lists(st.binary(max_size=64), max_size=3))
def test_any_reference_call_gets_an_answer_or_a_protocol_error(time_rnn, header, blobs):
    references = reference.calls(time_rnn, ("RNN",))
    built = references.answer(pack({"refcall": "new", "unit": "RNN", "args": [], "kwargs": {}}, [])[8:])
    assert "error" in unpack(built[8:])[0]  # RNN() without arguments: the reference's TypeError, answered
    references.answer(_new_rnn())
    try:
        message = references.answer(pack(header, blobs)[8:])
    except ProtocolError:
        return
    answer, _ = unpack(message[8:])
    assert set(answer) <= {"value", "state", "links", "handle", "error"}


def _new_rnn() -> bytes:
    from autograder.sandbox.protocol import Encoder

    encoder = Encoder()
    args = [encoder.encode(np.ones((2, 2))), encoder.encode(np.ones((2, 2))), encoder.encode(np.ones(2))]
    return pack({"refcall": "new", "unit": "RNN", "args": args, "kwargs": {}}, encoder.blobs)[8:]


# -- limits and time -----------------------------------------------------------------------

LOOPS = '''
import numpy as np


class RNN:
    pass


def built():
    layer = RNN(np.zeros((1, 1)), np.zeros((1, 1)), np.zeros(1))
    layer.params  # built with its first use
    return layer


def keep(n):
    kept = [built() for _ in range(n)]
    return len(kept)


def drop(n):
    for _ in range(n):
        built()
    return n


def insist(n):
    for _ in range(n):
        try:
            built()
        except RuntimeError:
            pass
    return n
'''


def test_live_reference_objects_are_capped_and_released(time_rnn, load_student, monkeypatch):
    monkeypatch.setattr(reference_calls, "MAX_OBJECTS", 10)
    references = reference.calls(time_rnn, ("RNN",))
    student = load_student(LOOPS, references=references)
    assert student.drop(50) == 50  # each stub gone before the next is made: its object is released
    assert len(references.objects) <= 2
    with pytest.raises(StudentError, match="objects alive at once"):
        student.keep(20)
    assert student.drop(5) == 5  # a refusal costs that call only


def test_the_data_live_reference_objects_hold_is_capped(time_rnn, load_student, monkeypatch):
    monkeypatch.setattr(reference_calls, "MAX_HELD_BYTES", 1000)  # about twenty 1x1 RNNs
    references = reference.calls(time_rnn, ("RNN",))
    student = load_student(LOOPS, references=references)
    assert student.drop(50) == 50
    with pytest.raises(StudentError, match="MiB of data held at once"):
        student.keep(50)
    assert references.held <= 1000 + 100


def test_reference_calls_per_request_are_capped_and_a_call_after_a_refusal_is_a_bad_answer(
        time_rnn, load_student, monkeypatch):
    monkeypatch.setattr(reference_calls, "MAX_CALLS", 5)
    references = reference.calls(time_rnn, ("RNN",))
    student = load_student(LOOPS, references=references)
    assert student.drop(5) == 5
    with pytest.raises(StudentError, match="calls in one request"):
        student.drop(6)
    with pytest.raises(WorkerLost, match="invalid answer"):
        student.insist(7)


SLOW = '''
import time


def slow():
    pass


def work(own_seconds, calls):
    """`calls` calls of the grader's slow(), then `own_seconds` of the worker's own CPU time."""
    for _ in range(calls):
        slow()
    end = time.process_time() + own_seconds
    while time.process_time() < end:
        pass
    return calls
'''


@pytest.fixture
def slow_reference(load_student):
    """A module whose `slow` the grader answers, taking 0.5 s per call; each call of the student's may take 2 s."""
    module = types.ModuleType("slow_reference")

    def slow():
        import time
        time.sleep(0.5)

    module.slow = slow
    references = ReferenceCalls(module, ("slow",))
    limits = Limits(call_seconds=2.0, submission_seconds=60.0, cpu_seconds=10.0, memory_mb=256)
    return load_student(SLOW, limits, references=references)


def test_the_graders_time_on_reference_calls_is_not_the_students_call_time(slow_reference):
    # 1.5 s of the grader's time, then 1 s of the student's own: 2.5 s of wall clock, within a 2 s call
    assert slow_reference.work(1.0, 3) == 3


def test_a_call_that_runs_out_of_its_own_time_after_reference_calls_names_the_calls_limit(slow_reference):
    with pytest.raises(WorkerLost, match=r"within 2 s"):
        slow_reference.work(2.5, 1)


def test_the_graders_time_on_one_calls_reference_calls_has_a_budget(slow_reference):
    with pytest.raises(StudentError, match=re.escape("s of the grader's time in one call")):
        slow_reference.work(0.0, 8)


# -- links: identities survive the round trip, whatever the structure ---------------------------

def _trees(leaves):
    return st.recursive(leaves, lambda children: st.lists(children, max_size=3)
                        | st.lists(children, max_size=3).map(tuple)
                        | st.dictionaries(st.sampled_from("abc"), children, max_size=3), max_leaves=8)


def _build(tree, leaf):
    if type(tree) is list:
        return [_build(t, leaf) for t in tree]
    if type(tree) is tuple:
        return tuple(_build(t, leaf) for t in tree)
    if type(tree) is dict:
        return {k: _build(t, leaf) for k, t in tree.items()}
    return leaf(tree)


def _arrays_with_paths(value, path=()):
    if isinstance(value, np.ndarray):
        yield path, value
    elif type(value) in (list, tuple):
        for i, v in enumerate(value):
            yield from _arrays_with_paths(v, path + (i,))
    elif type(value) is dict:
        for k, v in value.items():
            yield from _arrays_with_paths(v, path + (k,))


def _through(encoder_value, path, rebuilder):
    """value encoded at `path`, packed, unpacked and rebuilt, as the other side would."""
    from autograder.sandbox.protocol import Decoder

    encoder, value = encoder_value
    node = encoder.encode(value, path)
    header, blobs = unpack(pack({"v": node, "links": encoder.links}, encoder.blobs)[8:])
    return header, Decoder(blobs, None).decode(header["v"])


@settings(max_examples=200, deadline=None)
@given(held=_trees(st.integers(0, 3)), answer=_trees(st.integers(0, 11)),
       changed=st.sets(st.integers(0, 5)))
def test_links_keep_every_array_the_stub_holds_the_same_object(held, answer, changed):
    from autograder.sandbox import sharing

    pool = [np.full(2, float(i)) for i in range(4)]  # one leaf index, one array: repeated leaves alias
    stub_held = _build(held, lambda i: pool[i])
    # the stub sends what it holds; the grader rebuilds it (aliasing kept: strict links)
    header, decoded = _through((sharing.SharedEncoder(), stub_held), ("s", "x"), None)
    theirs = sharing.Rebuilder(sharing.read_links(header["links"], same=False), None, strict=True)
    grader_held = theirs.value(decoded, ("s", "x"))
    known, keep, contents = {}, [], {}
    sharing.index(grader_held, ("s", "x"), known, keep, contents=contents)
    grader_arrays = [a for _, a in _arrays_with_paths(grader_held)]
    for i in changed:  # the reference changes some of them in place
        if i < len(grader_arrays):
            grader_arrays[i] += 1
    # the answer mixes what the grader held (leaves 0-5) with new arrays (leaves 6-11)
    fresh = {}
    answer_value = _build(answer, lambda leaf: grader_arrays[leaf % len(grader_arrays)]
                          if leaf < 6 and grader_arrays else fresh.setdefault(leaf, np.full(2, -1.0 - leaf)))
    header, decoded = _through((sharing.SharedEncoder(known, contents), answer_value), ("a", "x"), None)
    ours = sharing.Rebuilder(sharing.read_links(header["links"]),
                             lambda path: sharing.resolve({("s", "x"): stub_held}, path), strict=False)
    result = ours.value(decoded, ("a", "x"))
    by_id = {id(a): path for path, a in _arrays_with_paths(grader_held)}
    mine = dict(_arrays_with_paths(result))
    for path, array in _arrays_with_paths(answer_value):
        np.testing.assert_array_equal(mine[path], array)
        if id(array) in by_id:  # one the stub holds: the very same object, now with the new contents
            assert mine[path] is sharing.resolve({("s", "x"): stub_held}, ("s", "x") + by_id[id(array)])


class _SlowRoundTrips:
    """A channel whose worker makes `calls` reference calls, each leg taking `leg` seconds of wall clock."""

    call_seconds = 1.0

    def __init__(self, calls: int, leg: float):
        self.calls, self.leg, self.given, self.took = calls, leg, [], []

    def exchange(self, message: bytes, seconds: float | None = None) -> bytes:
        import time

        self.given.append(seconds)
        started = time.monotonic()
        time.sleep(self.leg)
        self.took.append(time.monotonic() - started)
        if len(self.given) <= self.calls:
            return pack({"refcall": "function", "unit": "f", "args": [], "kwargs": {}}, [])[8:]
        return pack({"value": len(self.given)}, [])[8:]


def _charged_legs(calls: int, leg: float, forgiven_most: float | None = None, monkeypatch=None):
    """A request of `calls` reference calls whose legs take `leg` s: the channel, after the request."""
    if forgiven_most is not None:
        monkeypatch.setattr(proxy, "FORGIVEN_SECONDS", forgiven_most)
    module = types.ModuleType("quick_reference")
    module.f = lambda: 0
    channel = _SlowRoundTrips(calls=calls, leg=leg)
    student = Student(channel, "layers.py", references=ReferenceCalls(module, ("f",)))
    assert student._request("getattr", "x", target=None, name="x") == calls + 1
    return channel


def test_a_busy_machines_round_trips_are_not_the_students_time():
    channel = _charged_legs(calls=40, leg=0.03)
    # 41 legs of 30 ms or more: the first is the student's, each later one less the 20 ms a reference call's
    # own cost in the worker may take; each later leg may run that much past what is left
    assert channel.given[0] == 1.0
    allowed = proxy.REFERENCE_LEG_SECONDS
    charged = channel.took[0] + sum(leg - allowed for leg in channel.took[1:-1])
    assert abs(channel.given[-1] - (1.0 - charged + allowed)) < 0.01
    assert channel.given[-1] > 1.0 - sum(channel.took[:-1]) + 0.3


def test_legs_within_a_reference_calls_own_cost_are_not_charged_at_all():
    channel = _charged_legs(calls=60, leg=0.015)  # 60 x 15 ms: 0.9 s of legs, none the student's
    assert abs(channel.given[-1] - (1.0 - channel.took[0] + proxy.REFERENCE_LEG_SECONDS)) < 0.01


def test_a_worker_calling_the_reference_without_end_gains_at_most_the_forgiven_seconds(monkeypatch):
    channel = _charged_legs(calls=30, leg=0.02, forgiven_most=0.1, monkeypatch=monkeypatch)
    # only the first 0.1 s of legs is forgiven; from there on every leg counts in full
    charged = sum(channel.took[:-1]) - 0.1
    assert abs(channel.given[-1] - (1.0 - charged)) < 0.01
