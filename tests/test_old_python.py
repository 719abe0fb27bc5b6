"""Students run the kit on Python 3.9 and newer: what they get parses and runs there (the quick part).

The real run under Python 3.9 is `make test-py39` (tests/old_python.py), in CI.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from autograder import course
from autograder.assign import release
from tests import old_python
from tests.old_python import problems, shipped_sources


@pytest.fixture(scope="module")
def students() -> release.Tree:
    return release.students_tree([course.load(i) for i in course.assignment_ids()])


def test_every_shipped_source_parses_and_runs_on_python_3_9(students):
    sources = shipped_sources(students)
    assert any(w.endswith("/autograder/messages.py") for w in sources)
    assert any("#cell" in w for w in sources), "no notebook code cell was scanned"
    assert any("/test_" in w for w in sources), "no public test was scanned"
    found = [p for where, source in sources.items() for p in problems(source, where)]
    assert not found, "\n".join(found)


BREAKS_3_9 = {
    "match": "match x:\n    case 1:\n        pass\n",
    "bare tomllib": "import tomllib\n",
    "tomllib with a wrong fallback": "try:\n    import tomllib\nexcept KeyError:\n    pass\n",
    "from tomllib": "from tomllib import loads\n",
    "runtime union": "isinstance(x, int | float)\n",
    "union annotation without the future import": "def f(x: int | None): pass\n",
    "optional alias": "Maybe = list[int] | None\n",
    "zip strict": "zip(a, b, strict=True)\n",
    "dataclass slots": "from dataclasses import dataclass\n@dataclass(slots=True)\nclass A: pass\n",
    "pairwise": "import itertools\nitertools.pairwise(a)\n",
    "typing Self": "from typing import Self\n",
    "exception groups": "try:\n    pass\nexcept* ValueError:\n    pass\n",
    "co_qualname": "frame.f_code.co_qualname\n",
}
RUNS_ON_3_9 = {
    "tomli fallback": "try:\n    import tomllib\nexcept ModuleNotFoundError:\n    import tomli as tomllib\n",
    "postponed annotations": "from __future__ import annotations\ndef f(x: int | None) -> list[int] | None: pass\n"
                             "y: dict[str, int | None] = {}\n",
    "bitwise or of arrays": "mask = (a > 0) | (b < 0)\n",
    "guarded new attribute": "getattr(frame.f_code, 'co_qualname', None)\n",
    "zip": "zip(a, b)\n",
}


@pytest.mark.parametrize("source", BREAKS_3_9.values(), ids=BREAKS_3_9.keys())
def test_the_scan_names_what_fails_on_python_3_9(source):
    assert problems(source, "layers.py")


@pytest.mark.parametrize("source", RUNS_ON_3_9.values(), ids=RUNS_ON_3_9.keys())
def test_the_scan_lets_python_3_9_code_through(source):
    assert problems(source, "layers.py") == []


def test_student_requirements_ask_for_tomli_before_python_3_11(students):
    for aid in course.assignment_ids():
        lines = students[f"students/{aid}/requirements.txt"].decode().splitlines()
        tomli = [line for line in lines if line.startswith("tomli")]
        assert tomli and "python_version < '3.11'" in tomli[0], lines
    dependencies = release.requirements(course.find_root(), ("tomli",))
    assert "python_version" in dependencies[0]


def test_the_kit_reads_its_catalogue_with_tomli_where_tomllib_is_missing(tmp_path):
    """Python 3.9 and 3.10 have no tomllib: the kit takes tomli (here the same parser under that name)."""
    code = textwrap.dedent("""
        import importlib.abc, sys
        import tomllib as parser
        sys.modules["tomli"] = parser      # tomli, as pip installs it on 3.9 and 3.10
        del sys.modules["tomllib"]

        class NoTomllib(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "tomllib":
                    raise ModuleNotFoundError("No module named 'tomllib'", name=name)

        sys.meta_path.insert(0, NoTomllib())
        from autograder import course, messages
        from autograder.check import target
        assert "tomllib" not in sys.modules
        assert messages.catalogue("ko") and course.load("03_affine").id == "03_affine"
        assert target.locate(course.load("03_affine").folder).id == "03_affine"
        print("read with tomli")
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0 and "read with tomli" in run.stdout, run.stderr


def test_the_py39_run_says_what_to_install_when_no_old_python_is_found(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(old_python, "PYENV_VERSIONS", tmp_path / "no-pyenv")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert old_python.find_old_python() is None
    assert old_python.main() == 2
    error = capsys.readouterr().err
    assert "No Python 3.9 or 3.10 found" in error and "pyenv install 3.9" in error


def test_the_py39_run_finds_pyenvs_python_3_9(monkeypatch, tmp_path):
    fake = tmp_path / "versions" / "3.9.18" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\necho 3.9\n")
    fake.chmod(0o755)
    monkeypatch.setattr(old_python, "PYENV_VERSIONS", tmp_path / "versions")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert old_python.find_old_python() == fake


def test_a_student_folder_is_a_package_of_the_check_its_requirements_install(students):
    """`pip install -r requirements.txt` ends with the folder itself: `check FOLDER` then works from anywhere.

    The real install runs in `make test-py39`; here, what pip will read.
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - the project's Python has it
        import tomli as tomllib
    for aid in course.assignment_ids():
        project = tomllib.loads(students[f"students/{aid}/pyproject.toml"].decode())
        requirements = students[f"students/{aid}/requirements.txt"].decode().splitlines()
        assert requirements[-1] == "."
        assert project["build-system"]["build-backend"] == "flit_core.buildapi"
        assert project["tool"]["flit"]["module"]["name"] == "autograder"
        assert project["project"]["requires-python"] == ">=3.9"
        assert project["project"]["dependencies"] == [r for r in requirements[:-1] if not r.startswith("#")]
        assert f"students/{aid}/autograder/__init__.py" in students
