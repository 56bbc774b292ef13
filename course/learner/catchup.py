"""`course catch-up NN`, `course reset NN` and `course restore`: the commands that replace a lab.

Catch-up: a learner who fell behind starts chapter NN from a working service; every earlier lab
that does not pass is backed up, then replaced by its solution. Reset: the committed starter.
A lab is replaced only once its backup is recorded where `course restore` finds it (for a reset,
until the reset is done), so an interrupted command is undone by `course restore`."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from course.engine.handout_marker import released
from course.engine.registry import Lab
from course.engine.runner import CheckRun
from course.engine.starters import export_committed
from course.engine.state import ProgressNotSaved, State, StateStore
from course.learner.backups import SKIPPED, same_tree
from course.learner.replacing import NotReplaced, replace_lab


@dataclass
class Step:
    lab: Lab
    action: str  # "passes" | "replaced" | "restored" | "missing backup" | "left"
    backup: Path | None = None
    reason: str = ""  # why a lab was left as it is, or what could not be recorded


def replace_code(lab_dir: Path, solution_dir: Path) -> None:
    """Put the solution's files in place; the brief and lab.toml stay the learner's."""
    for entry in solution_dir.iterdir():
        if entry.name == "__pycache__":
            continue
        target = lab_dir / entry.name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        if entry.is_dir():
            shutil.copytree(entry, target, ignore=SKIPPED)
        else:
            shutil.copy2(entry, target)


def with_solution(lab: Lab, scratch: Path) -> Path:
    """A copy of the lab, in `scratch`, with the solution's code in place of its own."""
    fresh = scratch / "fresh"
    if lab.starter_dir.is_dir():
        shutil.copytree(lab.starter_dir, fresh, ignore=SKIPPED)
    fresh.mkdir(exist_ok=True)
    replace_code(fresh, lab.solution_dir)
    return fresh


def catch_up(target: Lab, labs: list[Lab], check: Callable[[Lab], CheckRun],
             store: StateStore) -> list[Step]:
    steps: list[Step] = []
    for lab in (lab for lab in labs if lab.id < target.id):
        if check(lab).ok:
            steps.append(Step(lab, "passes"))
            continue
        if not released(lab.slug):
            steps.append(Step(lab, "left", reason="its solution is not released yet in this "
                                                   "handout; ask your instructor for a newer one"))
            break

        def record(backup: Path, lab: Lab = lab) -> None:
            store.update(lambda state: state.caught_up.setdefault(lab.id, str(backup)))

        try:
            backup = replace_lab(lab.starter_dir, lab.slug,
                                 lambda scratch, lab=lab: with_solution(lab, scratch), record)
        except NotReplaced as exc:
            steps.append(Step(lab, "left", reason=str(exc)))
            break  # what failed to be written would fail for the next lab too
        steps.append(Step(lab, "replaced", backup))
    return steps


def reset(lab: Lab, store: StateStore) -> Path | None:
    """The committed starter in place of the lab; returns the backup. The lab is untouched when
    this raises (NotReplaced, NoGitHistory); call `reset_done` once the learner is told."""

    def record(backup: Path) -> None:
        store.update(lambda state: state.resetting.__setitem__(lab.id, str(backup)))

    return replace_lab(lab.starter_dir, lab.slug,
                       lambda scratch: export_committed(f"labs/{lab.slug}", scratch), record)


def reset_done(lab: Lab, store: StateStore) -> None:
    """The lab's progress starts over, and `course restore` no longer undoes the reset."""

    def change(state: State) -> None:
        state.labs.pop(lab.id, None)
        state.resetting.pop(lab.id, None)

    store.update(change)


def restore(labs: list[Lab], store: StateStore) -> list[Step]:
    """Put back what catch-up replaced, or what an interrupted `course reset` had; the copy in
    place is itself backed up first."""
    steps: list[Step] = []
    state = store.load()
    for lab in labs:
        recorded = state.caught_up.get(lab.id) or state.resetting.get(lab.id)
        if recorded is None:
            continue
        backup = Path(recorded)
        if not backup.is_dir():
            steps.append(Step(lab, "missing backup", backup))
            continue
        if not (lab.starter_dir.is_dir() and same_tree(lab.starter_dir, backup)):
            try:
                replace_lab(lab.starter_dir, lab.slug, lambda scratch, backup=backup: Path(
                    shutil.copytree(backup, scratch / "fresh", ignore=SKIPPED)))
            except NotReplaced as exc:
                steps.append(Step(lab, "left", backup, str(exc)))
                break
        try:
            store.update(lambda state, lab=lab: forget(state, lab))
        except ProgressNotSaved as exc:  # done all the same; the next restore finds it in place
            steps.append(Step(lab, "restored", backup, str(exc)))
            continue
        steps.append(Step(lab, "restored", backup))
    return steps


def forget(state: State, lab: Lab) -> None:
    state.caught_up.pop(lab.id, None)
    state.resetting.pop(lab.id, None)
