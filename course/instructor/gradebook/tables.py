"""The room as CSV: gradebook.csv for the LMS, checks.csv for the instructor's own analysis.

gradebook.csv has one header row and one row per learner: the learner's id, then one column of
points per lab and a total, each a plain number (what an LMS grade import reads), its header
naming the lab and the points possible, `01 The front desk stalls (11 points)`. A lab that could
not be graded is left empty, so an import leaves that grade alone instead of recording a 0.

checks.csv has one row per learner and check, with its outcome, points, time, bugs and flags.
"""

from __future__ import annotations

import csv
from pathlib import Path

from course.engine.registry import Lab
from course.instructor.gradebook.scores import LearnerScore

GRADEBOOK_LEARNER = "learner"
CHECK_COLUMNS = ("learner", "lab", "check", "outcome", "points", "max_points", "seconds", "bugs",
                 "instructor_only", "flags", "message")
JOINED = " | "  # between the items of one cell (bugs, flags)


def lab_column(lab: Lab) -> str:
    return f"{lab.id} {lab.title} ({lab.points_possible} points)"


def gradebook_rows(scores: list[LearnerScore], labs: list[Lab]) -> list[list[str]]:
    possible = sum(lab.points_possible for lab in labs)
    rows = [[GRADEBOOK_LEARNER, *map(lab_column, labs), f"Total ({possible} points)"]]
    for learner in scores:
        cells = []
        for lab in labs:
            score = learner.lab(lab.id)
            cells.append(str(score.points) if score is not None and score.graded else "")
        rows.append([learner.id, *cells, str(learner.points) if learner.gradable else ""])
    return rows


def check_rows(scores: list[LearnerScore]) -> list[list[str]]:
    rows = [list(CHECK_COLUMNS)]
    for learner in scores:
        for lab in learner.labs:
            flags = JOINED.join([*learner.tampered, *lab.flags])
            if not lab.graded:
                rows.append([learner.id, lab.lab.id, "", "not graded", "", "", "", "", "",
                             flags, lab.note])
                continue
            for check in lab.checks:
                rows.append([learner.id, lab.lab.id, check.check, check.outcome,
                             str(check.points), str(check.max_points), f"{check.seconds:.2f}",
                             JOINED.join(check.bugs), "yes" if check.instructor else "no",
                             flags, check.message])
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    return path
