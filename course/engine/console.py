"""The command line's common ground, for every part's commands (course/cli.py assembles them):
one console for the output and one for errors, the lab argument, and the few steps every command
takes the same way (find the lab, run its checks, remember the verdicts) with their one-line
failures."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from course.engine.check_command import RunnerError
from course.engine.registry import Lab, RegistryError, find_lab
from course.engine.runner import CheckRun, run_checks
from course.engine.state import LabProgress, ProgressNotSaved, StateStore, record_run

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

LabArg = Annotated[str, typer.Argument(help="lab number (3, 03), slug, or a unique prefix of it")]


def fail(message: str, code: int = 2) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    return typer.Exit(code)


def lab_or_exit(key: str) -> Lab:
    try:
        return find_lab(key)
    except RegistryError as exc:
        raise fail(str(exc)) from None


def checks_or_exit(lab: Lab, target: str = "labs") -> CheckRun:
    try:
        return run_checks(lab, target)
    except RunnerError as exc:
        raise fail(str(exc)) from None


def store() -> StateStore:
    return StateStore()


def record_or_say(run: CheckRun) -> LabProgress | None:
    """Remember the run's verdicts; when they cannot be saved the verdicts still stand."""
    try:
        return record_run(store(), run.lab.id, {r.check: r.outcome for r in run.results})
    except ProgressNotSaved as exc:
        errors.print(f"[yellow]warning:[/] your progress was not saved ({escape(str(exc))})",
                     soft_wrap=True)
        return None
