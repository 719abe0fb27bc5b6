"""The message catalogue: both languages hold the same keys and the same fields."""

import ast
import re
import string
from pathlib import Path

import pytest

from autograder import messages


def _fields(sentence: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(sentence) if name}


def test_every_key_exists_in_every_language_with_the_same_fields():
    english = messages.catalogue("en")
    for lang in messages.LANGS:
        other = messages.catalogue(lang)
        assert set(other) == set(english), f"catalogue/{lang}/ and catalogue/en/ differ in keys"
        for key, sentence in english.items():
            assert _fields(other[key]) == _fields(sentence), f"catalogue/{lang}/ {key}: fields differ"


def test_language_follows_argument_then_environment_then_locale(monkeypatch):
    for name in ("AUTOGRADER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert messages.language() == "en"
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    assert messages.language() == "ko"
    monkeypatch.setenv("AUTOGRADER_LANG", "en")
    assert messages.language() == "en"
    assert messages.language("ko") == "ko"
    with pytest.raises(ValueError):
        messages.language("fr")


def test_text_fills_fields_in_the_chosen_language():
    en = messages.text("hint.affine.db_batch_axis", "en", actual="()", expected="(5,)")
    ko = messages.text("hint.affine.db_batch_axis", "ko", actual="()", expected="(5,)")
    assert "db has shape () but b has shape (5,)" in en
    assert "()" in ko and "(5,)" in ko and ko != en
    with pytest.raises(KeyError):
        messages.text("hint.no_such_key", "en")


ENGINE = Path(messages.__file__).parent
KEY = re.compile(r"""["']((?:hint|hidden|assert|grade)\.[a-z0-9_.]+)["']""")
PREFIXED = re.compile(r"""text\(f["']((?:hidden|hint|assert|grade)\.[a-z_.]*)\{key\}["']""")  # _say's body


def _sources():
    return sorted([*ENGINE.glob("*.py"), *ENGINE.glob("hidden/*.py"), *ENGINE.glob("bugs/*.py"),
                   *ENGINE.glob("sandbox/*.py")])


def test_every_key_the_engine_names_is_in_the_catalogue():
    """Keys are written out in the code ("hint.affine.db_batch_axis") or through a module's helper
    (_say("row_sums") in a module whose _say reads text(f"hidden.softmax.{key}"))."""
    known = messages.catalogue("en")
    missing = []
    for path in _sources():
        source = path.read_text(encoding="utf-8")
        used = set(KEY.findall(source))
        for prefix in PREFIXED.findall(source):
            helper = re.search(r"def (_\w+)\(key[^)]*\)[^:]*:\s*\n(?:\s*\"\"\".*\"\"\"\n)?\s*return (?:messages\.)?text\(f[\"']"
                               + re.escape(prefix), source)
            assert helper, f"{path.name}: no helper reads {prefix}{{key}}"
            used |= {prefix + name for name in re.findall(helper.group(1) + r"""\(["']([\w.]+)["']""", source)}
        missing += [f"{path.name}: {key}" for key in sorted(used) if key not in known and not key.endswith(".")]
    assert not missing, missing


def test_hidden_tests_speak_through_the_catalogue():
    """No sentence written into a hidden test: fail() and hint= take catalogue keys (or detectors)."""
    for path in sorted(ENGINE.glob("hidden/*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            texts = [node.args[0]] if name == "fail" and node.args else []
            texts += [k.value for k in node.keywords if k.arg == "hint"]
            for value in texts:
                constant = value.value if isinstance(value, ast.Constant) else None
                assert not isinstance(value, ast.JoinedStr), f"{path.name}:{node.lineno}: an f-string message"
                assert constant is None or " " not in constant, f"{path.name}:{node.lineno}: {constant!r}"
