"""results/LEARNER.json: one learner's grade in PrairieLearn's external grader format, the
`results.json` its graders write (docs: "External Grading", section "Grading results").

What this writes, every field one the format documents: `gradable`; `score` (0..1, earned over
possible points); `points` and `max_points`; `message` (one line for the learner); `output`
(flags and notes); `format_errors` when nothing could be graded; and `tests`, one per check of
every lab graded, each with `name` ("01 · check_id"), `description` (the bug it catches or the
promise it holds), `points`, `max_points`, `message` (the check's verdict) and `output` (its
outcome, time and the lesson section that teaches it). A lab that could not be graded counts
for nothing either way and is said in `message`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel, Field

from course.engine.links import section_url
from course.instructor.gradebook.scores import CheckScore, LearnerScore

MESSAGE_CHARS = 2000  # per test: PrairieLearn takes a results file of at most 1 MB


class TestResult(BaseModel):
    name: str
    description: str
    points: float
    max_points: float
    message: str
    output: str


class Results(BaseModel):
    gradable: bool
    score: float | None = Field(default=None, ge=0, le=1)
    points: float = 0
    max_points: float = 0
    message: str
    output: str = ""
    format_errors: list[str] | None = None
    tests: list[TestResult] = []


def description(check: CheckScore) -> str:
    lab = check.lab
    held = [bug.symptom for bug in lab.bugs_caught_by(check.check)] or [
        f"Keeps working: {promise.promise}" for promise in lab.promises_held_by(check.check)]
    said = " ".join(held)
    return f"{said} (graded only)" if check.instructor else said


def test_result(check: CheckScore) -> TestResult:
    verdict = "passed" if check.passed else check.message or check.outcome
    lines = [f"outcome: {check.outcome} ({check.seconds:.2f} s)"]
    link = section_url(check.lab, check.check)
    if link:
        lines.append(f"read: {link}")
    return TestResult(name=f"{check.lab.id} · {check.check}", description=description(check),
                      points=check.points, max_points=check.max_points,
                      message=verdict[:MESSAGE_CHARS], output="\n".join(lines))


def results_of(learner: LearnerScore) -> Results:
    output = [*learner.flags, *learner.notes]
    if learner.missing:
        output.append(f"{learner.missing} file(s) of the course outside labs/ are not in this copy")
    if not learner.gradable:
        why = learner.problem or "; ".join(lab.note for lab in learner.labs if lab.note) \
            or "nothing could be graded"
        return Results(gradable=False, message=f"Not graded: {why}", format_errors=[why],
                       output="\n".join(output))
    tests = [test_result(check) for lab in learner.graded_labs for check in lab.checks]
    said = [f"{learner.points}/{learner.max_points} points over "
            f"{len(learner.graded_labs)} lab(s)."]
    said += [f"Lab {lab.lab.id} could not be graded: {lab.note}" for lab in learner.labs
             if not lab.graded]
    if learner.flags:
        said.append(f"{len(learner.flags)} flag(s) for the instructor.")
    score = learner.points / learner.max_points if learner.max_points else 0.0
    return Results(gradable=True, score=round(score, 4), points=learner.points,
                   max_points=learner.max_points, message=" ".join(said),
                   output="\n".join(output), tests=tests)


def file_name(learner_id: str, taken: set[str]) -> str:
    """A file name for the learner's results, safe on every system and unique in the run."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", learner_id).strip("._") or "learner"
    name, number = f"{stem}.json", 2
    while name.lower() in taken:
        name, number = f"{stem}-{number}.json", number + 1
    taken.add(name.lower())
    return name


def write_results(folder: Path, scores: list[LearnerScore]) -> dict[str, Path]:
    """One results file per learner in `folder` (emptied of earlier runs' first)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    taken: set[str] = set()
    written = {}
    for learner in scores:
        path = folder / file_name(learner.id, taken)
        payload = results_of(learner).model_dump(exclude_none=True)
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written[learner.id] = path
    return written
