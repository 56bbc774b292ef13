"""Mutation testing of a lab's checks (`course verify --mutants`): cosmic-ray mutates the
solution, one small change at a time, and the lab's checks must notice every one.

cosmic-ray finds and applies the mutations (its operators, and its session database in
.course/mutants/, which `cr-report` reads). Each mutant is a copy of the solution with one
mutation, graded exactly as `course check NN --target COPY` grades it, in warm interpreters,
one per core. A mutant that passes every check has survived. Once a check has killed mutants of
a file, that file's next mutants are tried by that check alone first (`Killers`): a kill there
is the full run's verdict too, at a fraction of its cost.

A lab whose service grows from an earlier lab's (`grows_from` in lab.toml) is measured on what it
adds or changes: a mutant on a line carried unchanged from the earlier solution (same file, same
line, found by difflib) was measured by the earlier lab's record and is only counted here, as
`carried`. Otherwise every later lab's checks would have to re-prove every earlier chapter.

Survivors are triaged in tests/course/mutants/NN-slug.toml, each with a one-line reason:
`equivalent` (no client could tell it from the solution: left out of the score) or `survived`
(a hole the checks do not catch yet: counted against it). The file also records a hash of
everything the score depends on, so the course's own tests notice when it has gone stale. The
record itself, which the Labs page reads too, is course/engine/mutation_record.py.
"""
from __future__ import annotations

import difflib
import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from course.engine.check_command import RunnerError, check_path_for
from course.engine.mutation_record import MutantsRecord, Triage
from course.engine.paths import CHECKS_DIR, STATE_DIR
from course.engine.registry import Lab, find_lab
from course.engine.runner import run_checks
from course.engine.warm import WarmPool
from course.proof.mutant_grading import NOT_HASHED, Killers, Mutant, MutantResult, grade_mutant

# What does not change a check's verdict, besides what a check run leaves behind (NOT_HASHED).
NOT_HASHED_SUFFIXES = (".pyc", ".db", ".db-journal", ".sqlite3")
NOT_HASHED_NAMES = ("README.md", "lab.toml")


# --------------------------------------------------------------------------- what the score rests on


def _hashed_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part in NOT_HASHED for part in relative.parts) or not path.is_file():
            continue
        if path.suffix in NOT_HASHED_SUFFIXES or path.name in NOT_HASHED_NAMES:
            continue
        yield path


def content_hash(lab: Lab, starter_dir: Path) -> str:
    """sha256 of the solution, the given starter, the lab's check module, the check harness and
    the checks' conftest and settings (file names and bytes): what a mutation score depends
    on."""
    check_path = check_path_for(lab.slug)
    roots = {"solution": lab.solution_dir, "starter": starter_dir,
             "harness": CHECKS_DIR / "harness", "checks": check_path}
    earlier = earlier_solution(lab)
    if earlier is not None:  # what counts as carried depends on it
        roots["grown-from"] = earlier
    digest = hashlib.sha256()
    for name, root in roots.items():
        files = [root] if root.is_file() else list(_hashed_files(root))
        for path in files:
            relative = path.name if root.is_file() else path.relative_to(root).as_posix()
            digest.update(f"{name}/{relative}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    for settings in ("conftest.py", "pytest.toml"):  # the timeout and filters decide too
        digest.update(settings.encode() + b"\0" + (CHECKS_DIR / settings).read_bytes())
    return f"sha256:{digest.hexdigest()}"


# --------------------------------------------------------------------------- finding mutants


def find_mutants(lab: Lab, session: Path) -> list[Mutant]:
    """Every mutation cosmic-ray's operators make in the solution's Python files, stored in a
    fresh cosmic-ray session database at `session`."""
    from cosmic_ray.commands.init import init
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.plugins import get_operator
    from cosmic_ray.work_db import WorkDB, use_db

    modules = sorted(path for path in (lab.solution_dir / "app").rglob("*.py")
                     if "__pycache__" not in path.parts)
    session.parent.mkdir(parents=True, exist_ok=True)
    sources = {path: path.read_text(encoding="utf-8") for path in modules}
    found: list[Mutant] = []
    with use_db(str(session), WorkDB.Mode.create) as work_db:
        init(modules, work_db, {})
        for item in work_db.pending_work_items:
            spec = item.mutations[0]
            path = Path(spec.module_path)
            operator = get_operator(spec.operator_name)(**(spec.operator_args or {}))
            try:
                mutated = mutate_code(sources[path], operator, spec.occurrence)
            except AttributeError:
                # cosmic-ray's ExceptionReplacer renames only bare names: on a dotted one in an
                # except tuple (`except (jwt.PyJWTError, ValueError)`) it raises instead.
                mutated = None
            if mutated is None:
                continue
            line, before, after = _changed_lines(sources[path], mutated)
            found.append(Mutant(item.job_id, path.relative_to(lab.solution_dir).as_posix(),
                                spec.operator_name, spec.occurrence, line, before, after))
    return sorted(found, key=lambda m: (m.file, m.line, m.operator, m.occurrence))


def earlier_solution(lab: Lab) -> Path | None:
    """The solution this lab's service grows from (`grows_from`), if it names one."""
    return find_lab(lab.grows_from).solution_dir if lab.grows_from else None


def carried_lines(solution: Path, earlier: Path, file: str) -> set[int]:
    """The line numbers of `file` in `solution` that are lines of the same file in `earlier`,
    unchanged and in the same place among their neighbours."""
    before = earlier / file
    if not before.is_file():
        return set()
    old = before.read_text(encoding="utf-8").splitlines()
    new = (solution / file).read_text(encoding="utf-8").splitlines()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return {j + 1 for _, j, size in matcher.get_matching_blocks() for j in range(j, j + size)}


def without_carried(lab: Lab, mutants: list[Mutant]) -> tuple[list[Mutant], int]:
    """The mutants this lab's record measures, and how many were carried from `grows_from`."""
    earlier = earlier_solution(lab)
    if earlier is None:
        return mutants, 0
    lines: dict[str, set[int]] = {}
    measured = [mutant for mutant in mutants if mutant.line not in lines.setdefault(
        mutant.file, carried_lines(lab.solution_dir, earlier, mutant.file))]
    return measured, len(mutants) - len(measured)


def _changed_lines(original: str, mutated: str) -> tuple[int, str, str]:
    old, new = original.splitlines(), mutated.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            before = "\n".join(line.strip() for line in old[i1:i2])
            after = "\n".join(line.strip() for line in new[j1:j2])
            return i1 + 1, before, after
    return 0, "", ""


@dataclass
class MutantRun:
    mutants: list[Mutant]  # the ones measured
    results: list[MutantResult]
    carried: int = 0  # left to the record of the lab this one grows from
    asked_one: int = 0  # mutants graded first by their file's likeliest killer alone
    caught_by_one: int = 0  # ... and killed by it, with no full run
    seconds: float = 0.0  # wall time of the whole run


def run_mutants(lab: Lab, workers: int | None = None,
                on_result: Callable[[MutantResult, int, int], None] = lambda *_: None,
                ) -> MutantRun:
    """Grades the unmutated solution first (it must pass), then every mutant it measures,
    `workers` at a time. The results are stored in cosmic-ray's session database too."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult

    began = time.monotonic()
    session = STATE_DIR / "mutants" / f"{lab.slug}.sqlite"
    mutants, carried = without_carried(lab, find_mutants(lab, session))
    pool = WarmPool()
    try:
        baseline = run_checks(lab, "solutions", launcher=pool.launch)
        if not baseline.ok:
            failing = ", ".join(r.check for r in baseline.results if not r.ok) or baseline.note
            raise RunnerError(f"the solution of lab {lab.id} does not pass its own checks "
                              f"({failing}); mutants would prove nothing")
        results: list[MutantResult] = []
        workers = workers or os.cpu_count() or 1
        killers = Killers(lab, pool)
        with ThreadPoolExecutor(max_workers=workers) as threads, \
                use_db(str(session), WorkDB.Mode.open) as work_db:
            futures = [threads.submit(grade_mutant, lab, mutant, pool, killers)
                       for mutant in mutants]
            for future in as_completed(futures):
                result = future.result()
                results.append(result)
                outcome = TestOutcome.KILLED if result.killed else TestOutcome.SURVIVED
                work_db.set_result(result.mutant.job_id, WorkResult(
                    worker_outcome=WorkerOutcome.NORMAL, test_outcome=outcome,
                    output=f"{result.caught_by}: {result.message}" if result.killed else "",
                    diff=f"- {result.mutant.before}\n+ {result.mutant.after}"))
                on_result(result, len(results), len(mutants))
    finally:
        pool.close()
    order = {mutant.job_id: index for index, mutant in enumerate(mutants)}
    return MutantRun(mutants, sorted(results, key=lambda r: order[r.mutant.job_id]), carried,
                     killers.asked, killers.caught, time.monotonic() - began)


def triaged_record(lab: Lab, results: Iterable[MutantResult],
                   previous: MutantsRecord | None, carried: int = 0) -> MutantsRecord:
    """The new record: counts from this run; each survivor keeps the status and reason it was
    given before (matched by file, operator and the lines changed), new ones arrive untriaged."""
    known = {entry.key: entry for entry in (previous.triage if previous else [])}
    results = list(results)
    triage = []
    for result in results:
        if result.killed:
            continue
        mutant = result.mutant
        earlier = known.get(mutant.key)
        triage.append(Triage(mutant.file, mutant.line, mutant.operator, mutant.before,
                             mutant.after, earlier.status if earlier else "survived",
                             earlier.reason if earlier else ""))
    return MutantsRecord(content=content_hash(lab, lab.starter_dir), mutants=len(results),
                         killed=sum(result.killed for result in results), triage=triage,
                         carried=carried)
