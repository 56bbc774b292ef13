"""`course grade ROSTER... [--out DIR] [--labs 01-05]`: a room graded, with a progress bar
meanwhile, a summary after, and (with --out) the gradebook written.

Exit codes: 0 when the room was graded, whatever the learners' results; 2 when it could not be
(no sandbox, a roster entry that is no learner, an unknown lab, checks that cannot run).
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from course.engine.check_command import RunnerError
from course.engine.registry import Lab, RegistryError, all_labs
from course.engine.starters import NoGitHistory
from course.instructor.grade import Engine
from course.instructor.gradebook import prairielearn, tables
from course.instructor.gradebook.report import write_report
from course.instructor.gradebook.room import Graded, RoomProgress, grade_room
from course.instructor.gradebook.roster import Learner, RosterError, entries_of, open_learner
from course.instructor.gradebook.scores import LearnerScore, class_rates, learner_score
from course.instructor.gradebook.selection import labs_selected
from course.instructor.grading_sandbox import NoSandbox


class CannotGrade(Exception):
    """Nothing was graded; the message is one line (exit 2)."""


def progress_bar(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.fields[learners]} learners"), TimeElapsedColumn(),
                    TextColumn("ETA"), TimeRemainingColumn(), console=console)


def running_now(progress: RoomProgress) -> str:
    if not progress.running:
        return "grading" if progress.pairs_done < progress.pairs else "graded"
    learner, lab = progress.running[-1]
    more = f" (+{len(progress.running) - 1})" if len(progress.running) > 1 else ""
    return f"{escape(learner)} · lab {lab}{more}"


def grade_with_progress(engine: Engine, learners: list[Learner], labs: list[Lab], workers: int,
                        console: Console) -> list[Graded]:
    with progress_bar(console) as bar:
        task = bar.add_task("grading", total=None, learners=f"0/{len(learners)}")

        def show(progress: RoomProgress) -> None:
            bar.update(task, total=progress.pairs, completed=progress.pairs_done,
                       description=running_now(progress),
                       learners=f"{progress.learners_done}/{progress.learners}")

        return grade_room(engine, learners, labs, workers, show)


def summary(scores: list[LearnerScore], labs: list[Lab]) -> Table:
    table = Table(title="Grades", title_justify="left")
    for column in ("learner", *(f"lab {lab.id}" for lab in labs), "total", "flags"):
        table.add_column(column, overflow="fold")
    for learner in scores:
        cells = []
        for lab in labs:
            score = learner.lab(lab.id)
            if score is None or not score.graded:
                cells.append("[yellow]not graded[/]")
                continue
            style = "green" if score.points == score.max_points else "red"
            cells.append(f"[{style}]{score.points}/{score.max_points}[/]")
        total = f"{learner.points}/{learner.max_points}" if learner.gradable else "—"
        said = [learner.problem] if learner.problem else []
        said += [*learner.flags, *(lab.note for lab in learner.labs if lab.graded and lab.note)]
        shown = "; ".join(escape(line) for line in said[:3])
        more = f" (+{len(said) - 3} more)" if len(said) > 3 else ""
        table.add_row(escape(learner.id), *cells, total, f"[yellow]{shown}{more}[/]")
    return table


def write_outputs(out: Path, scores: list[LearnerScore], labs: list[Lab]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    rates = class_rates(scores, labs)
    written = [tables.write_csv(out / "gradebook.csv", tables.gradebook_rows(scores, labs)),
               tables.write_csv(out / "checks.csv", tables.check_rows(scores))]
    prairielearn.write_results(out / "results", scores)
    written.append(out / "results")
    written.append(write_report(out / "report.html", scores, labs, rates, datetime.now()))
    return written


def run(roster: list[Path], *, out: Path | None, lab_specs: list[str], sandboxed: bool,
        json_file: Path | None, workers: int | None, console: Console) -> None:
    """Grade the room and write what was asked for; CannotGrade when nothing could be graded."""
    try:
        entries = entries_of(roster)
        labs, notes = labs_selected(lab_specs, all_labs())
    except (RosterError, RegistryError) as exc:
        raise CannotGrade(str(exc)) from None
    for note in notes:
        console.print(f"[dim]{escape(note)}[/]", soft_wrap=True)
    workers = workers or os.cpu_count() or 1
    try:
        engine = Engine(sandboxed=sandboxed, workers=workers)
    except NoSandbox as exc:
        raise CannotGrade(f"no sandbox can be made here: {exc}. Grading without one lets a lab's "
                          "code forge its verdicts; pass --unsandboxed to grade anyway") from None
    except NoGitHistory as exc:
        raise CannotGrade(f"the instructor's checks are read from this checkout's last commit: "
                          f"{exc}") from None
    with engine, tempfile.TemporaryDirectory(prefix="course-roster-") as scratch:
        if not sandboxed:
            console.print("[bold yellow]graded without a sandbox:[/] a lab's code could reach "
                          "its verdicts", soft_wrap=True)
        learners = [open_learner(entry, Path(scratch)) for entry in entries]
        try:
            graded = grade_with_progress(engine, learners, labs, workers, console)
        except RunnerError as exc:
            raise CannotGrade(str(exc)) from None
        scores = [learner_score(one, labs) for one in graded]
        if not any(score.gradable for score in scores):
            console.print(summary(scores, labs))
            raise CannotGrade("no learner's copy could be graded (see the table)")
        console.print(summary(scores, labs))
        if json_file is not None:
            json_file.write_text(json.dumps(
                [{**one.grade.to_json(), "learner": one.learner.id} for one in graded
                 if one.grade is not None], indent=2))
        if out is not None:
            written = write_outputs(out, scores, labs)
            console.print("Wrote " + ", ".join(str(path) for path in written), soft_wrap=True)
