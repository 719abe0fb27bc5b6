"""The message catalogue: both languages hold the same keys and the same fields."""

import string

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
