"""What the class did, from the gradebook: pass rates, scores, frequent hinted bugs.

    analyse(gradebook, assignment) -> ClassStats

Only each student's newest submission of the assignment counts, so a student
who resubmitted after fixing a bug is counted as they stand now. The numbers
are computed here and only drawn or printed elsewhere (histogram.py,
instructor.py), so that tests can check them on a hand-made gradebook.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from .gradebook import Gradebook


@dataclass(frozen=True)
class TestRate:
    __test__ = False  # not a pytest test class

    unit: str
    name: str
    passed: int     # students whose newest submission passed this test
    students: int   # students whose newest submission ran it

    @property
    def rate(self) -> float:
        return self.passed / self.students if self.students else 0.0


@dataclass(frozen=True)
class HintCount:
    key: str
    students: int   # students whose newest submission made this hint fire, in any test


@dataclass(frozen=True)
class ClassStats:
    assignment: str
    max_score: float
    scores: dict[str, float]          # student -> score of their newest submission
    rates: tuple[TestRate, ...]       # in the order the tests ran
    hints: tuple[HintCount, ...]      # most students first, then by key

    @property
    def mean(self) -> float:
        return statistics.fmean(self.scores.values()) if self.scores else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.scores.values()) if self.scores else 0.0

    @property
    def full_marks(self) -> int:
        return sum(score >= self.max_score for score in self.scores.values())

    def hardest(self) -> TestRate | None:
        """The test the fewest students passed (the first such, in test order); None without tests.
        Several may share that rate: hardest_tests() gives them all."""
        return min(self.rates, key=lambda r: r.rate) if self.rates else None

    def hardest_tests(self) -> tuple[TestRate, ...]:
        """Every test the fewest students passed, in test order: more than one when they tie."""
        if not self.rates:
            return ()
        lowest = min(r.rate for r in self.rates)
        return tuple(r for r in self.rates if r.rate == lowest)


def analyse(gradebook: Gradebook, assignment: str) -> ClassStats:
    latest = gradebook.latest(assignment)
    scores = {row["student"]: row["score"] for row in latest}
    max_score = max((row["max_score"] for row in latest), default=0.0)
    counts: dict[tuple[str, str], list[int]] = {}
    fired: dict[str, set[str]] = {}
    for row in gradebook.latest_tests(assignment):
        tally = counts.setdefault((row["unit"], row["name"]), [0, 0])
        tally[0] += row["status"] == "passed"
        tally[1] += 1
        for key in row["hints"]:
            fired.setdefault(key, set()).add(row["student"])
    rates = tuple(TestRate(unit, name, passed, total) for (unit, name), (passed, total) in counts.items())
    hints = tuple(sorted((HintCount(key, len(students)) for key, students in fired.items()),
                         key=lambda h: (-h.students, h.key)))
    return ClassStats(assignment, max_score, scores, rates, hints)
