"""Hostile and broken submissions, graded for real (docs/security.md has the table).

Each case is a submission built from the 03_affine solution (or its stub) plus
an attack. It must gain no points over its honest part, end with a result,
and keep to the time limits.
"""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from autograder import course
from autograder.course import Limits
from autograder.grade import grade
from autograder.submission import Submission, load

AID = "03_affine"
LIMITS = Limits(call_seconds=1.0, submission_seconds=8.0, cpu_seconds=4.0, memory_mb=512)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def assignment():
    return dataclasses.replace(course.load(AID), limits=LIMITS)


def solution() -> str:
    return (ROOT / "solutions" / AID / "layers.py").read_text()


def stub() -> str:
    return (ROOT / "assignments" / AID / "layers.py").read_text()


def wrong_backward() -> str:
    """The solution with dx computed without the transpose: loses the dx tests only."""
    source = solution()
    assert source.count("self.W.T") == 1, "the 03 solution must compute dx with self.W.T once"
    return source.replace("self.W.T", "self.W.T * 1.5")


def score(assignment, source: str, fork_server) -> float:
    return grade(assignment, Submission("hostile", {"layers.py": source.encode()}), fork_server).score


CHEATS = {
    "np.allclose always true": "np.allclose = lambda *a, **k: True\n",
    "np.testing.assert_allclose is a no-op": "np.testing.assert_allclose = lambda *a, **k: None\n",
    "np.array_equal always true": "np.array_equal = lambda *a, **k: True\n",
    "builtins patched": "import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True\n",
    "numpy ufuncs patched": "np.abs = lambda x: x * 0\nnp.isfinite = lambda x: True\n",
    "frame inspection": ("import sys\n_f = sys._getframe(0)\nwhile _f.f_back: _f = _f.f_back\n"
                         "EXPECTED = dict(_f.f_globals)\n"),
    "gc scan for reference arrays": "import gc\nARRAYS = [o for o in gc.get_objects() if type(o).__name__ == 'ndarray']\n",
    "fake results file": ("import os, json\nfor p in ('results.json', '/autograder/results/results.json'):\n"
                          "    try:\n        open(p, 'w').write(json.dumps({'score': 100}))\n"
                          "    except OSError:\n        pass\n"),
}


@pytest.mark.parametrize("cheat", list(CHEATS))
def test_tampering_never_pays(cheat, assignment, fork_server):
    honest = score(assignment, wrong_backward(), fork_server)
    assert honest < assignment.max_score
    assert score(assignment, wrong_backward() + "\n" + CHEATS[cheat], fork_server) <= honest


LIARS = {
    "ndarray subclass equal to everything": (
        "class Liar(np.ndarray):\n    def __eq__(self, o): return np.ones(np.shape(o), bool)\n"
        "    __ne__ = lambda self, o: np.zeros(np.shape(o), bool)\n"
        "def _lie(self, *a): return np.zeros((1,)).view(Liar)\n"),
    "object with fake equality and __array__": (
        "class Liar:\n    def __eq__(self, o): return True\n    def __array__(self, *a, **k): return np.zeros(1)\n"
        "def _lie(self, *a): return Liar()\n"),
    "float subclass equal to everything": (
        "class Liar(float):\n    def __eq__(self, o): return True\n"
        "def _lie(self, *a): return Liar(0.0)\n"),
    "nan everywhere": "def _lie(self, *a): return np.full((2, 2), np.nan)\n",
    "strings instead of numbers": "def _lie(self, *a): return np.array([['a', 'b']])\n",
    "object array": "def _lie(self, *a): return np.array([object()])\n",
    "huge array": "def _lie(self, *a): return np.zeros((1 << 26,))\n",
    "wrong shape": "def _lie(self, *a): return np.zeros((7, 7))\n",
}


@pytest.mark.parametrize("liar", list(LIARS))
def test_fake_values_score_nothing(liar, assignment, fork_server):
    source = stub() + "\n" + LIARS[liar] + "Affine.forward = _lie\nAffine.backward = _lie\n"
    assert score(assignment, source, fork_server) == 0


def test_reading_the_solution_or_hidden_tests_gets_nothing(assignment, fork_server):
    attack = (f"try:\n    exec(open({str(ROOT / 'solutions' / AID / 'layers.py')!r}).read())\nexcept OSError:\n    pass\n"
              f"try:\n    import autograder.hidden.affine as H\nexcept Exception:\n    pass\n")
    assert score(assignment, stub() + "\n" + attack, fork_server) == 0


BREAKERS = {
    "os._exit at import": "import os\nos._exit(0)\n",
    "sys.exit at import": "import sys\nsys.exit(0)\n",
    "infinite loop at import": "while True:\n    pass\n",
    "memory bomb at import": "x = bytearray(1 << 34)\n",
    "fork bomb at import": "import os\nwhile True:\n    os.fork()\n",
    "output flood at import": "while True:\n    print('x' * 65536)\n",
    "deep recursion at import": "def r(n):\n    return r(n + 1)\nr(0)\n",
    "kill the parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n",
    "syntax error": "def forward(self x):\n",
}


@pytest.mark.parametrize("breaker", list(BREAKERS))
def test_breaking_the_worker_costs_only_points(breaker, assignment, fork_server):
    started = time.monotonic()
    result = grade(assignment, Submission("b", {"layers.py": (solution() + "\n" + BREAKERS[breaker]).encode()}),
                   fork_server)
    assert result.score == 0 and len(result.tests) == len(assignment.tests)
    assert all(t.output for t in result.tests)
    assert time.monotonic() - started < LIMITS.submission_seconds + 3


def test_infinite_loop_in_forward_costs_only_the_tests_that_call_it(assignment, fork_server):
    source = solution().replace("def backward(", "def _unused(self):\n        pass\n\n    def backward(", 1)
    source += "\n_forward = Affine.forward\ndef _hang(self, x):\n    while True: pass\nAffine.forward = _hang\n"
    started = time.monotonic()
    result = grade(assignment, Submission("hang", {"layers.py": source.encode()}), fork_server)
    assert result.score < assignment.max_score
    assert any("did not finish" in t.output or "time limit" in t.output for t in result.tests)
    assert time.monotonic() - started < LIMITS.submission_seconds + 3


def test_network_to_the_graders_loopback_is_unreachable(assignment, fork_server):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.5)
        port = server.getsockname()[1]
        attack = (f"import socket\ntry:\n    socket.socket().connect(('127.0.0.1', {port}))\n"
                  "except OSError:\n    pass\n")
        score(assignment, solution() + "\n" + attack, fork_server)
        with pytest.raises(socket.timeout):
            server.accept()


def test_mutating_inputs_in_place_changes_nothing_on_the_grader_side(assignment, fork_server):
    # Zeroing dout after use is correct code (DESIGN allows mutating dout); it must not
    # reach the grader's arrays.
    source = solution() + ("\n_b = Affine.backward\ndef _mutating(self, dout):\n    dx = _b(self, dout)\n"
                           "    dout *= 0\n    return dx\nAffine.backward = _mutating\n")
    assert score(assignment, source, fork_server) == assignment.max_score


def zip_with(path: Path, members: dict) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_hostile_archives_end_in_rows(assignment, tmp_path, fork_server):
    folder = tmp_path / "subs"
    folder.mkdir()
    zip_with(folder / "traversal.zip", {"../../../../tmp/evil/layers.py": stub()})
    zip_with(folder / "bomb.zip", {"layers.py": b"\0" * (64 << 20)})
    link = zipfile.ZipInfo("layers.py")
    link.external_attr = 0o120777 << 16
    with zipfile.ZipFile(folder / "symlink.zip", "w") as archive:
        archive.writestr(link, "/etc/passwd")
    (folder / "garbage.zip").write_bytes(b"PK\x03\x04" + b"\xff" * 200)
    for path in sorted(folder.iterdir()):
        result = grade(assignment, load(path, assignment.student_files), fork_server)
        assert result.score == 0 and len(result.tests) == len(assignment.tests), path.name
    assert not Path("/tmp/evil").exists()


def test_a_hostile_batch_records_every_row(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "correct.py").write_text(solution())
    (folder / "exits.py").write_text(solution() + "\nimport os\nos._exit(1)\n")
    (folder / "hangs.py").write_text(solution() + "\nwhile True:\n    pass\n")
    (folder / "crashes.py").write_text(solution() + "\nimport ctypes\nctypes.string_at(0)\n")
    (folder / "broken.py").write_text("def (\n")
    (folder / "empty").mkdir()
    db = tmp_path / "grades.db"
    csv = tmp_path / "grades.csv"
    env_limits = {"AUTOGRADER_COURSE": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "--assignment", AID, str(folder),
                          "--jobs", "2", "--gradebook", str(db), "--csv", str(csv), "--quiet"],
                         capture_output=True, text=True, timeout=600, env={**__import__("os").environ, **env_limits})
    assert run.returncode == 0, run.stderr
    rows = csv.read_text().splitlines()[1:]
    assert sorted(r.split(",")[0] for r in rows) == ["broken", "correct", "crashes", "empty", "exits", "hangs"]
    scores = {r.split(",")[0]: float(r.split(",")[2]) for r in rows}
    assert scores["correct"] > 0 and all(scores[s] == 0 for s in scores if s != "correct")
    again = subprocess.run([sys.executable, "-m", "autograder", "grade", "--assignment", AID, str(folder),
                            "--gradebook", str(db), "--quiet"], capture_output=True, text=True, timeout=600)
    assert "6 already in the gradebook" in again.stderr
