"""The worker's walls, one attack at a time, straight through the student proxy.

Every test here also bounds its own time: a wall that fails open would hang or
take the grader down, and the assertion on elapsed time catches that.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.course import Limits
from autograder.proxy import MissingName, StudentError, WorkerLost
from autograder.sandbox.forkserver import WALL_FACTOR

ROOT = Path(__file__).resolve().parents[1]


def call(student, body: str, *args):
    """Define f(*args) in a fresh module and call it."""
    return student.f(*args)


@pytest.fixture
def run(load_student):
    def run(body: str, *args, limits=None):
        source = "import numpy as np\nimport os, sys\n\ndef f(*args):\n" + "".join(
            f"    {line}\n" for line in body.splitlines())
        student = load_student(source, **({"limits": limits} if limits else {}))
        return student.f(*args)
    return run


def test_plain_call_returns_values(run):
    out = run("return np.arange(3.0) * 2, 'ok'")
    np.testing.assert_array_equal(out[0], [0.0, 2.0, 4.0])
    assert out[1] == "ok"


def test_infinite_loop_is_stopped_by_the_call_limit(run):
    started = time.monotonic()
    with pytest.raises(WorkerLost, match="did not finish within 2 s"):
        run("while True: pass")
    assert time.monotonic() - started < 2.0 * WALL_FACTOR + 1  # 2 s of CPU: at most twice that in wall clock


def test_cpu_limit_kills_a_busy_worker(run):
    limits = Limits(call_seconds=10, submission_seconds=20, cpu_seconds=1, memory_mb=256)
    started = time.monotonic()
    with pytest.raises(WorkerLost, match="CPU time"):
        run("while True: pass", limits=limits)
    assert time.monotonic() - started < 5


def test_os_exit_in_a_method_is_reported(run):
    with pytest.raises(WorkerLost, match="exited with status 3"):
        run("os._exit(3)")


def test_sys_exit_in_a_method_is_an_error_not_an_exit(run):
    with pytest.raises(StudentError, match=r"sys.exit\(0\)"):
        run("sys.exit(0)")


def test_sys_exit_at_import_fails_the_import(load_student):
    with pytest.raises(StudentError, match="importing layers.py failed"):
        load_student("import sys\nsys.exit(1)\n")


def test_syntax_error_names_the_line(load_student):
    with pytest.raises(StudentError, match=r"SyntaxError.*line 2"):
        load_student("x = 1\ndef (:\n")


def test_memory_bomb_fails_without_hurting_the_grader(run):
    with pytest.raises((StudentError, WorkerLost)):
        run("return np.ones((1 << 30,))")  # 8 GiB


def test_memory_bomb_by_list_growth(run):
    with pytest.raises((StudentError, WorkerLost)):
        run("a = []\nwhile True: a.append(' ' * 10**6)")


def test_fork_is_refused(run):
    with pytest.raises(StudentError, match="BlockingIOError|PermissionError|OSError"):
        run("os.fork()")


def test_fork_bomb_is_refused(run):
    with pytest.raises(StudentError):
        run("while True:\n    os.fork()")


def test_threads_are_refused(run):
    with pytest.raises(StudentError):
        run("import threading\nt = threading.Thread(target=lambda: None)\nt.start()\nt.join()")


def test_subprocess_is_refused(run):
    with pytest.raises(StudentError):
        run("import subprocess\nreturn subprocess.run(['true']).returncode")


def test_no_network_even_to_loopback(run):
    import socket

    with socket.socket() as server:  # a real listener on the grader's loopback
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with pytest.raises(StudentError, match="OSError|PermissionError|Network|refused"):
            run(f"import socket\ns = socket.socket()\ns.settimeout(1)\ns.connect(('127.0.0.1', {port}))")


def test_hidden_tests_cannot_be_read(run):
    path = ROOT / "autograder" / "hidden" / "__init__.py"
    with pytest.raises(StudentError, match="PermissionError"):
        run(f"return open({str(path)!r}).read()")


def test_solutions_cannot_be_listed(run):
    with pytest.raises(StudentError, match="PermissionError"):
        run(f"return os.listdir({str(ROOT / 'solutions')!r})")


def test_grader_modules_cannot_be_imported(run):
    # The zygote imported only autograder.sandbox; the rest of the package stays out of reach.
    with pytest.raises(StudentError):
        run("import autograder.reference\nreturn 1")


def test_files_outside_the_worker_folder_cannot_be_written(run):
    with pytest.raises(StudentError, match="PermissionError"):
        run("open('/tmp/owned-by-a-student', 'w').write('x')")
    assert not os.path.exists("/tmp/owned-by-a-student")


def test_own_folder_is_writable(run):
    assert run("open('scratch.txt', 'w').write('ok')\nreturn open('scratch.txt').read()") == "ok"


def test_environment_is_scrubbed(run):
    env = run("return dict(os.environ)")
    assert set(env) <= {"HOME", "TMPDIR", "LANG"}


def test_output_flood_is_capped(run):
    started = time.monotonic()
    with pytest.raises((StudentError, WorkerLost)):
        run("while True:\n    print('x' * 100000)")
    assert time.monotonic() - started < 4


def test_deep_recursion_is_an_error(run):
    with pytest.raises(StudentError, match="RecursionError"):
        run("def g(n): return g(n + 1)\nreturn g(0)")


def test_garbage_on_the_protocol_socket_loses_the_worker(run):
    with pytest.raises(WorkerLost):
        run("os.write(3, b'\\xff' * 64)\nreturn 1")


def test_forged_answer_cannot_carry_an_object(run):
    # A student can write a well-formed answer themselves: it still decodes only to plain data.
    forged = ("from autograder.sandbox.protocol import pack\n"
              "os.write(3, pack({'value': {'$nd': 0, 'dtype': '|O', 'shape': [1]}}, [b'x' * 8]))\n"
              "while True: pass")
    with pytest.raises(WorkerLost, match="invalid answer"):
        run(forged)


def test_missing_name_is_a_sentence(load_student):
    student = load_student("x = 1\n")
    with pytest.raises(MissingName, match="layers.py has no Affine — did you rename it"):
        student.Affine


def test_fake_equality_object_stays_a_proxy(load_student):
    student = load_student("class Eq:\n    def __eq__(self, o): return True\n\ndef f(): return Eq()\n")
    value = student.f()
    assert not isinstance(value, np.ndarray)
    assert value.remote_type == "Eq"


def test_worker_state_is_fresh_on_each_load(load_student, fork_server):
    student = load_student("count = [0]\ndef f():\n    count[0] += 1\n    return count[0]\n")
    assert student.f() == 1 and student.f() == 2
    student.load("layers", {"layers.py": np.frombuffer(b"count = [0]\ndef f():\n    count[0] += 1\n"
                                                       b"    return count[0]\n", np.uint8)}, {})
    assert student.f() == 1


def test_numpy_random_is_reseeded_on_load(load_student):
    a = load_student("import numpy as np\ndef f(): return np.random.rand(3)\n").f()
    b = load_student("import numpy as np\ndef f(): return np.random.rand(3)\n").f()
    np.testing.assert_array_equal(a, b)


def test_protections_are_reported(fork_server, load_student):
    load_student("x = 1\n")
    text = " ".join(fork_server.protections)
    assert "separate process" in text and "limits" in text
    if os.geteuid() == 0:
        assert "a uid of its own" in text and "network namespace" in text and "tmpfs" in text


LAYER = ("import numpy as np\n\nclass Scale:\n    def __init__(self, w):\n        self.w = w\n"
         "    def forward(self, x):\n        if np.any(x > 100):\n            raise ValueError('too big')\n"
         "        return x * self.w\n")


def test_recorded_programs_give_what_calls_give(load_student):
    from autograder.round_trips import evaluate_all

    student = load_student(LAYER)
    points = [np.full(3, float(i)) for i in range(40)]  # more than one chunk
    recorded = evaluate_all(lambda w: student.Scale(w).forward(np.arange(3.0)), points)
    eager = [student.Scale(w).forward(np.arange(3.0)) for w in points]
    assert len(recorded) == 40
    for a, b in zip(recorded, eager):
        np.testing.assert_array_equal(a, b)


def test_functions_that_use_values_fall_back_to_calls(load_student):
    from autograder.round_trips import evaluate_all

    student = load_student(LAYER)
    out = evaluate_all(lambda w: np.sum(student.Scale(w).forward(np.ones(2))) * 2, [1.0, 2.0])
    assert out == [4.0, 8.0]


def test_an_error_inside_a_program_names_the_call(load_student):
    from autograder.round_trips import evaluate_all

    student = load_student(LAYER)
    with pytest.raises(StudentError, match=r"Scale.forward raised ValueError: too big"):
        evaluate_all(lambda w: student.Scale(w).forward(np.full(2, 1000.0)), [1.0, 2.0])


def test_a_hang_inside_a_program_is_stopped(load_student):
    from autograder.round_trips import evaluate_all

    student = load_student(LAYER.replace("raise ValueError('too big')", "while True: pass"))
    started = time.monotonic()
    with pytest.raises(WorkerLost, match="did not finish"):
        evaluate_all(lambda w: student.Scale(w).forward(np.full(2, 1000.0)), [1.0, 2.0])
    # the call's 2 s of CPU time, at most WALL_FACTOR times that on a machine too busy to give the loop a core
    assert time.monotonic() - started < 2.0 * WALL_FACTOR + 1


def test_numpy_submodules_students_use_are_importable(run):
    out = run("np.testing.assert_allclose(np.ones(2), np.ones(2))\n"
              "return float(np.fft.fft(np.ones(4))[0].real), float(np.linalg.norm(np.ones(4)))")
    assert out == (4.0, 2.0)
