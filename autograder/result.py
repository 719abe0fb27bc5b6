"""The outcome of grading one submission, and its Gradescope form.

One model, read and written one way: a TestResult is built from the
manifest's test with `TestResult.of` (points, unit and visibility come from
there), and a Result crosses every boundary (gradebook rows, a grader process,
a Dask worker) as `to_dict()` / `from_dict()`.

Two kinds of failure are kept apart. A test the submission failed has
`passed` False and its points lost; a test the engine failed on (a bug of ours,
a broken reference, a grader process that gave no answer) also carries
`grader_error`, the detail for the instructor, so that the gradebook can tell
the row apart and a rerun grades it again (report/gradebook.py `has`).
`passed` is stored, not worked out from the score: a failed test worth 0
points is not passed.

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
from .course import VISIBILITIES  # Gradescope's; a manifest chooses one per unit or test


@dataclass(frozen=True)
class TestResult:
    """One hidden test's outcome. score and max_score in points.

    `passed` left out (None) means: earned its full, positive points. The
    engine always says it (TestResult.of); the default serves hand-made rows.
    """

    __test__ = False  # not a pytest test class

    name: str
    unit: str
    score: float
    max_score: float
    output: str = ""
    visibility: str = "visible"
    hints: tuple[str, ...] = ()  # catalogue keys of the hints that fired (autograder/messages.py)
    passed: bool | None = None
    grader_error: str = ""  # not empty: the engine failed on this test, not the student (detail for instructors)

    def __post_init__(self):
        object.__setattr__(self, "output", untrusted.output(self.output))
        object.__setattr__(self, "grader_error", untrusted.output(self.grader_error))
        object.__setattr__(self, "hints", tuple(self.hints))
        if self.visibility not in VISIBILITIES:
            raise ValueError(f"visibility {self.visibility!r} is not one of {', '.join(VISIBILITIES)}")
        if self.grader_error:
            object.__setattr__(self, "passed", False)
        elif self.passed is None:
            object.__setattr__(self, "passed", self.max_score > 0 and self.score >= self.max_score)

    @classmethod
    def of(cls, test, passed: bool, output: str, hints: tuple[str, ...] = (),
           grader_error: str = "") -> TestResult:
        """The result of the manifest's `test` (course.HiddenTest): its points if passed, else 0."""
        passed = passed and not grader_error
        return cls(test.name, test.unit, test.points if passed else 0.0, test.points, output,
                   getattr(test, "visibility", "visible"), tuple(hints), passed, grader_error)

    @property
    def status(self) -> str:
        return "passed" if self.passed else "failed"

    def to_dict(self) -> dict:
        return {"name": self.name, "unit": self.unit, "score": self.score, "max_score": self.max_score,
                "output": self.output, "visibility": self.visibility, "hints": list(self.hints),
                "passed": self.passed, "grader_error": self.grader_error}

    @classmethod
    def from_dict(cls, data: dict) -> TestResult:
        """The inverse of to_dict; a dict with `status` instead of `passed` (a gradebook row) reads too."""
        passed = data.get("passed")
        if passed is None and "status" in data:
            passed = data["status"] == "passed"
        return cls(data["name"], data["unit"], float(data["score"]), float(data["max_score"]),
                   data.get("output", ""), data.get("visibility") or "visible", tuple(data.get("hints", ())),
                   None if passed is None else bool(passed), data.get("grader_error") or "")


@dataclass(frozen=True)
class Result:
    assignment: str
    submission: str
    tests: tuple[TestResult, ...]
    sha256: str = ""
    output: str = ""
    execution_time: float = 0.0  # seconds of wall clock
    protections: tuple[str, ...] = field(default_factory=tuple)
    grader_error: str = ""  # not empty: the engine failed on the whole submission (detail for instructors)

    def __post_init__(self):
        object.__setattr__(self, "submission", untrusted.name(self.submission))
        object.__setattr__(self, "output", untrusted.output(self.output))
        object.__setattr__(self, "grader_error", untrusted.output(self.grader_error))
        object.__setattr__(self, "tests", tuple(self.tests))
        object.__setattr__(self, "protections", tuple(self.protections))

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.tests), 6)

    @property
    def failed_by_grader(self) -> bool:
        """Whether the engine failed on the submission or on one of its tests: a rerun grades it again."""
        return bool(self.grader_error) or any(t.grader_error for t in self.tests)

    def to_dict(self) -> dict:
        return {"assignment": self.assignment, "submission": self.submission, "sha256": self.sha256,
                "output": self.output, "execution_time": self.execution_time,
                "protections": list(self.protections), "grader_error": self.grader_error,
                "tests": [t.to_dict() for t in self.tests]}

    @classmethod
    def from_dict(cls, data: dict) -> Result:
        return cls(data["assignment"], data["submission"],
                   tuple(TestResult.from_dict(t) for t in data.get("tests", ())),
                   data.get("sha256", ""), data.get("output", ""), float(data.get("execution_time", 0.0)),
                   tuple(data.get("protections", ())), data.get("grader_error") or "")

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
