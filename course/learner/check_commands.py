"""The learner's commands on one lab: `course list`, `check`, `hint` and `diff`."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from course.engine.console import (
    LabArg,
    checks_or_exit,
    console,
    errors,
    fail,
    lab_or_exit,
    record_or_say,
    store,
)
from course.engine.links import section_url
from course.engine.registry import Bug, Lab, Promise, RegistryError, all_labs
from course.engine.runner import CheckRun
from course.engine.state import ProgressNotSaved
from course.learner.tamper import TamperScan, tamper_line

HINT_AFTER_FAILURES = 3


def print_run(run: CheckRun) -> None:
    where = run.target if run.target not in ("labs", "solutions") else f"{run.target}/{run.lab.slug}"
    console.print(f"[bold]Lab {run.lab.id} · {run.lab.title}[/]  [dim]({where})[/]")
    for result in run.results:
        if result.ok:
            console.print(f"  [green]✓[/] {result.check}")
            continue
        mark = "[yellow]?[/]" if result.outcome in ("skipped", "missing") else "[red]✗[/]"
        console.print(f"  {mark} {result.check}")
        for line in result.message.splitlines():  # the symptom, then how to reproduce it
            console.print(f"      {line}", style="dim", soft_wrap=True, markup=False)
        link = section_url(run.lab, result.check)
        if link:
            console.print(f"      [cyan]read:[/] [link={link}]{link}[/link]", soft_wrap=True)
    if run.note and not run.results:
        console.print(f"  [red]{run.note}[/]")
    summary = f"{run.passed} passed, {run.failed} failed"
    style = "bold green" if run.ok else "bold red"
    console.print(f"[{style}]{summary}[/] [dim]({run.seconds:.2f} s)[/]")


def list_labs() -> None:
    """The labs in order, with your progress from the last check of each."""
    try:
        labs = all_labs()
    except RegistryError as exc:
        raise fail(str(exc)) from None
    state = store().load()
    table = Table(title="FastAPI Boundaries", title_justify="left")
    table.add_column("lab")
    table.add_column("title")
    table.add_column("checks passing", justify="right")
    table.add_column("minutes", justify="right")
    for lab in labs:
        last = state.labs.get(lab.id)
        if last is None or not last.last_checks:
            progress = "[dim]not checked[/]"
        else:
            passing = sum(outcome == "passed" for outcome in last.last_checks.values())
            total = len(last.last_checks)
            colour = "green" if passing == total else "yellow"
            progress = f"[{colour}]{passing}/{total}[/]"
        table.add_row(lab.slug, lab.title, progress, str(lab.minutes))
    console.print(table)


def check(
    lab_key: LabArg,
    target: Annotated[str, typer.Option(help="labs, solutions, or a folder of lab copies")] = "labs",
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable verdicts")] = False,
) -> None:
    """Run a lab's checks: one line per check; exit 0 only when all pass."""
    lab = lab_or_exit(lab_key)
    scan = TamperScan()  # while the checks run
    run = checks_or_exit(lab, target)
    changes = scan.changes()
    progress = record_or_say(run) if target == "labs" else None
    if as_json:
        payload = run.to_json()
        for entry in payload["checks"]:
            entry["lesson"] = section_url(lab, entry["id"])
        payload["course_changes"] = changes
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        if changes:
            console.print(tamper_line(changes), style="yellow", soft_wrap=True, markup=False)
        print_run(run)
        if progress and not run.ok:
            stuck = max(progress.fail_streak.values(), default=0)
            if stuck >= HINT_AFTER_FAILURES:
                console.print(f"[cyan]Stuck? `course hint {lab.id}` shows a hint for the first "
                              "failing check.[/]")
    raise typer.Exit(0 if run.ok else 1)


def hint(
    lab_key: LabArg,
    which: Annotated[str | None, typer.Argument(
        metavar="[BUG_OR_CHECK]", help="a bug id or a check name from the lab; default: the "
        "first check that fails, in the order `course check` prints")] = None,
) -> None:
    """The next hint for the first failing check (and the ones you have already seen)."""
    lab = lab_or_exit(lab_key)
    note = ""
    if which is not None:  # no check run: the learner said what they are after
        asked = asked_for(lab, which)
        progress = store().load().labs.get(lab.id)
        last = progress.last_checks if progress else {}
        if last and all(last.get(check) == "passed" for check in asked.checks):
            note = f"Its checks passed at your last `course check {lab.id}`."
    else:
        run = checks_or_exit(lab)
        record_or_say(run)
        mapped = [r.check for r in run.results if not r.ok
                  and (lab.bugs_caught_by(r.check) or lab.promises_held_by(r.check))]
        if not mapped:
            console.print(f"[green]Lab {lab.id} passes every check: no hint needed.[/]")
            return
        asked = asked_for(lab, mapped[0])
    if isinstance(asked, Promise):
        # No hint hides here: the fix broke something that worked in the starter.
        console.print(f"[bold]Lab {lab.id} · the brief says this keeps working:[/] "
                      f"{asked.promise}", soft_wrap=True)
        console.print("  [dim]It worked in the starter: compare your changes with "
                      f"`git diff labs/{lab.slug}`.[/]", soft_wrap=True)
        return
    show_next_hint(lab, asked)
    if note:
        console.print(f"  [dim]{note}[/]")


def asked_for(lab: Lab, which: str) -> Bug | Promise:
    """The bug with this id, or the bug (else the promise) of this check; unknown: exit 2."""
    name = which.strip().lower().removeprefix("test_")
    bug = next((bug for bug in lab.bugs if bug.id == name), None)
    found = bug or next(iter(lab.bugs_caught_by(name)), None) or next(
        iter(lab.promises_held_by(name)), None)
    if found is None:
        bugs = ", ".join(bug.id for bug in lab.bugs)
        raise fail(f"lab {lab.id} has no bug or check {which!r}; its bugs: {bugs}; its checks: "
                   f"{', '.join(lab.learner_checks)}")
    return found


def show_next_hint(lab: Lab, bug: Bug) -> None:
    def reveal(state) -> None:
        seen = state.lab(lab.id).hints_seen
        seen[bug.id] = min(seen.get(bug.id, 0) + 1, len(bug.hints))

    try:
        state = store().update(reveal)
    except ProgressNotSaved as exc:  # the hint still shows; it is shown again next time
        errors.print(f"[yellow]warning:[/] {escape(str(exc))}", soft_wrap=True)
        state = store().load()
        reveal(state)
    shown = state.lab(lab.id).hints_seen[bug.id]
    console.print(f"[bold]Lab {lab.id} · {bug.symptom}[/]", soft_wrap=True)
    for number, text in enumerate(bug.hints[:shown], start=1):
        label = f"hint {number}/{len(bug.hints)}"
        style = "" if number == shown else "dim"
        console.print(f"  [cyan]{label}[/] {text}", style=style, soft_wrap=True)
    if shown == len(bug.hints):
        console.print("  [dim]That was the last hint for this bug.[/]")


def diff(
    lab_key: LabArg,
    force: Annotated[bool, typer.Option("--force", help="show it before the lab passes")] = False,
) -> None:
    """Your lab against the reference solution (once your lab passes)."""
    from course.engine.handout_marker import released
    from course.learner.compare import unified_diff

    lab = lab_or_exit(lab_key)
    if not released(lab.slug):
        raise fail(f"lab {lab.id}'s solution is not released yet: it comes with a later handout "
                   "from your instructor")
    if not force:
        run = checks_or_exit(lab)
        if not run.ok:
            raise fail(f"lab {lab.id} does not pass yet ({run.failed} failing); finish it first, "
                       f"or use `course diff {lab.id} --force`", code=1)
    text = unified_diff(lab.starter_dir, lab.solution_dir)
    if not text:
        console.print(f"Lab {lab.id} is identical to the solution.")
        return
    from rich.syntax import Syntax

    console.print(Syntax(text, "diff", theme="ansi_dark", background_color="default"))
