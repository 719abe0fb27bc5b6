"""The outcome of grading one submission, and its Gradescope form.

A Result holds text a submission chose (its name, exception messages inside a
test's output). Each source cleans its own on the way in (autograder/untrusted.py);
a Result cleans its text fields once more when it is made, however it was made
(grade(), an executor's failure row, a gradebook read back), so that every
output can rely on it: no control or escape character, no lone surrogate, each
field bounded. Escaping markup stays the business of each output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from . import untrusted


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest test class

    name: str
    unit: str
    score: float
    max_score: float
    output: str = ""
    visibility: str = "visible"
    hints: tuple[str, ...] = ()  # catalogue keys of the hints that fired (autograder/messages.py)

    def __post_init__(self):
        object.__setattr__(self, "output", untrusted.output(self.output))

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score

    @property
    def status(self) -> str:
        return "passed" if self.passed else "failed"


@dataclass(frozen=True)
class Result:
    assignment: str
    submission: str
    tests: tuple[TestResult, ...]
    sha256: str = ""
    output: str = ""
    execution_time: float = 0.0
    protections: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self):
        object.__setattr__(self, "submission", untrusted.name(self.submission))
        object.__setattr__(self, "output", untrusted.output(self.output))

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.tests), 6)

    def to_gradescope(self) -> dict:
        """Gradescope's results.json schema (top-level score, tests[] with name/score/...)."""
        lines = [self.output] if self.output else []
        if self.protections:
            lines.append("Sandbox: " + ", ".join(self.protections) + ".")
        return {
            "score": self.score,
            "output": "\n".join(lines),
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "execution_time": round(self.execution_time, 3),
            "tests": [
                {
                    "name": f"{t.unit}: {t.name}",
                    "score": t.score,
                    "max_score": t.max_score,
                    "status": t.status,
                    "output": t.output,
                    "visibility": t.visibility,
                    "tags": [t.unit],
                    "number": str(i),
                }
                for i, t in enumerate(self.tests, 1)
            ],
        }


def write_json(result: Result, path: Path) -> None:
    """Write results.json atomically, so a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    # Korean stays readable (no ensure_ascii); a Result's text has no lone surrogate, and should
    # one come in by another way, "replace" still writes the file rather than raise.
    partial.write_text(json.dumps(result.to_gradescope(), indent=2, ensure_ascii=False), encoding="utf-8",
                       errors="replace")
    partial.replace(path)
