"""The message catalogue: every sentence a student or instructor reads, in English and Korean.

    text(key, lang=None, **fields) -> str

Keys are dotted names ("hint.affine.db_batch_axis"). The sentences live in
autograder/catalogue/<lang>/<namespace>.toml: the file names the first part of
the key (hint.toml holds every "hint." key), and every language has the same
files and keys (tests/test_messages.py keeps them in step). `fields` fill `{name}` places in
the sentence. The language is, in order: the `lang` argument, the language
set by `speaking(lang)` around a piece of work (grade() sets it for the hidden
tests it runs), the AUTOGRADER_LANG environment variable (which reaches the
processes of a batch), the locale variables (LC_ALL, LC_MESSAGES, LANG:
"ko_KR.UTF-8" gives Korean), and where none of these is set (Windows, a
Jupyter started from a desktop menu) the system's locale and, on Windows, its
display language; else English.

utf8_output() makes the student-facing commands print UTF-8 when their output
goes to a file or a pipe, where Python would otherwise use the system's code
page (Windows' cp1252 turns Korean into question marks).

This module needs only the standard library (and tomli before Python 3.11):
it ships to students with checks.py and hints.py.
"""

from __future__ import annotations

import contextlib
import contextvars
import locale
import os
import sys
from functools import cache
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.9 and 3.10: the same parser from PyPI (the release's requirements.txt)
    import tomli as tomllib

LANGS = ("en", "ko")
DEFAULT = "en"
CATALOGUE = Path(__file__).with_name("catalogue")
_SPEAKING: contextvars.ContextVar[str | None] = contextvars.ContextVar("speaking", default=None)


@contextlib.contextmanager
def speaking(lang: str | None):
    """Within the block, text() speaks `lang` (None: leave the choice as it is)."""
    token = _SPEAKING.set(language(lang) if lang else _SPEAKING.get())
    try:
        yield
    finally:
        _SPEAKING.reset(token)


LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def language(lang: str | None = None) -> str:
    """The language to speak: the argument, speaking(), AUTOGRADER_LANG, the locale, or English."""
    variables = [os.environ.get(name) for name in LOCALE_VARIABLES]
    for candidate in (lang, _SPEAKING.get(), os.environ.get("AUTOGRADER_LANG"), *variables):
        if candidate:
            code = _code(candidate)
            if code in LANGS:
                return code
            if lang and candidate is lang:
                raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(LANGS)}")
    if not any(variables):
        return system_language() or DEFAULT
    return DEFAULT


def _code(name: str) -> str:
    """'ko' of 'ko_KR.UTF-8', 'ko-KR' or Windows' 'Korean_Korea.949'."""
    code = name.replace("-", "_").split("_")[0].split(".")[0].lower()
    return {"korean": "ko", "english": "en"}.get(code, code)


@cache
def system_language() -> str | None:
    """The language of the system's locale or, on Windows, of its display; None when neither is one of LANGS.

    Asked only when LC_ALL, LC_MESSAGES and LANG are all unset: Windows sets none
    of them, nor does a Jupyter started from a desktop menu.
    """
    try:
        name = locale.getlocale()[0]
    except (ValueError, TypeError):  # a locale Python cannot parse
        name = None
    if name and _code(name) in LANGS:
        return _code(name)
    if sys.platform == "win32":
        return _windows_display_language()
    return None


# Primary language identifiers of Windows' LANGIDs (the low 10 bits), for LANGS.
_WINDOWS_LANGUAGES = {0x12: "ko", 0x09: "en"}


def _windows_display_language() -> str | None:
    """The language of Windows' user interface (GetUserDefaultUILanguage), if it is one of LANGS."""
    try:
        import ctypes
        langid = ctypes.windll.kernel32.GetUserDefaultUILanguage()
    except Exception:  # no ctypes, no windll (not Windows), or a locked-down system
        return None
    return _WINDOWS_LANGUAGES.get(int(langid) & 0x3FF)


def utf8_output() -> None:
    """Print UTF-8 where stdout or stderr is a file or a pipe; on a terminal, keep its encoding.

    Characters the stream cannot encode become replacement marks instead of an
    exception in every case (an old console, a redirected one).
    """
    for stream in (sys.stdout, sys.stderr):
        if not hasattr(stream, "reconfigure"):  # replaced by a test runner or a notebook
            continue
        try:
            if stream.isatty():
                stream.reconfigure(errors="replace")
            else:
                stream.reconfigure(encoding="utf-8", errors="replace")
        except (OSError, ValueError):  # closed, or already written to in a way that cannot change
            continue


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every key of one language, flattened from its TOML files and tables."""
    sentences = {}
    for path in sorted((CATALOGUE / lang).glob("*.toml")):
        with open(path, "rb") as handle:
            sentences.update(_flatten(tomllib.load(handle), path.stem + "."))
    return sentences


def _flatten(table: dict, prefix: str = ""):
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            yield from _flatten(value, key + ".")
        else:
            yield key, value


def text(key: str, lang: str | None = None, **fields) -> str:
    """The sentence for `key` in the chosen language, with its fields filled in."""
    sentences = catalogue(language(lang))
    if key not in sentences:
        raise KeyError(f"no message {key!r} in autograder/catalogue/{language(lang)}/")
    return sentences[key].format(**fields) if fields else sentences[key]


def has(key: str) -> bool:
    """Whether `key` is in the catalogue (every language holds the same keys)."""
    return key in catalogue(DEFAULT)
