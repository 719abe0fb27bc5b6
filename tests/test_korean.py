"""Korean for Korean students: particles chosen per word, no fill-in forms, no English words outside code.

The catalogue's Korean sentences pick a particle after a field with the field's
format spec ({kind:이} -> "클래스가", "함수가"); messages.particle() chooses the
form from the filled value's last sound. What `check --lang ko` prints for the
stubs and the mutants is scanned as a reader would: no 을(를)-style form, and no
English word that is not a name from the code, a number, or a known technical
term (tests/public_runs.py's TERMS).
"""

from __future__ import annotations

import os
import re
import string
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder import course, messages
from autograder.assign import release

from .public_runs import FILL_IN, ROOT, code_words, korean_problems, mutants, public_run
from .test_check import solution

IDS = course.assignment_ids()


# -- the particle helper

@given(st.integers(0, 10_000 // 1).map(lambda i: chr(0xAC00 + i % 11172)), st.sampled_from(["을", "이", "은", "과"]))
def test_a_particle_after_hangul_follows_the_final_consonant(syllable, form):
    has_final = (ord(syllable) - 0xAC00) % 28 != 0
    pair = dict(messages.PARTICLES)
    expected = form if has_final else pair[form]
    assert messages.particle("값" + syllable, form) == expected
    assert messages.particle("값" + syllable, pair[form]) == expected  # either form names the pair


@pytest.mark.parametrize("word, form, expected", [
    ("클래스", "이", "가"), ("함수", "이", "가"), ("파일", "을", "을"), ("배열", "으로", "로"), ("상태", "으로", "로"),
    ("값", "으로", "으로"), ("3", "으로", "으로"), ("1", "으로", "로"), ("2", "이", "가"), ("(3,)", "을", "을"),
    ("grads[0]", "을", "을"), ("dx", "를", "를"), ("dW", "를", "를"), ("N", "이", "이"), ("Affine", "을", "을"),
    ("forward", "를", "를"), ("Affine.backward(dout)", "이", "이"), ("Affine.backward", "이", "가"), ("Embedding", "와", "과"), ("model", "을", "을"),
    ("one_hot", "을", "을"), ("dout", "이", "이"), ("predict", "을", "를"), ("mask", "을", "를"), ("stack", "으로", "으로"),
])
def test_a_particle_after_code_and_numbers_follows_how_they_are_read(word, form, expected):
    assert messages.particle(word, form) == expected


def test_a_field_with_a_particle_spec_fills_with_the_right_form():
    assert messages.text("check.missing_name", "ko", file="layers.py", kind="클래스", name="Affine") \
        == "layers.py 파일에 Affine 클래스가 없습니다. 이름을 바꾸거나 지우지 않았는지 확인하세요."
    assert "Affine 클래스가" in messages.text("check.missing_name_close", "ko", file="layers.py", kind="클래스",
                                             name="Affine", close="AffineLayer")


# -- the catalogue

def korean_sentences():
    return messages.catalogue("ko").items()


def test_no_korean_sentence_has_a_fill_in_particle_a_semicolon_or_a_translated_word():
    wrong = {}
    for key, sentence in korean_sentences():
        problems = [what for what, found in (("fill-in particle", FILL_IN.search(sentence)),
                                             ("semicolon", ";" in sentence), ("숨은 (say 비공개)", "숨은" in sentence),
                                             ("단원 (say 유닛)", "단원" in sentence)) if found]
        if problems:
            wrong[key] = problems
    assert not wrong, wrong


def test_every_particle_spec_names_a_particle_and_english_sentences_use_none():
    forms = {form for pair in messages.PARTICLES for form in pair}
    for lang in messages.LANGS:
        for key, sentence in messages.catalogue(lang).items():
            for _, field, spec, _ in string.Formatter().parse(sentence):
                if field is not None and spec:
                    assert lang == "ko" and spec in forms, f"{lang}: {key}: {{{field}:{spec}}}"


def test_no_korean_sentence_ends_an_instruction_with_a_comma_and_code():
    """English order, "do this, code", reads as translated: Korean puts the code first ("code처럼 쓰세요")."""
    pattern = re.compile(r"(?:하세요|입니다|쓰세요|빼세요|더하세요|나누세요),\s")
    wrong = [key for key, sentence in korean_sentences() if pattern.search(sentence)]
    assert not wrong, wrong


# -- what check prints in Korean

def test_the_scan_finds_fill_in_particles_and_english_words():
    allowed = {"Affine", "dx"}
    assert korean_problems("Affine을(를) 확인하세요.", allowed)
    assert korean_problems("Embedding.backward: grads[0] after a second backward", allowed)
    assert not korean_problems("Affine.backward: 두 번째 backward 뒤의 grads[0]", allowed)
    assert not korean_problems("Affine.backward 메서드에서 ValueError 예외가 발생했습니다: shapes not aligned", allowed)


def scan(aid: str, entries: list, tmp_path, monkeypatch) -> dict:
    allowed = code_words(aid)
    found = {}
    for i, entry in enumerate(entries):
        run = public_run(aid, entry, tmp_path / str(i), "ko", monkeypatch)
        body = run.text.split("\n", 1)[1]  # the header: the manifest's title and the folder, data not sentences
        problems = korean_problems(body, allowed)
        if problems:
            found[entry["name"] if entry else "stub"] = problems
    return found


@pytest.mark.parametrize("aid", IDS)
def test_check_in_korean_on_the_stub_and_a_hinted_mutant_reads_as_korean(aid, tmp_path, monkeypatch):
    hinted = [e for e in mutants(aid) if e.get("hint")][:2]
    assert not scan(aid, [None, *hinted], tmp_path, monkeypatch)


@pytest.mark.slow  # every mutant of every assignment through check --lang ko: minutes, run in CI
@pytest.mark.parametrize("aid", IDS)
def test_check_in_korean_on_every_mutant_reads_as_korean(aid, tmp_path, monkeypatch):
    assert not scan(aid, mutants(aid), tmp_path, monkeypatch)


def test_the_readme_shows_a_real_korean_check_output(tmp_path):
    """README.md's Korean example is what `check --lang ko` prints for that submission today, and reads as Korean."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("$ python -m autograder check --lang ko\n", 1)[1].split("\n```", 1)[0]
    assert not korean_problems(shown.split("\n", 1)[1], code_words("03_affine"))
    place = tmp_path / "03_affine"
    for name, data in release.students_tree([course.load("03_affine")]).items():
        if name.startswith("students/03_affine/"):
            path = place / name.split("/", 2)[2]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    source = solution("03_affine").replace("self.db = np.sum(dout, axis=0)", "self.db = np.sum(dout)")
    source = source.replace("dx = np.dot(dout, self.W.T)", "dx = np.dot(dout, self.W)")
    (place / "layers.py").write_text("".join(line for line in source.splitlines(keepends=True) if "### " not in line),
                                     encoding="utf-8")
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("AUTOGRADER_LANG", "LC_ALL", "LC_MESSAGES", "FORCE_COLOR", "COLUMNS")}
    run = subprocess.run([sys.executable, "-m", "autograder", "check", "--lang", "ko"], cwd=place, capture_output=True,
                         text=True, timeout=300, env={**environment, "LANG": "C.UTF-8"}, encoding="utf-8")
    assert run.returncode == 1
    assert run.stdout.rstrip("\n").replace(str(place), "/tmp/03_affine") == shown
