"""Students on Windows, macOS and Linux: UTF-8 output when piped, the language of the system, the README's commands."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from autograder import course, messages

ROOT = course.find_root()


@pytest.fixture
def no_locale_variables(monkeypatch):
    for name in ("AUTOGRADER_LANG", *messages.LOCALE_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    messages.system_language.cache_clear()
    yield monkeypatch
    messages.system_language.cache_clear()


@pytest.mark.parametrize("name", ["ko_KR", "ko-KR", "Korean_Korea", "ko"])
def test_language_comes_from_the_system_locale_when_no_variable_is_set(no_locale_variables, name):
    no_locale_variables.setattr(messages.locale, "getlocale", lambda *args: (name, "UTF-8"))
    assert messages.language() == "ko"


def test_a_locale_variable_wins_over_the_system_locale(no_locale_variables):
    no_locale_variables.setattr(messages.locale, "getlocale", lambda *args: ("ko_KR", "UTF-8"))
    no_locale_variables.setenv("LANG", "en_US.UTF-8")
    assert messages.language() == "en"
    no_locale_variables.setenv("LANG", "C.UTF-8")  # set, if to no language of ours: the user chose it
    assert messages.language() == "en"


def test_an_unparsable_system_locale_falls_back_to_english(no_locale_variables):
    def broken(*args):
        raise ValueError("unknown locale: UTF-8")

    no_locale_variables.setattr(messages.locale, "getlocale", broken)
    assert messages.language() == "en"


def windows(monkeypatch, ui_language):
    """This process as a Windows one whose locale names no language and whose display speaks `ui_language`."""
    monkeypatch.setattr(messages.locale, "getlocale", lambda *args: (None, None))
    monkeypatch.setattr(sys, "platform", "win32")
    kernel32 = types.SimpleNamespace(GetUserDefaultUILanguage=ui_language)
    monkeypatch.setattr(ctypes, "windll", types.SimpleNamespace(kernel32=kernel32), raising=False)


def test_language_comes_from_windows_display_language(no_locale_variables):
    windows(no_locale_variables, lambda: 0x0412)  # ko-KR
    assert messages.language() == "ko"
    messages.system_language.cache_clear()
    windows(no_locale_variables, lambda: 0x0409)  # en-US
    assert messages.language() == "en"


def test_a_failing_windows_call_falls_back_to_english(no_locale_variables):
    def denied():
        raise OSError("access denied")

    windows(no_locale_variables, denied)
    assert messages.language() == "en"


def test_windows_display_language_is_not_asked_elsewhere(no_locale_variables):
    no_locale_variables.setattr(messages.locale, "getlocale", lambda *args: (None, None))
    kernel32 = types.SimpleNamespace(GetUserDefaultUILanguage=lambda: 0x0412)
    no_locale_variables.setattr(ctypes, "windll", types.SimpleNamespace(kernel32=kernel32), raising=False)
    no_locale_variables.setattr(sys, "platform", "linux")
    assert messages.language() == "en"


def piped(args: list[str], encoding: str) -> subprocess.CompletedProcess:
    """`python -m autograder ARGS` with stdout and stderr to pipes in `encoding` (Windows' default, say)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AUTOGRADER", "LC_", "LANG"))}
    env.update(PYTHONIOENCODING=encoding, PYTHONUTF8="0")
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, env=env, timeout=120)


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_korean_output_piped_on_a_non_utf8_system_arrives_as_utf8(tmp_path, encoding):
    run = piped(["check", str(tmp_path / "missing"), "--lang", "ko"], encoding)
    assert run.returncode == 2
    error = run.stderr.decode("utf-8")
    assert messages.text("check.error.no_folder", "ko", folder=tmp_path / "missing") in error
    help_text = piped(["check", "--help", "--lang", "ko"], encoding)
    assert help_text.returncode == 0
    assert messages.text("check.cli.folder", "ko") in help_text.stdout.decode("utf-8")


def test_utf8_output_leaves_a_terminal_encoding_alone(monkeypatch):
    class Terminal:
        def __init__(self):
            self.calls = []

        def isatty(self):
            return True

        def reconfigure(self, **kwargs):
            self.calls.append(kwargs)

    out, err = Terminal(), Terminal()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    messages.utf8_output()
    assert out.calls == err.calls == [{"errors": "replace"}]


STUDENT_READMES = sorted((ROOT / "assignments").glob("*/README.md"))


@pytest.mark.parametrize("readme", STUDENT_READMES, ids=[p.parent.name for p in STUDENT_READMES])
def test_each_student_readme_gives_the_python_versions_and_the_commands_without_make(readme: Path):
    text = readme.read_text(encoding="utf-8")
    assert "Python 3.9 or newer" in text
    for command in ("python -m autograder check", "py -m autograder check", "make check",
                    f"python -m autograder check {readme.parent.name}"):
        assert command in text, f"{readme} does not show `{command}`"


def test_the_readme_shows_the_windows_command_and_the_versions():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "py -m autograder check" in text and "make check" in text
    assert "3.9 or newer" in text and "make test-py39" in text
