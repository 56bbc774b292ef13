"""The engine's verdicts as points: what each check is worth is lab.toml's (`[checks.<id>]
points`, 1 unless said), and a check earns its points only when it passed.

Flags never change a score: a tampered copy is graded by the instructor's checks like any
other, and the flags stand beside its points for the instructor to judge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from course.engine.registry import Lab
from course.instructor.gradebook.room import Graded

# Paths the engine reports outside labs/ that were changed or added: those are flags. Files a
# copy lacks (a handout has no solutions/) are only counted: they cannot change a verdict.
MISSING = "missing: "


@dataclass(frozen=True)
class CheckScore:
    lab: Lab
    check: str
    outcome: str  # passed, failed, error, skipped, missing
    message: str
    seconds: float
    bugs: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    @property
    def max_points(self) -> int:
        return self.lab.points_of(self.check)

    @property
    def points(self) -> int:
        return self.max_points if self.passed else 0

    @property
    def instructor(self) -> bool:
        return self.lab.check(self.check).instructor


@dataclass
class LabScore:
    lab: Lab
    checks: list[CheckScore]
    flags: list[str]
    note: str  # why some or all checks have no verdict
    graded: bool  # False: the lab could not be graded, and counts for nothing either way

    @property
    def points(self) -> int:
        return sum(check.points for check in self.checks)

    @property
    def max_points(self) -> int:
        return self.lab.points_possible


@dataclass
class LearnerScore:
    id: str
    labs: list[LabScore]
    tampered: list[str] = field(default_factory=list)  # changed or added outside labs/
    missing: int = 0  # course files outside labs/ the copy does not have
    problem: str = ""  # why nothing of theirs was graded
    notes: list[str] = field(default_factory=list)
    sandboxed: bool = True

    @property
    def graded_labs(self) -> list[LabScore]:
        return [lab for lab in self.labs if lab.graded]

    @property
    def gradable(self) -> bool:
        return bool(self.graded_labs)

    @property
    def points(self) -> int:
        return sum(lab.points for lab in self.graded_labs)

    @property
    def max_points(self) -> int:
        return sum(lab.max_points for lab in self.graded_labs)

    @property
    def flags(self) -> list[str]:
        """Everything an instructor should look at, learner-wide first."""
        return [*self.tampered, *(f"lab {lab.lab.id}: {flag}" for lab in self.labs
                                  for flag in lab.flags)]

    def lab(self, lab_id: str) -> LabScore | None:
        return next((lab for lab in self.labs if lab.lab.id == lab_id), None)


def lab_score(lab: Lab, graded: Graded) -> LabScore:
    grade = graded.lab_grade(lab)
    if grade is None:
        why = graded.failures.get(lab.id) or graded.learner.problem or "not graded"
        return LabScore(lab, [], [], why, graded=False)
    by_check = {result.check: result for result in grade.run.results}
    checks = []
    for check in lab.mapped_checks:
        result = by_check.get(check)
        if result is None:  # no verdict at all: the lab folder is missing, say
            checks.append(CheckScore(lab, check, "missing", grade.run.note, 0.0,
                                     tuple(bug.id for bug in lab.bugs_caught_by(check))))
            continue
        checks.append(CheckScore(lab, check, result.outcome, result.message, result.seconds,
                                 tuple(result.bugs)))
    return LabScore(lab, checks, list(grade.flags), grade.run.note, graded=True)


def learner_score(graded: Graded, labs: list[Lab]) -> LearnerScore:
    grade = graded.grade
    tampered = [line for line in (grade.tampered if grade else []) if not line.startswith(MISSING)]
    missing = sum(line.startswith(MISSING) for line in (grade.tampered if grade else []))
    return LearnerScore(graded.learner.id, [lab_score(lab, graded) for lab in labs], tampered,
                        missing, graded.learner.problem, list(graded.learner.notes),
                        grade.sandboxed if grade else True)


@dataclass(frozen=True)
class CheckRate:
    """How the room did on one check: which checks the room is stuck on."""

    lab: Lab
    check: str
    passed: int
    graded: int

    @property
    def rate(self) -> float | None:
        return self.passed / self.graded if self.graded else None


def class_rates(scores: list[LearnerScore], labs: list[Lab]) -> list[CheckRate]:
    rates = []
    for lab in labs:
        for check in lab.mapped_checks:
            seen = [next(c for c in lab_score.checks if c.check == check)
                    for learner in scores
                    if (lab_score := learner.lab(lab.id)) is not None and lab_score.graded]
            rates.append(CheckRate(lab, check, sum(c.passed for c in seen), len(seen)))
    return rates
