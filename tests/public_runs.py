"""Run the public tests of a submission the way `check` does, and read what it printed.

    public_run(aid, entry, place, lang) -> PublicRun

`entry` is a [[mutant]] of tests/mutants/<aid>.toml (its edits applied to the
solution), or None for the stub of the release. The run goes through
autograder.check.check() itself (target, runner, explainer, show); the
runner's rows are kept on the side for the hint keys that fired. The files are
the project's own solutions and mutants, so they run in this process, as every
check of tests/test_check.py does.

korean_problems(text, allowed) lists what a Korean reader would stumble on in
`text`: fill-in particles such as 을(를), and English words that are not code.
"""

from __future__ import annotations

import builtins
import io
import keyword
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

from autograder import course, messages
from autograder.assign.mutants import edited

ROOT = course.find_root()

# English a Korean sentence may hold as it is: the words of numpy and of these assignments
# that Korean programmers write in Latin letters too.
TERMS = {
    "numpy", "np", "shape", "dtype", "float32", "float64", "int", "bool", "nan", "inf", "none", "true", "false",
    "import", "return", "readme", "bptt", "rnn", "relu", "sigmoid", "tanh", "softmax", "affine", "epoch",
    "stateful", "bias", "mask", "id", "ids", "batch", "check", "pytest", "python", "ctrl", "assert",
    "forward", "backward", "ok", "zip", "toml", "valueerror", "typeerror", "indexerror", "attributeerror",
    "notimplementederror", "keyerror", "zerodivisionerror", "assertionerror", "nonetype", "systemexit",
    "rtol", "atol", "dx", "dy", "dw", "db", "dh", "dt", "dout", "as", "soon", "lr", "grads", "params",
    "pythonhashseed", "bce", "ndarray", "generic", "object", "t", "n", "c", "d", "h", "m", "o", "v", "w", "x", "y", "b", "l", "i", "s",
}
FILL_IN = re.compile(r"\((?:을|를|이|가|와|과|은|는|으|으로|로|이라는|라는|이나|나)\)")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
NUMBER = re.compile(r"(?<![A-Za-z_])[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")
# Where a sentence quotes something that is not ours: an exception's own message, a line of code.
QUOTES = ("발생했습니다: ", "멈췄습니다: ", "번째 줄: ", "실행하지 못했습니다: ", "불러올 수 없습니다: ")


@dataclass
class PublicRun:
    code: int            # check's exit status: 0 when every public test passed
    text: str            # everything check printed (plain text)
    hints: set[str]      # the "hint." keys that fired in the failures


def source_files(aid: str, entry: dict | None, place: Path) -> Path:
    """`place` holding the student files: the solution with `entry`'s edits, or the release's stubs."""
    a = course.load(aid)
    place.mkdir(parents=True)
    filename = (entry or {}).get("file", a.student_files[0])
    for name in a.student_files:
        if entry is None:
            source = (a.folder / name).read_text(encoding="utf-8")
        else:
            source = (a.solution_folder / name).read_text(encoding="utf-8")
            source = edited(source, entry) if name == filename else source
        (place / name).write_text(source, encoding="utf-8")
    return place


def public_run(aid: str, entry: dict | None, place: Path, lang: str, monkeypatch) -> PublicRun:
    """check(place) in `lang`, as a student runs it; with the hint keys of its failures."""
    from autograder.check import check, runner

    kept = []
    real = runner.run

    def recording(target, explainer):
        checked = real(target, explainer)
        kept.append(checked)
        return checked

    with monkeypatch.context() as patch:
        patch.setattr(runner, "run", recording)
        out = io.StringIO()
        code = check(source_files(aid, entry, place), aid, lang, plain=True, out=out)
    hints = {key for row in kept[0].rows for _, why in row.failures for key in why.hints}
    return PublicRun(code, out.getvalue(), hints)


def mutants(aid: str) -> list[dict]:
    from autograder.assign.mutants import entries

    return entries(aid).get("mutant", [])


def code_words(aid: str) -> set[str]:
    """Every name in the solution's and the public tests' code (not their strings or comments)."""
    a = course.load(aid)
    words = set(dir(builtins)) | set(keyword.kwlist)
    for path in [a.solution_folder / f for f in a.student_files] + sorted(a.folder.glob("test_*.py")):
        with open(path, "rb") as handle:
            words |= {t.string for t in tokenize.tokenize(handle.readline) if t.type == tokenize.NAME}
    return words


def korean_problems(text: str, allowed: set[str]) -> list[str]:
    """Fill-in particles, and English words outside code, quotes, `allowed` names and TERMS, line by line."""
    problems = []
    lowered = {w.lower() for w in allowed} | TERMS
    for line in text.splitlines():
        if FILL_IN.search(line):
            problems.append(f"fill-in particle: {line.strip()}")
        for quote in QUOTES:
            if quote in line:
                line = line.split(quote, 1)[0]
        line = re.sub(r"`[^`]*`", "", line)
        line = NUMBER.sub(" ", line)  # 2.5e+04, 1e-06: numbers, not words
        for match in WORD.finditer(line):
            word, before, after = match.group(), line[match.start() - 1:match.start()], line[match.end():match.end() + 1]
            if before in "._[(=*/+-'\"" and before or after in ".([=_'\"" and after:
                continue  # a piece of code: Affine.backward, grads[0], np.sum(...)
            if any(c.isdigit() or c == "_" for c in word) or word.lower() in lowered or word.endswith("Error"):
                continue
            problems.append(f"English word {word!r}: {line.strip()}")
    return problems


def all_passed_sentences() -> set[str]:
    """The first words of check's "All public tests pass" sentence in every language."""
    return {messages.text("check.all_passed", lang, files="").split(".")[0] for lang in messages.LANGS}
