"""`course catch-up NN` and `course restore`: a learner who fell behind starts chapter NN from a
working service; every earlier lab that does not pass is backed up, then replaced by its solution."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from course.backups import back_up
from course.locks import exclusive
from course.registry import Lab
from course.runner import CheckRun
from course.state import StateStore


@dataclass
class Step:
    lab: Lab
    action: str  # "passes" | "replaced" | "restored" | "missing backup"
    backup: Path | None = None


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
            shutil.copytree(entry, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(entry, target)


def catch_up(target: Lab, labs: list[Lab], check: Callable[[Lab], CheckRun],
             store: StateStore) -> list[Step]:
    steps: list[Step] = []
    for lab in (lab for lab in labs if lab.id < target.id):
        if check(lab).ok:
            steps.append(Step(lab, "passes"))
            continue
        with exclusive("labs"):
            backup = back_up(lab.starter_dir, lab.slug)
            replace_code(lab.starter_dir, lab.solution_dir)
        store.update(lambda state, lab=lab, backup=backup:
                     state.caught_up.setdefault(lab.id, str(backup)))
        steps.append(Step(lab, "replaced", backup))
    return steps


def restore(labs: list[Lab], store: StateStore) -> list[Step]:
    """Put back what catch-up replaced; the caught-up copies are themselves backed up first."""
    steps: list[Step] = []
    recorded = store.load().caught_up
    for lab in (lab for lab in labs if lab.id in recorded):
        backup = Path(recorded[lab.id])
        if not backup.is_dir():
            steps.append(Step(lab, "missing backup", backup))
            continue
        with exclusive("labs"):
            back_up(lab.starter_dir, lab.slug)
            shutil.rmtree(lab.starter_dir, ignore_errors=True)
            shutil.copytree(backup, lab.starter_dir)
        store.update(lambda state, lab=lab: state.caught_up.pop(lab.id, None))
        steps.append(Step(lab, "restored", backup))
    return steps
