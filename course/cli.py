"""`course`: the learner's and the maintainer's command line.

Exit codes: 0 all good, 1 checks failed (or the proof did not hold), 2 usage or infrastructure
errors (unknown lab, malformed lab.toml, missing check module, no git history for a reset).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from course.engine import ports
from course.engine.launch import RunnerError
from course.engine.links import section_url
from course.engine.paths import REPO_ROOT
from course.engine.registry import Bug, Lab, Promise, RegistryError, all_labs, find_lab
from course.engine.runner import CheckRun, run_checks
from course.engine.state import LabProgress, ProgressNotSaved, StateStore, record_run
from course.learner.tamper import TamperScan, tamper_line

app = typer.Typer(
    help="FastAPI Boundaries: run the labs' checks, get hints, compare with the solution.",
    no_args_is_help=True, add_completion=False, rich_markup_mode=None,
)
console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

LabArg = Annotated[str, typer.Argument(help="lab number (3, 03), slug, or a unique prefix of it")]
HINT_AFTER_FAILURES = 3


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


@app.command("list")
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


@app.command()
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


@app.command()
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


@app.command()
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


@app.command()
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


@app.command()
def verify(
    lab_key: Annotated[str | None, typer.Argument(
        help="one lab (number, slug or prefix); default: every lab")] = None,
    worktree: Annotated[bool, typer.Option(
        "--worktree", help="prove the working copy of labs/ instead of the last commit")] = False,
    mutants: Annotated[bool, typer.Option(
        "--mutants", help="mutation-test the checks: mutate the solution, the checks must notice "
        "(slow; rewrites tests/course/mutants/NN-slug.toml)")] = False,
    workers: Annotated[int | None, typer.Option(
        help="mutants graded at once (default: one per core)")] = None,
) -> None:
    """Maintainers: prove every starter fails each of its bugs and every solution passes."""
    try:
        labs = [lab_or_exit(lab_key)] if lab_key else all_labs()
    except RegistryError as exc:
        raise fail(str(exc)) from None
    if mutants:
        verify_mutants(labs, workers)
        return
    from course.engine.warm import WarmPool
    from course.proof.integrity import prove

    table = Table(title="Integrity: starters broken by each bug and keeping each promise, "
                        "solutions green")
    for column in ("lab", "bug", "checks", "caught", "solution"):
        table.add_column(column, overflow="fold")
    problems: list[str] = []
    solutions_green = True
    unproven: list[str] = []  # why a lab's starter half could not be graded
    with WarmPool() as pool:  # the labs' checks, forked from warm interpreters as watch's are
        for lab in labs:
            try:
                proof = prove(lab, worktree=worktree, launcher=pool.launch)
            except RunnerError as exc:
                raise fail(str(exc)) from None
            solutions_green = solutions_green and proof.solution_green
            if proof.starter is None:
                unproven.append(proof.starter_note.removeprefix("starter not proven: "))
            green = "[green]green[/]" if proof.solution_green else "[red]red[/]"
            if proof.starter is None:
                table.add_row(lab.slug, "—", "—", f"[yellow]{proof.starter_note}[/]", green)
            for index, bug_proof in enumerate(proof.bugs):
                caught = "[green]yes[/]" if bug_proof.caught else "[red]NO[/]"
                table.add_row(lab.slug if index == 0 else "", bug_proof.bug.id,
                              "\n".join(bug_proof.bug.checks), caught, green if index == 0 else "")
            for promise_proof in proof.promises:
                kept = "[green]kept[/]" if promise_proof.kept else "[red]BROKEN[/]"
                table.add_row("", f"promise: {promise_proof.promise.id}",
                              "\n".join(promise_proof.promise.checks), kept, "")
            table.add_section()
            problems += proof.problems()
    console.print(table)
    for problem in problems:
        console.print(f"[red]✗[/] {problem}", soft_wrap=True)
    if unproven:
        raise fail(f"the starters' half is not proven ({unproven[0]}; `course verify --worktree` "
                   "grades the working copy of labs/ instead); the solutions' half: "
                   + ("green" if solutions_green else "red (above)"))
    if problems:
        raise typer.Exit(1)
    console.print(f"[bold green]{len(labs)} lab{'' if len(labs) == 1 else 's'} proven.[/]")


def verify_mutants(labs: list[Lab], workers: int | None) -> None:
    from course.proof.mutants import SCORE_GOAL, load_record, triaged_record, write_record

    all_good = True
    for lab in labs:
        record = triaged_record(lab, mutant_results(lab, workers), load_record(lab))
        path = write_record(lab, record)
        table = Table(title=f"Lab {lab.id} · mutants the checks let through", title_justify="left")
        for column in ("where", "operator", "mutation", "status", "reason"):
            table.add_column(column, overflow="fold")
        status = {"equivalent": "[dim]equivalent[/]", "survived": "[red]survived[/]"}
        for entry in sorted(record.triage, key=lambda e: (e.file, e.line)):
            table.add_row(f"{entry.file}:{entry.line}", entry.operator.removeprefix("core/"),
                          f"{entry.before} → {entry.after or '(removed)'}",
                          status[entry.status], entry.reason or "[yellow]not triaged[/]")
        if record.triage:
            console.print(table)
        untriaged = record.untriaged()
        if untriaged:
            console.print(f"[yellow]{len(untriaged)} survivor(s) without a reason: kill each with "
                          f"a better check, or give it a status and a reason in {path}[/]",
                          soft_wrap=True)
        good = record.score >= SCORE_GOAL and not untriaged
        all_good = all_good and good
        console.print(f"lab {lab.id}: {record.mutants} mutants, {record.equivalent} equivalent; "
                      f"recorded in {path.relative_to(REPO_ROOT)}", soft_wrap=True)
        console.print(f"[bold {'green' if good else 'red'}]{record.score_line()}[/]")
    if not all_good:
        raise typer.Exit(1)


def mutant_results(lab: Lab, workers: int | None) -> list:
    """Every mutant of the lab's solution graded, with a progress bar meanwhile."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from course.proof.mutants import run_mutants

    columns = (TextColumn(f"lab {lab.id} mutants"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[survived]} survived"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("mutants", total=None, survived=0)
        survived = 0

        def tick(result, done: int, total: int) -> None:
            nonlocal survived
            survived += not result.killed
            progress.update(task, completed=done, total=total, survived=survived)

        try:
            return run_mutants(lab, workers, on_result=tick)[1]
        except RunnerError as exc:
            raise fail(str(exc)) from None


@app.command()
def watch(
    lab_key: Annotated[str | None, typer.Argument(
        help="lab to start with; default: the first one that does not pass")] = None,
    poll: Annotated[bool | None, typer.Option(
        "--poll/--events", help="poll for changes (WSL, containers, network drives) or use "
        "file events; default: chosen for this machine")] = None,
) -> None:
    """Re-check the lab on every save; move on to the next lab when it passes."""
    from course.engine.warm import available as warm_available
    from course.engine.warm import serving_engine
    from course.learner.watch import watch as watch_labs

    labs = all_labs()

    def passed(lab: Lab) -> bool:
        # Read afresh: a `course reset` or `check` in another terminal changes it meanwhile.
        progress = store().load().labs.get(lab.id)
        return bool(progress and progress.last_checks
                    and all(o == "passed" for o in progress.last_checks.values()))

    first = lab_or_exit(lab_key) if lab_key else next(
        (lab for lab in labs if not passed(lab)), labs[0])
    with contextlib.ExitStack() as stack:
        launcher = stack.enter_context(serving_engine()).launch if warm_available() else None

        def check_and_record(lab: Lab) -> CheckRun:
            try:
                run = run_checks(lab, launcher=launcher)
            except RunnerError as exc:
                raise fail(str(exc)) from None
            record_or_say(run)
            return run

        watch_labs(first, labs, check_and_record, passed, poll=poll, console=console)


@app.command("catch-up")
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


@app.command()
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


@app.command()
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


@app.command()
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


@app.command()
def start(
    port: Annotated[int, typer.Option(
        help="port on 127.0.0.1 (0: any free one)")] = ports.SITE_PORT,
    build: Annotated[bool, typer.Option(help="rebuild the site first")] = True,
) -> None:
    """Build the site and serve it on http://127.0.0.1:PORT with your lab progress."""
    from course.engine.links import announce_site
    from course.engine.warm import available as warm_available
    from course.engine.warm import serving_engine
    from course.learner.server import PortTaken, claim_port, serve
    from course.website.site_build import build_site

    try:
        sock = claim_port(port)  # before anything is built or printed
    except PortTaken as exc:
        raise fail(str(exc)) from None
    with contextlib.closing(sock), contextlib.ExitStack() as stack:
        if build:
            console.print("Building the site…")
            try:
                build_site()
            except RuntimeError as exc:
                raise fail(str(exc)) from None
        list_labs()
        if warm_available():  # `course check` in other terminals starts warm meanwhile
            stack.enter_context(serving_engine())
        url = ports.site_url(sock.getsockname()[1])
        console.print(f"[bold]The course is at {url}/[/]  (Ctrl-C stops it)", soft_wrap=True)
        with announce_site(url):  # `read:` links in other terminals follow this port
            serve(sock)


def main() -> None:
    try:
        app()
    except RegistryError as exc:  # a lab.toml broke mid-command
        errors.print(f"error: {exc}")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
