"""Each solution's grade, once per test process: several tests assert on it, each its own property.

Grading is most of the suite's time, and several test files asserted something of the same grade of a
solution (full marks; no bug detector matching correct code). Here each solution is graded once per
process, secret and language, together with the "hint." keys any detector matched on the way (every Hint
is made by hints.hint, which looks its key up with messages.has). A Result is a frozen dataclass, so no
test can change what another sees. The tests that read it carry the xdist group `solution-<assignment>`
(`solution_params`), so that under `make test`'s two processes they run in the same one and share it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from autograder import course, messages
from autograder.grade import grade
from autograder.result import Result
from autograder.submission import load


@dataclass(frozen=True)
class Graded:
    result: Result
    matched_hints: frozenset[str]  # the "hint." keys any detector matched while grading, shown or not


_GRADES: dict[tuple, Graded] = {}


def solution_params(ids=None) -> list:
    """pytest.param per assignment, grouped so that the tests of one solution's grade share a process."""
    return [pytest.param(aid, marks=pytest.mark.xdist_group(f"solution-{aid}"))
            for aid in (ids or course.assignment_ids())]


def solution(aid: str, fork_server) -> Graded:
    """The grade of `aid`'s solution under the secret and language of the environment, graded once."""
    key = (aid, os.environ.get("AUTOGRADER_SECRET"), os.environ.get("AUTOGRADER_LANG"))
    if key not in _GRADES:
        assignment = course.load(aid)
        matched, has = [], messages.has

        def recording(name):
            if name.startswith("hint."):
                matched.append(name)
            return has(name)

        messages.has = recording
        try:
            result = grade(assignment, load(assignment.solution_folder, assignment.student_files), fork_server)
        finally:
            messages.has = has
        _GRADES[key] = Graded(result, frozenset(matched))
    return _GRADES[key]
