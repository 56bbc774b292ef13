"""The integrity proof: each lab's committed starter fails, for every bug, the checks mapped to it,
and passes the checks of every promise (what the brief says keeps working); its solution passes
every check. `course verify` prints it; tests/course asserts it."""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from course.engine.registry import Bug, Lab, Promise
from course.engine.runner import CheckRun, Launcher, run_checks
from course.engine.starters import NoGitHistory, export_committed


@dataclass
class BugProof:
    bug: Bug
    outcomes: dict[str, str]  # mapped check -> outcome on the starter

    @property
    def caught(self) -> bool:
        # "failed" only: a check that errors or is missing proves nothing about the bug.
        return bool(self.outcomes) and all(o == "failed" for o in self.outcomes.values())


@dataclass
class PromiseProof:
    promise: Promise
    outcomes: dict[str, str]  # its check -> outcome on the starter

    @property
    def kept(self) -> bool:
        # The starter keeps every promise: a check failing there would blame the wrong thing.
        return bool(self.outcomes) and all(o == "passed" for o in self.outcomes.values())


@dataclass
class LabProof:
    lab: Lab
    solution: CheckRun
    starter: CheckRun | None
    starter_note: str = ""  # why the starter half was not run (no git history)

    @property
    def bugs(self) -> list[BugProof]:
        if self.starter is None:
            return []
        return [
            BugProof(bug, {check: _outcome(self.starter, check) for check in bug.checks})
            for bug in self.lab.bugs
        ]

    @property
    def promises(self) -> list[PromiseProof]:
        if self.starter is None:
            return []
        return [
            PromiseProof(promise, {check: _outcome(self.starter, check) for check in promise.checks})
            for promise in self.lab.promises
        ]

    @property
    def solution_green(self) -> bool:
        return self.solution.ok and all(
            self.solution.result(check) is not None for check in self.lab.mapped_checks)

    @property
    def ok(self) -> bool:
        # A starter half that was not graded proves nothing: the lab is not proven.
        starter_ok = self.starter is not None and (all(proof.caught for proof in self.bugs)
                                                   and all(proof.kept for proof in self.promises))
        return starter_ok and self.solution_green

    def problems(self) -> list[str]:
        found = [f"{self.lab.slug}: {self.starter_note}"] if self.starter is None else []
        found += [
            f"{self.lab.slug}: bug {proof.bug.id} is not caught in the starter: " + ", ".join(
                f"{check} {outcome}" for check, outcome in proof.outcomes.items()
                if outcome != "failed")
            for proof in self.bugs if not proof.caught
        ]
        found += [
            f"{self.lab.slug}: promise {proof.promise.id} is not kept by the starter: " + ", ".join(
                f"{check} {outcome}" for check, outcome in proof.outcomes.items()
                if outcome != "passed")
            for proof in self.promises if not proof.kept
        ]
        found += [
            f"{self.lab.slug}: solution {result.outcome} {result.check}: {result.message}"
            for result in self.solution.results if not result.ok
        ]
        if self.solution.note:
            found.append(f"{self.lab.slug}: solution run: {self.solution.note}")
        return found


def _outcome(run: CheckRun, check: str) -> str:
    result = run.result(check)
    return result.outcome if result else "missing"


def _run_committed_starter(lab: Lab, launcher: Launcher | None) -> tuple[CheckRun | None, str]:
    with tempfile.TemporaryDirectory(prefix="course-starter-") as scratch:
        try:
            starter_dir = export_committed(f"labs/{lab.slug}", Path(scratch))
        except NoGitHistory as exc:
            return None, f"starter not proven: {exc}"
        return run_checks(lab, str(starter_dir), launcher=launcher, instructor=True), ""


def prove(lab: Lab, *, worktree: bool = False, launcher: Launcher | None = None) -> LabProof:
    """Grade the starter (committed, or the working copy with `worktree`) and the solution,
    with every check: the instructor-only ones too. `launcher`: a course.engine.warm.WarmPool's, to
    run them forked from warm interpreters."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        solution = pool.submit(run_checks, lab, "solutions", launcher=launcher, instructor=True)
        if worktree:
            starter, note = pool.submit(run_checks, lab, "labs", launcher=launcher,
                                        instructor=True).result(), ""
        else:
            starter, note = pool.submit(_run_committed_starter, lab, launcher).result()
        return LabProof(lab, solution.result(), starter, note)
