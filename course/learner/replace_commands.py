"""The learner's commands that replace labs: `course reset`, `catch-up` and `restore`, each
backing up the learner's work first and saying so in one line when interrupted."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer
from rich.markup import escape

from course.engine.console import (
    LabArg,
    checks_or_exit,
    console,
    errors,
    fail,
    lab_or_exit,
    store,
)
from course.engine.registry import all_labs
from course.engine.state import ProgressNotSaved


def reset(lab_key: LabArg) -> None:
    """Restore a lab's starter; your copy is backed up first under .course/backups/."""
    from course.engine.starters import NoGitHistory, has_git_history
    from course.learner.catchup import reset as reset_lab
    from course.learner.catchup import reset_done
    from course.learner.replacing import NotReplaced

    lab = lab_or_exit(lab_key)
    if not has_git_history():
        raise fail("this copy has no git history, so the starter cannot be restored; "
                   "nothing was changed")
    with restorable():
        try:
            backup = reset_lab(lab, store())
        except NotReplaced as exc:
            raise fail(f"labs/{lab.slug} was left as it is: {exc}") from None
        except NoGitHistory as exc:
            raise fail(f"{exc}; your lab is untouched") from None
        if backup:
            console.print(f"Your work on lab {lab.id} is saved in {backup}")
        console.print(f"[green]labs/{lab.slug} is back to its starter.[/]")
        try:
            reset_done(lab, store())
        except ProgressNotSaved as exc:
            errors.print(f"[yellow]warning:[/] {escape(str(exc))}", soft_wrap=True)


def catch_up_command(lab_key: LabArg) -> None:
    """Fell behind? Bring every earlier lab that does not pass to its solution (backed up first)."""
    from course.learner.catchup import catch_up

    target = lab_or_exit(lab_key)
    with restorable():
        steps = catch_up(target, all_labs(), checks_or_exit, store())
    for step in steps:
        if step.action == "passes":
            console.print(f"  [green]✓[/] lab {step.lab.id} already passes: left as it is")
        elif step.action == "replaced":
            console.print(f"  [yellow]→[/] lab {step.lab.id} now runs the solution; your work is "
                          f"in {step.backup}", soft_wrap=True)
        else:
            raise fail(f"lab {step.lab.id} was left as it is: {step.reason}")
    if not steps:
        console.print(f"Lab {target.id} is the first lab: nothing to catch up.")
    console.print(f"[bold]Ready for lab {target.id} · {target.title}.[/] "
                  "`course restore` puts your own versions back.")


def restore() -> None:
    """Put back the labs that `course catch-up` replaced with solutions."""
    from course.learner.backups import partial_backups
    from course.learner.catchup import restore as restore_labs

    with restorable():
        steps = restore_labs(all_labs(), store())
    for partial in partial_backups():
        console.print(f"  [yellow]![/] {partial} is an incomplete backup (its copy was cut "
                      "short): never restored from", soft_wrap=True)
    if not steps:
        console.print("Nothing to restore: `course catch-up` has not replaced any lab.")
    for step in steps:
        if step.action == "restored":
            console.print(f"  [green]✓[/] lab {step.lab.id}: your version is back (from {step.backup})")
            if step.reason:
                errors.print(f"[yellow]warning:[/] {escape(step.reason)}", soft_wrap=True)
        elif step.action == "left":
            raise fail(f"lab {step.lab.id} was left as it is: {step.reason}")
        else:
            console.print(f"  [red]✗[/] lab {step.lab.id}: the backup {step.backup} is gone")


@contextlib.contextmanager
def restorable() -> Iterator[None]:
    """A Ctrl-C during a command that replaces labs: one clear line instead of a traceback."""
    try:
        yield
    except KeyboardInterrupt:
        errors.print("interrupted: every lab is whole; one that is not your version any more "
                     "comes back with `course restore`", soft_wrap=True)
        raise typer.Exit(130) from None
