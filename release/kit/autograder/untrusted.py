"""The one boundary for text that came from a submission.

    message(value) -> Safe      an exception message: several lines, at most MESSAGE_CHARS
    where(value) -> Safe        the student's own line ("layers.py, line 12, in forward: ..."): one line
    type_name(value) -> Safe    a type or attribute name: one line, at most TYPE_CHARS
    name(value) -> Safe         a student, submission or file name: one line, at most NAME_CHARS
    output(value) -> Safe       a whole test's feedback (sentences of ours around student text)
    clean(value, limit, lines) -> Safe   any of the above with limits of one's own
    without_numbers(text) -> Safe        every number replaced by "…" (hidden-test feedback)

How it works and why: docs/untrusted-text.md (The boundary).
"""

from __future__ import annotations

import re

MESSAGE_CHARS = 2000    # an exception message, as the worker sends it
WHERE_CHARS = 400       # file, line number, function and the (cut) source line
TYPE_CHARS = 100        # a type name or an attribute name
NAME_CHARS = 200        # a student's, submission's, file's or zip member's name
PATH_CHARS = 1000       # a path on the instructor's disk that holds student-chosen names
OUTPUT_CHARS = 20_000   # one test's whole feedback: a table of numbers and a message
MESSAGE_LINES = 60      # lines of a message
OUTPUT_LINES = 400      # lines of a test's whole feedback (a gradient-check table is a line per parameter)

ELLIPSIS = "…"


class Safe(str):
    """Text that has crossed this boundary: printable, storable, bounded (still to be escaped per output)."""

    __slots__ = ()


# Escape sequences (ECMA-48). A string sequence (OSC, DCS, ...) runs to its terminator, BEL or ST;
# one without a terminator runs to the end of the text. The 8-bit forms (U+0080-U+009F) are not
# read as introducers, only removed as controls: few terminals honour them in UTF-8.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"                      # CSI: colours, cursor moves, clear screen
    r"|\x1b[\]P^_X][^\x07\x1b]*(?:\x07|\x1b\\)?"      # OSC (52: the clipboard), DCS, PM, APC, SOS
    r"|\x1b[ -/]*[0-~]?")                             # ESC c (reset), ESC 7, ESC ( B, a lone ESC
_SURROGATES = re.compile("[\ud800-\udfff]")
# C0 but \t and \n, DEL, C1; the bidirectional embeddings, overrides and isolates; then the
# line and paragraph separators, which some viewers break lines at (kept apart to become "\n").
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_SEPARATORS = re.compile("[\u2028\u2029]")
_ASCII_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f]")  # all that can be wrong with ASCII text but its length
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?j?|\d+")
_NUMBERS_RUN = re.compile(r"…(?:\s+…)+")  # an array printed in full: its shape stays, its values go


def clean(value, limit: int = MESSAGE_CHARS, lines: bool = True, max_lines: int = MESSAGE_LINES) -> Safe:
    """`value` (a str, or anything str() works on) made safe to store and show; see the module's docstring.

    limit: the most characters kept (the last one "…" when cut); lines: whether "\\n" stays, and
    then at most max_lines of them.
    """
    if isinstance(value, Safe) and len(value) <= limit and (
            value.count("\n") < max_lines if lines else "\n" not in value and value == value.strip()):
        return value
    if not isinstance(value, str):
        try:
            value = str(value)
        except Exception:  # an object whose __str__ fails is not worth a crash
            return Safe("")
    # Read a little more than is kept: escapes and controls removed leave fewer characters.
    text = value[: 4 * limit + 64]
    cut = len(text) < len(value)
    if not cut and len(text) <= limit and text.isascii() and not _ASCII_UNSAFE.search(text) \
            and (text.count("\n") < max_lines if lines else "\n" not in text and text == text.strip()):
        return Safe(text)  # the common case, a plain ASCII message: one pass, nothing to change
    if _SURROGATES.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    text = text.replace("\x00", "\ufffd").replace("\r\n", "\n")
    text = _CONTROLS.sub("", _ESCAPES.sub("", text))
    text = _SEPARATORS.sub("\n", text)
    if lines:
        text = text.replace("\t", "    ")
        kept = text.split("\n", max_lines)
        if len(kept) > max_lines:
            text, cut = "\n".join(kept[:max_lines]), True
    else:
        text = " ".join(text.replace("\t", " ").split("\n")).strip()
    if cut or len(text) > limit:
        text = (text[: max(limit - 1, 0)] if len(text) >= limit else text) + ELLIPSIS
    return Safe(text)


def message(value) -> Safe:
    """An exception message from student code: several lines, at most MESSAGE_CHARS."""
    return clean(value, MESSAGE_CHARS, lines=True)


def where(value) -> Safe:
    """The student's own line of a traceback: one line, at most WHERE_CHARS."""
    return clean(value, WHERE_CHARS, lines=False)


def type_name(value) -> Safe:
    """The name of a type or attribute from the worker: one line, at most TYPE_CHARS."""
    return clean(value, TYPE_CHARS, lines=False)


def name(value) -> Safe:
    """A student's, submission's or file's name: one line, at most NAME_CHARS."""
    return clean(value, NAME_CHARS, lines=False)


def path(value) -> Safe:
    """A path whose names a student may have chosen (undecodable bytes shown as U+FFFD)."""
    return clean(value, PATH_CHARS, lines=False)


def output(value) -> Safe:
    """One test's whole feedback, or a submission's note: several lines, at most OUTPUT_CHARS."""
    return clean(value, OUTPUT_CHARS, lines=True, max_lines=OUTPUT_LINES)


def without_numbers(value) -> Safe:
    """`value` with every number (123, -4.5e-06, 0.25, 3j) as "…", and a run of them ("… … …") as one.

    Hidden tests run student code on hidden inputs; a student's exception
    message may print them (f"bad x: {x}"). Without its numbers it still says
    what went wrong ("shapes (…,…) and (…,…) not aligned").
    """
    text = _NUMBER.sub(ELLIPSIS, clean(value))
    return Safe(_NUMBERS_RUN.sub(ELLIPSIS, text))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A text cell for a CSV file: a spreadsheet runs a cell that starts with = + - @ as a formula."""
    text = name(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
