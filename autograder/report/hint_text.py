"""The sentence of a hint key, as the reports print it.

A TestResult keeps only the catalogue keys of its hints, not the values that
filled the sentence when it fired (a shape, a name): those belong to the test's
own message. The reports therefore show the sentence with each `{field}` as
"…", which reads as the general rule ("db has shape … but b has shape …: sum
dout over the batch axis only"). A key the catalogue does not know (a gradebook
written by another version of the course) is shown as the key itself.
"""

from __future__ import annotations

from .. import messages

PLACEHOLDER = "…"


class _Blank(dict):
    def __missing__(self, name: str) -> str:
        return PLACEHOLDER


def already_said(key: str, lang: str | None, output: str) -> bool:
    """Whether a test's message already holds this hint's sentence (filled in, in this language).

    The hidden tests print the hints that fired into their message; a report
    then repeats the sentence only when the message does not hold it, for
    example when the report speaks another language than the grading did.
    """
    fixed = [part.strip() for part in sentence(key, lang).split(PLACEHOLDER)]
    fixed = [part for part in fixed if part]
    return bool(fixed) and all(part in output for part in fixed)


def sentence(key: str, lang: str | None = None) -> str:
    """The hint's sentence in the chosen language with its fields left open; the key if unknown."""
    template = messages.namespace(messages.language(lang), key.split(".", 1)[0]).get(key)
    if template is None:
        return key
    try:
        return template.format_map(_Blank())
    except (ValueError, IndexError, AttributeError):  # a sentence with positional or dotted fields
        return template
