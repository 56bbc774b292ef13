"""The maintainer's command: `course verify` (the integrity proof), `course verify --mutants`
(mutation testing of the checks) and `course verify --variants` (the right and wrong fixes the
checks are proven to judge), each with its table or record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from course.engine.check_command import RunnerError
from course.engine.console import (
    console,
    fail,
    lab_or_exit,
)
from course.engine.paths import REPO_ROOT
from course.engine.registry import Lab, RegistryError, all_labs

if TYPE_CHECKING:
    from course.proof.mutants import MutantRun


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
    variants: Annotated[bool, typer.Option(
        "--variants", help="grade every variant of the labs' fixes, right and wrong (slow; "
        "rewrites tests/course/variant-records/NN-slug.toml)")] = False,
) -> None:
    """Maintainers: prove every starter fails each of its bugs and every solution passes."""
    try:
        labs = [lab_or_exit(lab_key)] if lab_key else all_labs()
    except RegistryError as exc:
        raise fail(str(exc)) from None
    if mutants:
        verify_mutants(labs, workers)
        return
    if variants:
        verify_variants(labs)
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
    from course.engine.mutation_record import SCORE_GOAL, load_record, write_record
    from course.proof.mutants import triaged_record

    all_good = True
    for lab in labs:
        run = mutant_results(lab, workers)
        record = triaged_record(lab, run.results, load_record(lab), run.carried)
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
        carried = (f" ({record.carried} more on lines carried unchanged from lab "
                   f"{lab.grows_from}, measured by its record)" if record.carried else "")
        console.print(f"lab {lab.id}: {record.mutants} mutants{carried}, {record.equivalent} "
                      f"equivalent; recorded in {path.relative_to(REPO_ROOT)}", soft_wrap=True)
        console.print(f"{run.caught_by_one} of them killed by their file's likeliest killer "
                      f"alone ({run.asked_one} tried that way), the rest graded by every check; "
                      f"{run.seconds:.0f} s of grading", soft_wrap=True)
        console.print(f"[bold {'green' if good else 'red'}]{record.score_line()}[/]")
    if not all_good:
        raise typer.Exit(1)


def verify_variants(labs: list[Lab]) -> None:
    """Grade every variant of each lab, show the misjudged ones, and record the verdicts."""
    import tempfile
    from pathlib import Path

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from course.engine.starters import NoGitHistory, export_committed
    from course.proof.variant_grading import VariantRuns, lab_variants
    from course.proof.variant_record import content_hash, write_record

    all_good = True
    for lab in labs:
        declared = lab_variants(lab)
        if not declared:
            console.print(f"[yellow]lab {lab.id} declares no variants[/]")
            all_good = False
            continue
        with tempfile.TemporaryDirectory(prefix="course-variants-") as scratch:
            try:  # hashed before grading: a file changed meanwhile leaves the record stale
                content = content_hash(lab, export_committed(f"labs/{lab.slug}", Path(scratch)))
            except NoGitHistory as exc:
                raise fail(f"the variants of lab {lab.id} are not graded: {exc}") from None
        columns = (TextColumn(f"lab {lab.id} variants"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[wrong]} misjudged"), TimeElapsedColumn())
        with VariantRuns(declared) as runs, Progress(*columns, console=console,
                                                     transient=True) as progress:
            task = progress.add_task("variants", total=len(declared), wrong=0)
            verdicts, wrong = [], []
            for variant in declared:
                verdict = runs.result(variant)
                verdicts.append(verdict)
                if problem := verdict.misjudged(variant):
                    wrong.append(problem)
                progress.update(task, advance=1, wrong=len(wrong))
        path = write_record(lab, content, declared, verdicts)
        for problem in wrong:
            console.print(f"[red]✗[/] {problem}", soft_wrap=True)
        all_good = all_good and not wrong
        seconds = sum(verdict.seconds for verdict in verdicts)
        console.print(f"lab {lab.id}: {len(declared) - len(wrong)}/{len(declared)} variants "
                      f"judged as declared ({seconds:.0f} s of grading); recorded in "
                      f"{path.relative_to(REPO_ROOT)}", soft_wrap=True)
    if not all_good:
        raise typer.Exit(1)


def mutant_results(lab: Lab, workers: int | None) -> MutantRun:
    """Every mutant the lab's record measures, graded, with a progress bar meanwhile."""
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
            return run_mutants(lab, workers, on_result=tick)
        except RunnerError as exc:
            raise fail(str(exc)) from None
