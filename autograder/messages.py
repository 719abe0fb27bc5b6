"""The message catalogue: every sentence a student or instructor reads, in English and Korean.

    text(key, lang=None, **fields) -> str

Keys are dotted names ("hint.affine.db_batch_axis"). The sentences live in
autograder/catalogue/<lang>/<namespace>.toml: the file names the first part of
the key (hint.toml holds every "hint." key), and every language has the same
files and keys (tests/test_messages.py keeps them in step). `fields` fill `{name}` places in
the sentence. The language is, in order: the `lang` argument, the language
set by `speaking(lang)` around a piece of work (grade() sets it for the hidden
tests it runs), the AUTOGRADER_LANG environment variable (which reaches the
processes of a batch), the locale (LC_ALL, LC_MESSAGES, LANG: "ko_KR.UTF-8"
gives Korean), else English.

This module needs only the standard library (and tomli before Python 3.11):
it ships to students with checks.py and hints.py.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
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


def language(lang: str | None = None) -> str:
    """The language to speak: the argument, speaking(), AUTOGRADER_LANG, the locale, or English."""
    for candidate in (lang, _SPEAKING.get(), os.environ.get("AUTOGRADER_LANG"),
                      os.environ.get("LC_ALL"), os.environ.get("LC_MESSAGES"), os.environ.get("LANG")):
        if candidate:
            code = candidate.split("_")[0].split(".")[0].lower()
            if code in LANGS:
                return code
            if lang and candidate is lang:
                raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(LANGS)}")
    return DEFAULT


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
