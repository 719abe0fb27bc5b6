"""The message catalogue: every sentence a student or instructor reads, in English and Korean.

    text(key, lang=None, **fields) -> str

Keys are dotted names ("hint.affine.db_batch_axis"). The sentences live in
autograder/catalogue/<lang>/<namespace>.toml: the file names the first part of
the key (hint.toml holds every "hint." key), and every language has the same
files and keys (tests/test_messages.py keeps them in step). `fields` fill `{name}` places in
the sentence. A Korean particle after a field is written as the field's
format spec, `{name:을}`, `{count:이}`, `{test:와}`, `{value:으로}`: particle()
picks the form that fits the filled value's last sound (을/를, 이/가, 은/는,
과/와, 으로/로, 이라는/라는), so no sentence needs a fill-in form like 을(를).
The language is, in order: the `lang` argument, the language
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
it ships to students with assertions.py and hints.py.
"""

from __future__ import annotations

import contextlib
import contextvars
import locale
import os
import string
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
        sentences.update(namespace(lang, path.stem))
    return sentences


@cache
def namespace(lang: str, name: str) -> dict[str, str]:
    """The keys of one file of a language's catalogue ("grade" -> grade.toml's keys, each "grade.<...>").

    text() reads only the files of the keys it is asked for: one grade speaks from a
    few of them, and parsing the whole catalogue was a tenth of its imports' time.
    """
    path = CATALOGUE / lang / f"{name}.toml"
    if not name.isidentifier() or not path.is_file():
        return {}
    with open(path, "rb") as handle:
        return dict(_flatten(tomllib.load(handle), name + "."))


def _flatten(table: dict, prefix: str = ""):
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            yield from _flatten(value, key + ".")
        else:
            yield key, value


def text(key: str, lang: str | None = None, **fields) -> str:
    """The sentence for `key` in the chosen language, with its fields filled in."""
    sentences = namespace(language(lang), key.split(".", 1)[0])
    if key not in sentences:
        raise KeyError(f"no message {key!r} in autograder/catalogue/{language(lang)}/")
    return _FORMATTER.format(sentences[key], **fields) if fields else sentences[key]


# -- Korean particles after a filled-in value ------------------------------------------

# Each particle as (after a final consonant, after a vowel); a spec may name either form.
PARTICLES = (("을", "를"), ("이", "가"), ("은", "는"), ("과", "와"), ("으로", "로"), ("이라는", "라는"),
             ("이나", "나"), ("이에요", "예요"))
_PAIRS = {form: pair for pair in PARTICLES for form in pair}
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL = 8  # the final consonant ㄹ, after which 으로 is 로
# How digits and Latin letters are read aloud: the final consonant of the reading (0: none).
# 0 영, 1 일, 3 삼, 6 육, 7 칠, 8 팔 end in a consonant; letters are read by their names
# (L 엘, M 엠, N 엔, R 알), words by sound where the ending says it plainly.
_DIGIT_FINAL = {"0": 21, "1": _RIEUL, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": _RIEUL, "8": _RIEUL, "9": 0}
_LETTER_FINAL = {"l": _RIEUL, "m": 16, "n": 4, "r": _RIEUL}
_SHORT_STOPS = {"t": 19, "k": 1, "p": 17}
_WORD_ENDINGS = (("ng", 21), ("ck", 1), ("le", _RIEUL), ("l", _RIEUL), ("me", 16), ("m", 16),
                 ("ne", 4), ("n", 4))


def final_consonant(word: str) -> int | None:
    """The final consonant of how `word` ends aloud (0: a vowel), or None when it ends in no letter or digit.

    Closing brackets, quotes and punctuation are skipped: "Affine.backward(dout)"
    ends in "dout", "grads[0]" in "0". Hangul gives its syllable's own final;
    a digit its Korean reading; a lone Latin letter or an upper-case acronym its
    letter name; a longer Latin word its plain English ending.
    """
    text = str(word).rstrip()
    while text and not text[-1].isalnum():
        text = text[:-1]
    if not text:
        return None
    last = text[-1]
    if _HANGUL_FIRST <= ord(last) <= _HANGUL_LAST:
        return (ord(last) - _HANGUL_FIRST) % 28
    if last in _DIGIT_FINAL:
        return _DIGIT_FINAL[last]
    if not last.isascii():
        return None
    letters = ""
    for char in reversed(text):
        if not (char.isascii() and char.isalpha()):
            break
        letters = char + letters
    if len(letters) == 1 or letters.isupper() or not any(c in "aeiouy" for c in letters.lower()):
        return _LETTER_FINAL.get(letters[-1].lower(), 0)  # read letter by letter: dW, db, N, BPTT
    lower = letters.lower()
    if len(lower) >= 2 and lower[-2] in "aeiou" and lower[-1] in _SHORT_STOPS:
        return _SHORT_STOPS[lower[-1]]  # a short vowel and t, k or p: hot 핫, dout 아웃, set 셋, map 맵
    return next((final for ending, final in _WORD_ENDINGS if lower.endswith(ending)), 0)


def particle(word: str, form: str) -> str:
    """The form of the particle `form` (either of its forms, "을" or "를") that follows `word`.

    A value that ends in no letter or digit ("()") takes the form after a consonant.
    """
    after_consonant, after_vowel = _PAIRS[form]
    final = final_consonant(word)
    if final is None:
        final = 1
    if after_consonant == "으로":
        return after_vowel if final in (0, _RIEUL) else after_consonant
    return after_consonant if final else after_vowel


class _Formatter(string.Formatter):
    """str.format, where a field's spec may be a Korean particle: "{name:을}" -> "Affine을", "dx를"."""

    def format_field(self, value, format_spec: str) -> str:
        if format_spec in _PAIRS:
            shown = format(value, "")
            return shown + particle(shown, format_spec)
        return super().format_field(value, format_spec)


_FORMATTER = _Formatter()


def has(key: str) -> bool:
    """Whether `key` is in the catalogue (every language holds the same keys)."""
    return key in namespace(DEFAULT, key.split(".", 1)[0])
