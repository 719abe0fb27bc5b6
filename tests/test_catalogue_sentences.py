"""Every sentence a student reads comes from the catalogue (autograder/catalogue/{en,ko}/*.toml).

The scan: in the modules whose text reaches a student (the hidden tests, the assertions and
hints, the proxy and the worker, the notebook cell, the student's checker), a string literal
of three words or more inside a `raise` or passed to fail()/print()/write() is a sentence
built in code, in English only. Each one left is listed below with the reason it may stay.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from autograder import messages

PACKAGE = Path(messages.__file__).parent
STUDENT_FACING = sorted({*PACKAGE.glob("hidden/*.py"), *PACKAGE.glob("bugs/*.py"), *PACKAGE.glob("check/*.py"),
                         *(PACKAGE / name for name in ("assertions.py", "hints.py", "grade.py", "proxy.py",
                                                       "round_trips.py", "cell.py", "submission.py",
                                                       "sandbox/worker.py", "sandbox/reference_stubs.py"))})
SAYING = {"fail", "print", "write", "CheckFailed", "StudentError", "MissingName", "AssertionError"}
# Exceptions whose text only the instructor reads: a grader error's detail, a manifest's mistake,
# a malformed message between the grader and the worker (a forged answer's), a missing catalogue key.
INSTRUCTORS = {"EngineError", "ProtocolError", "CourseError", "KeyError", "LookupError", "ValueError"}
WORD = re.compile(r"^[A-Za-z][a-z']*[,.;:!?)]*$")

ALLOWED = {
    # Python's own wording for a missing attribute, kept so that the student's checker (check/explain.py)
    # and the student read it as Python's: the reference stub's object lacks what the student asked for.
    ("sandbox/reference_stubs.py", "' {} ' object has no attribute ' {} '"),
    # A stub called outside a test (a thread, atexit): not reachable while a test runs.
    ("sandbox/reference_stubs.py", "reference units can only be called while the grader runs a test"),
    # Python's own wording for a module's missing attribute: what hasattr() and `import from` expect.
    ("check/in_notebook.py", "module  {}  has no attribute  {} "),
}


def _text(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else " {} " for v in node.values)
    return None


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def sentences_built_in_code(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each literal of 3+ words said to someone: raised, or passed to a SAYING call."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    said: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc
            if isinstance(exc, ast.Call) and _name(exc) in INSTRUCTORS:
                continue
            said.append(exc)
        elif isinstance(node, ast.Call) and _name(node) in SAYING:
            said.extend([*node.args, *(k.value for k in node.keywords)])
    found = {}
    for root in said:
        parts = {id(v) for j in ast.walk(root) if isinstance(j, ast.JoinedStr) for v in j.values}
        for node in ast.walk(root):
            text = None if id(node) in parts else _text(node)
            if text and sum(bool(WORD.match(word)) for word in text.split()) >= 3:
                found[id(node)] = (node.lineno, text)  # a raised call is found twice: once here
    return sorted(found.values())


@pytest.mark.parametrize("path", STUDENT_FACING, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_student_facing_sentence_is_built_in_code(path):
    relative = str(path.relative_to(PACKAGE))
    left = [f"{relative}:{line}: {text!r}" for line, text in sentences_built_in_code(path)
            if (relative, text) not in ALLOWED]
    assert not left, "move these sentences to autograder/catalogue/{en,ko}/ and say them with messages.text:\n" + \
        "\n".join(left)


def test_the_scan_finds_a_sentence_raised_in_english(tmp_path):
    """The control: an f-string raised at the student, and one passed to fail(), are both found."""
    planted = tmp_path / "planted.py"
    planted.write_text('def f(x):\n    raise AssertionError(f"your forward returned {x} instead of an array")\n'
                       'def g():\n    fail("the values are wrong here")\n'
                       'def h():\n    raise ValueError("said to the instructor alone, in a grader error")\n')
    assert [line for line, _ in sentences_built_in_code(planted)] == [2, 4]


def test_the_allow_list_names_only_sentences_still_there():
    present = {(str(p.relative_to(PACKAGE)), text) for p in STUDENT_FACING for _, text in sentences_built_in_code(p)}
    assert ALLOWED <= present


@pytest.mark.parametrize("lang", messages.LANGS)
def test_a_notebook_cell_speaks_the_students_language(lang, monkeypatch):
    from autograder import cell

    monkeypatch.setenv("AUTOGRADER_LANG", lang)
    said = cell._say("cell.not_saved", name="layers.py")
    assert said == messages.text("cell.not_saved", lang, name="layers.py") and "layers.py" in said


@pytest.mark.parametrize("lang", messages.LANGS)
def test_a_submission_calling_sys_exit_is_told_so_in_its_language(lang, fork_server, tmp_path):
    from autograder import course, grade as grading
    from autograder.submission import load

    assignment = course.load("03_affine")
    path = tmp_path / "layers.py"
    path.write_text("import sys\n\nclass Affine:\n    def __init__(self, W, b):\n        sys.exit(3)\n")
    result = grading.grade(assignment, load(path, assignment.student_files), fork_server, lang=lang)
    said = messages.text("worker.sys_exit", lang, code="").split("(")[0]
    assert all(said in t.output for t in result.tests) and not any(t.grader_error for t in result.tests)
