"""Grading one mutant (`course verify --mutants`, course/proof/mutants.py): a copy of the
solution with the mutation applied, graded as `course check NN --target COPY` grades it; first,
once a check has killed mutants of the same file, by that check alone (`Killers`)."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from course.engine.check_command import RunnerError
from course.engine.registry import Lab
from course.engine.runner import CheckRun, run_checks
from course.engine.warm import WarmPool

# What a check run leaves behind in a lab folder, and what does not change a check's verdict.
NOT_HASHED = ("__pycache__", ".pytest_cache")


@dataclass(frozen=True)
class Mutant:
    """One mutation of one solution file: where, which operator, the line before and after."""

    job_id: str
    file: str  # relative to the lab folder: app/middleware.py
    operator: str
    occurrence: int
    line: int
    before: str
    after: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What identifies a mutant across runs, however the lines around it move."""
        return (self.file, self.operator, self.before, self.after)

    def __str__(self) -> str:
        return f"{self.file}:{self.line} {self.operator.removeprefix('core/')}"


@dataclass
class MutantResult:
    mutant: Mutant
    killed: bool
    caught_by: str = ""  # the first check that failed
    message: str = ""
    seconds: float = 0.0


def mutated_copy(lab: Lab, mutant: Mutant, root: Path) -> Path:
    """root/NN-slug: the solution with this one mutation applied (and no bytecode cache)."""
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.plugins import get_operator

    copy = root / lab.slug
    shutil.copytree(lab.solution_dir, copy,
                    ignore=shutil.ignore_patterns(*NOT_HASHED, "*.pyc", "*.db"))
    target = copy / mutant.file
    operator = get_operator(mutant.operator)()
    mutated = mutate_code(target.read_text(encoding="utf-8"), operator, mutant.occurrence)
    if mutated is None:
        raise RunnerError(f"{mutant}: cosmic-ray no longer finds this mutation")
    target.write_text(mutated, encoding="utf-8")
    return copy


# --------------------------------------------------------------------------- running them


class Killers:
    """Which check has killed the mutants of each file so far in a run. A mutant is graded
    first by its file's likeliest killer alone: most mutants of a file fall to the same check,
    and one check costs a fraction of the lab's run (a lab that starts servers spends tens of
    seconds on the rest). Only a check that passes alone on the unmutated solution is asked
    first, so its failure is the mutant's doing; a mutant it lets through is graded by every
    check, as `course check` grades it. The verdict is the one a full run gives: killed when
    some check fails."""

    def __init__(self, lab: Lab, pool: WarmPool) -> None:
        self.lab, self.pool = lab, pool
        self.kills: dict[str, Counter[str]] = defaultdict(Counter)
        self.alone: dict[str, bool] = {}  # check -> passes alone on the solution
        self.lock = threading.Lock()
        self.asked = self.caught = 0  # grading by one check: tried, and killed by it

    def likeliest(self, file: str) -> str | None:
        with self.lock:
            ranked = [check for check, _ in self.kills[file].most_common()]
        return next((check for check in ranked if self.passes_alone(check)), None)

    def passes_alone(self, check: str) -> bool:
        with self.lock:  # one baseline a check, whichever thread asks first
            if check not in self.alone:
                run = run_checks(self.lab, "solutions", launcher=self.pool.launch, only=(check,))
                self.alone[check] = run.ok and [r.check for r in run.results] == [check]
            return self.alone[check]

    def killed(self, file: str, check: str) -> None:
        with self.lock:
            self.kills[file][check] += 1

    def count(self, caught: bool) -> None:
        with self.lock:
            self.asked += 1
            self.caught += caught


def grade_mutant(lab: Lab, mutant: Mutant, pool: WarmPool,
                 killers: Killers | None = None) -> MutantResult:
    """`course check NN --target COPY` for a copy of the solution with this mutation (first its
    file's likeliest killer alone, with `killers`)."""
    with tempfile.TemporaryDirectory(prefix="course-mutant-") as scratch:
        mutated_copy(lab, mutant, Path(scratch))
        first = killers.likeliest(mutant.file) if killers else None
        started = time.monotonic()
        try:
            if first is not None:
                alone = run_checks(lab, scratch, launcher=pool.launch, only=(first,))
                killers.count(caught=not alone.ok)
                if not alone.ok:
                    return _verdict(mutant, alone, time.monotonic() - started, killers)
            run = run_checks(lab, scratch, launcher=pool.launch)
        except RunnerError as exc:  # pytest could not even run the checks: noticed
            return MutantResult(mutant, True, "(no check ran)", str(exc))
    return _verdict(mutant, run, time.monotonic() - started, killers)


def _verdict(mutant: Mutant, run: CheckRun, seconds: float,
             killers: Killers | None) -> MutantResult:
    failing = next((result for result in run.results if not result.ok), None)
    if failing is None and run.ok:
        return MutantResult(mutant, False, seconds=seconds)
    if failing is not None and killers is not None:
        killers.killed(mutant.file, failing.check)
    return MutantResult(mutant, True, failing.check if failing else "(no verdict)",
                        failing.message if failing else run.note, seconds)
