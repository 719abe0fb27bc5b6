"""Any valid Python compiles in the worker: non-ASCII and NFKC identifiers, coding lines, a BOM, CRLF.

The worker cannot read the interpreter's files (Landlock, and a uid that may not
even enter the folder Python lives in), so whatever compile() needs for these
sources (unicodedata for identifiers, a codec for each coding line) must have
been imported by the fork server. Each case is a correct 03_affine in that
form, graded for real: it must score full marks.
"""

from __future__ import annotations

import pytest

from autograder import course
from autograder.grade import grade
from autograder.sandbox import landlock
from autograder.submission import Submission

AID = "03_affine"

KOREAN = '''\
"""완전연결 계층: 출력 = x W + b."""
import numpy as np

배율 = 1.0


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x
        출력 = np.dot(x, self.W) + self.b
        return 출력 * 배율

    def backward(self, dout):
        입력_기울기 = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return 입력_기울기
'''

# Fullwidth letters: NFKC turns ｆｏｒｗａｒｄ into forward and ｏｕｔ into out (PEP 3131).
FULLWIDTH = '''\
import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W, self.b, self.x, self.dW, self.db = W, b, None, None, None

    def ｆｏｒｗａｒｄ(self, x):
        self.x = x
        ｏｕｔ = np.dot(x, self.W) + self.b
        return out

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return np.dot(dout, self.W.T)
'''

LATIN = (KOREAN.replace("완전연결 계층", "couche affine").replace("배율", "échelle")
         .replace("출력", "sortie").replace("입력_기울기", "dérivée"))


def encoded(source: str, coding: str, *, cookie: bool = True, bom: bool = False, crlf: bool = False) -> bytes:
    text = (f"# -*- coding: {coding} -*-\n" if cookie else "") + source
    if crlf:
        text = text.replace("\n", "\r\n")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(coding)


SOURCES = {
    "Korean identifiers, UTF-8": encoded(KOREAN, "utf-8", cookie=False),
    "fullwidth identifiers (NFKC)": encoded(FULLWIDTH, "utf-8", cookie=False),
    "coding: euc-kr": encoded(KOREAN, "euc-kr"),
    "coding: cp949": encoded(KOREAN, "cp949"),
    "coding: latin-1": encoded(LATIN, "latin-1"),
    "UTF-8 with a BOM and CRLF line ends": encoded(KOREAN, "utf-8", cookie=False, bom=True, crlf=True),
    "coding: utf-8 with CRLF": encoded(KOREAN, "utf-8", crlf=True),
}


@pytest.fixture(scope="module")
def assignment():
    return course.load(AID)


def test_each_source_is_what_its_name_says():
    assert SOURCES["coding: euc-kr"] != SOURCES["Korean identifiers, UTF-8"]  # not plain UTF-8 bytes
    assert SOURCES["coding: euc-kr"].decode("euc-kr").count("기울기") == 2
    assert b"\r\n" in SOURCES["UTF-8 with a BOM and CRLF line ends"]
    assert "ｆｏｒｗａｒｄ" in SOURCES["fullwidth identifiers (NFKC)"].decode()


@pytest.mark.parametrize("name", list(SOURCES))
def test_a_correct_submission_in_any_valid_source_form_scores_full(name, assignment, fork_server):
    result = grade(assignment, Submission(name, {"layers.py": SOURCES[name]}), fork_server)
    failures = [t.output for t in result.tests if t.score < t.max_score]
    assert result.score == assignment.max_score, failures[:2]
    if landlock.abi_version() >= 1:  # and that with the walls up, not around them
        assert any("Landlock" in p for p in result.protections)
