"""The instructor's commands: `course grade` (a room of learner copies graded) and `course
handout` (the learner's bundle)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from course.engine.console import (
    console,
    errors,
    fail,
)


def grade(
    roster: Annotated[list[Path], typer.Argument(
        metavar="ROSTER...", help="learner copies of the course (each a folder holding labs/), "
        "their .zip files or git bundles (.bundle), or folders of those; a learner's id is the "
        "folder's or the archive's name")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="write the gradebook here: gradebook.csv, checks.csv, report.html and "
        "results/LEARNER.json (PrairieLearn's results.json)")] = None,
    labs: Annotated[list[str] | None, typer.Option(
        "--labs", "--lab", help="the labs to grade: 01-05, 1,3, or a lab's name (repeatable); "
        "default: every lab")] = None,
    unsandboxed: Annotated[bool, typer.Option(
        "--unsandboxed", help="where no sandbox can be made: grade anyway, in plain processes "
        "(the labs' code could then forge its verdicts; every result says so)")] = False,
    json_file: Annotated[Path | None, typer.Option(
        "--json", help="also write every result to this file as JSON")] = None,
    workers: Annotated[int | None, typer.Option(
        help="labs graded at once (default: one per core)")] = None,
) -> None:
    """Instructors: grade a room of learner copies with the last commit's checks (instructor-only
    ones included), each lab's code in a sandbox that cannot reach the verdicts."""
    from course.instructor.gradebook.command import CannotGrade, run

    try:
        run(roster, out=out, lab_specs=labs or [], sandboxed=not unsandboxed,
            json_file=json_file, workers=workers, console=console)
    except CannotGrade as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        errors.print("interrupted: nothing was written", soft_wrap=True)
        raise typer.Exit(130) from None


def handout(
    out: Annotated[Path, typer.Argument(help="a new (or empty) folder for the handout; OUT.zip "
                                        "is written beside it")],
    release: Annotated[str | None, typer.Option(
        help="chapters whose solutions go with it: 01-03, 1,2, a slug; default: none")] = None,
    wheels: Annotated[bool, typer.Option(
        "--wheels", help="add a wheelhouse, so `make start` installs with no network")] = False,
    wheels_for: Annotated[list[str] | None, typer.Option(
        "--wheels-for", metavar="PLATFORM", help="only this platform (repeatable): linux-x86_64, "
        "linux-aarch64, macos-arm64, macos-x86_64, windows-amd64, or `this`; default: the four "
        "desktop ones but linux-aarch64")] = None,
    wheels_python: Annotated[list[str] | None, typer.Option(
        "--wheels-python", metavar="X.Y", help="only this Python (repeatable); default: 3.11, "
        "3.12 and 3.13")] = None,
) -> None:
    """Instructors: the learner's bundle from the last commit, as a fresh git repository and a
    zip: no unreleased solutions, no instructor-only checks, no instructor notes."""
    from course.instructor.handout import HandoutError
    from course.instructor.handout_build import build
    from course.instructor.handout_pages import PagesError
    from course.instructor.wheel_targets import targets
    from course.instructor.wheelhouse import TargetResult, WheelhouseError

    try:
        chosen = targets(wheels_for, wheels_python) if wheels or wheels_for or wheels_python else []
    except ValueError as exc:
        raise fail(str(exc)) from None
    if chosen:
        console.print(f"Wheelhouse for {len(chosen)} machine{'s' if len(chosen) > 1 else ''}, "
                      "downloaded with pip (minutes: pip reads one index page after the other)",
                      soft_wrap=True)

    def said(result: TargetResult) -> None:
        if result.complete:
            console.print(f"  [green]✓[/] {result.target.name}: {len(result.wheels)} wheels")
        for name, (installed, taken) in result.substituted.items():
            console.print(f"    {name} {taken} there: {installed}, the version installed here, has "
                          "no wheel for it", style="dim", soft_wrap=True)
        for requirement, why in result.missing.items():
            console.print(f"  [yellow]![/] {result.target.name}: no wheel of {requirement} ({why}); "
                          "installs there need the network (`make start WHEELS=`)", soft_wrap=True)

    try:
        with console.status("Making the handout…") as status:
            built = build(out, release, chosen, on_wheels=said, on_target=lambda target: status.update(
                f"Downloading the wheels for {target.name}…"))
    except (HandoutError, PagesError, WheelhouseError) as exc:
        raise fail(str(exc)) from None
    tree = built.tree
    console.print(f"[bold]Handout of the course at {built.made_from[:10]}[/] (its last commit"
                  + ("; your uncommitted changes are not in it)" if built.dirty else ")"),
                  soft_wrap=True)
    console.print("  solutions released: " + (", ".join(lab.slug for lab in tree.released) or "none")
                  + "; not released yet: " + (", ".join(lab.slug for lab in tree.withheld) or "none"),
                  soft_wrap=True)
    console.print("  left out: " + "; ".join(tree.left_out), soft_wrap=True, markup=False)
    console.print(f"{built.out}: a git repository, one commit ({built.commit[:10]}), "
                  f"{len(tree.files)} files" + (", a wheelhouse in wheels/" if chosen else ""),
                  soft_wrap=True)
    console.print(f"{built.zip_path}: {built.zip_path.stat().st_size / 1e6:.1f} MB, the same "
                  "repository", soft_wrap=True)
