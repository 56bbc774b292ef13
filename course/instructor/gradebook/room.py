"""A room graded: every selected lab of every learner's copy, through the grading engine, a few
at once, with word of each (learner, lab) as it starts and ends.

The engine grades one (copy, lab) pair per call here, so that progress can be told lab by lab;
the pairs run side by side, `workers` at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from course.engine.check_command import RunnerError
from course.engine.registry import Lab
from course.engine.runner import CheckRun
from course.instructor.grade import Engine, LabGrade, LearnerGrade
from course.instructor.gradebook.roster import Learner


@dataclass
class Graded:
    learner: Learner
    grade: LearnerGrade | None  # None: nothing of theirs could be graded
    failures: dict[str, str] = field(default_factory=dict)  # lab id -> why it was not graded

    def lab_grade(self, lab: Lab) -> LabGrade | None:
        if self.grade is None or lab.id in self.failures:
            return None
        return next((graded for graded in self.grade.labs if graded.lab.id == lab.id), None)


@dataclass
class RoomProgress:
    """What a run has done so far, for whoever shows it."""

    pairs: int
    learners: int
    pairs_done: int = 0
    learners_done: int = 0
    running: list[tuple[str, str]] = field(default_factory=list)  # (learner id, lab id)


Listener = Callable[[RoomProgress], None]


def grade_room(engine: Engine, learners: list[Learner], labs: list[Lab], workers: int,
               on_progress: Listener | None = None) -> list[Graded]:
    """Each learner's grade, in roster order. A learner without a copy is not graded; a lab the
    engine could not run at all is kept out of their grade, with the reason."""
    gradable = [learner for learner in learners if learner.copy is not None]
    progress = RoomProgress(pairs=len(gradable) * len(labs), learners=len(learners))
    progress.learners_done = len(learners) - len(gradable)
    lock = threading.Lock()
    left = {learner.id: len(labs) for learner in gradable}
    done: dict[tuple[str, str], LearnerGrade | str] = {}

    def tell() -> None:
        if on_progress is not None:
            on_progress(progress)

    def one(learner: Learner, lab: Lab) -> LearnerGrade | str:
        with lock:
            progress.running.append((learner.id, lab.id))
            tell()
        assert learner.copy is not None
        try:
            return engine.grade([learner.copy], [lab])[0]
        except RunnerError as exc:
            return f"the checks could not run: {exc}"

    tell()
    pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="course-grade")
    try:
        futures = {pool.submit(one, learner, lab): (learner, lab)
                   for learner in gradable for lab in labs}
        for future in as_completed(futures):
            learner, lab = futures[future]
            with lock:
                done[(learner.id, lab.id)] = future.result()
                progress.running.remove((learner.id, lab.id))
                progress.pairs_done += 1
                left[learner.id] -= 1
                progress.learners_done += left[learner.id] == 0
                tell()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return [merged(learner, labs, done) for learner in learners]


def merged(learner: Learner, labs: list[Lab],
           done: dict[tuple[str, str], LearnerGrade | str]) -> Graded:
    """One learner's grade from the engine's one-lab grades of them."""
    if learner.copy is None:
        return Graded(learner, None)
    failures: dict[str, str] = {}
    lab_grades: list[LabGrade] = []
    first: LearnerGrade | None = None
    for lab in labs:
        graded = done[(learner.id, lab.id)]
        if isinstance(graded, str):
            failures[lab.id] = graded
            lab_grades.append(LabGrade(lab, CheckRun(lab, str(learner.copy), [], 0.0, graded)))
            continue
        first = first or graded
        lab_grades += graded.labs
    if first is None:
        return Graded(learner, None, failures)
    return Graded(learner, LearnerGrade(learner.copy, lab_grades, first.tampered, first.sandboxed),
                  failures)
