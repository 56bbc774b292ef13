"""Building and grading a lab's variants (tests/course/variants/NN-slug.toml): other correct
fixes, which every check must pass, and wrong ones, which named checks must catch.

A variant is either a few exact text edits of the reference solution (each must match once, so
a drifting solution is noticed):

    [[variant]]
    name = "offload-with-anyio"
    why = "anyio.to_thread.run_sync is as good a way off the event loop as run_in_threadpool"
    accepted = true                       # every check must pass
    [[variant.edit]]
    file = "app/routes/patients.py"
    old = "await run_in_threadpool("
    new = "await anyio.to_thread.run_sync("

or a whole fix of the committed starter, as a unified diff in tests/course/variants/NN-slug/
(the blind red team's patches, written from the brief and the starter alone):

    [[variant]]
    name = "single-insurer-thread"
    why = "a pool of one thread keeps /health free, but every lookup queues behind the last"
    accepted = false
    caught_by = ["health_answers_while_insurer_is_slow"]
    patch = "single-insurer-thread.patch"

A rejected variant (`accepted = false`) names the checks that must catch it: `caught_by = [...]`.

A lab whose checks judge two halves of it (lab 06: its service, and its own tests) may say which
checks an accepted variant that edits only one half leaves out: the checks that read only the
other half, which the reference solution's own grading proves (course verify):

    [[scope]]
    under = "app/"                        # every edit is in a file under app/
    skips = ["your_tests_catch_the_mistakes"]

`course verify --variants` grades them all and records the verdicts (course/proof/
variant_record.py); `make test` checks that record and grades a sample again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
import tomllib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from course.engine.paths import VARIANTS_DIR
from course.engine.registry import Lab, find_lab
from course.engine.runner import run_checks
from course.engine.starters import export_committed
from course.engine.warm import WarmPool


@dataclass
class Edit:
    file: str
    old: str
    new: str


@dataclass(frozen=True)
class Scope:
    under: str
    skips: list[str]


@dataclass
class Variant:
    lab: Lab
    name: str
    why: str
    accepted: bool
    edits: list[Edit] = field(default_factory=list)
    patch: str = ""  # a unified diff against the committed starter, in variants/NN-slug/
    caught_by: list[str] = field(default_factory=list)
    skips: list[str] = field(default_factory=list)  # of its lab's [[scope]], for its files

    def __str__(self) -> str:
        return f"{self.lab.id}-{self.name}"

    def build(self, scratch: Path) -> None:
        """scratch/NN-slug: the solution with the edits, or the starter with the patch."""
        copy = scratch / self.lab.slug
        if self.patch:
            export_committed(f"labs/{self.lab.slug}", scratch / "committed")
            shutil.move(scratch / "committed" / "labs" / self.lab.slug, copy)
            applied = subprocess.run(
                ["git", "apply", "--whitespace=nowarn", str(VARIANTS_DIR / self.lab.slug / self.patch)],
                cwd=copy, capture_output=True, text=True, check=False)
            if applied.returncode != 0:
                raise VariantDrifted(
                    f"{self}: {self.patch} no longer applies to the committed starter "
                    f"({applied.stderr.strip()[:300]}); the starter changed, update the patch")
            return
        shutil.copytree(self.lab.solution_dir, copy,
                        ignore=shutil.ignore_patterns("__pycache__", "*.db"))
        for edit in self.edits:
            path = copy / edit.file
            text = path.read_text()
            if text.count(edit.old) != 1:
                raise VariantDrifted(
                    f"{self}: {edit.file} holds {text.count(edit.old)} copies of the text to "
                    "replace; the solution changed, update the variant")
            path.write_text(text.replace(edit.old, edit.new))

    def checks(self) -> tuple[str, ...]:
        """What proves it: a rejected variant, the checks that must catch it; an accepted one,
        every check (the instructor-only ones too) but those its scope leaves out."""
        if not self.accepted:
            return tuple(self.caught_by)
        return tuple(check for check in self.lab.mapped_checks if check not in self.skips)


class VariantDrifted(Exception):
    """The solution or starter moved on and the variant no longer applies to it."""


def skipped(scopes: list[Scope], accepted: bool, edits: list[Edit]) -> list[str]:
    """The checks an accepted variant's scope leaves out: of the scope its every edit is under."""
    for scope in scopes if accepted and edits else ():
        if all(edit.file.startswith(scope.under) for edit in edits):
            return scope.skips
    return []


def variants_file(lab: Lab) -> Path:
    return VARIANTS_DIR / f"{lab.slug}.toml"


def lab_scopes(lab: Lab) -> list[Scope]:
    path = variants_file(lab)
    if not path.is_file():
        return []
    return [Scope(**scope) for scope in tomllib.loads(path.read_text()).get("scope", [])]


def lab_variants(lab: Lab) -> list[Variant]:
    """The lab's variants in its file's order; none when it declares none."""
    path = variants_file(lab)
    if not path.is_file():
        return []
    scopes = lab_scopes(lab)
    variants = []
    for entry in tomllib.loads(path.read_text())["variant"]:
        edits = [Edit(**edit) for edit in entry.pop("edit", [])]
        variants.append(Variant(lab=lab, edits=edits,
                                skips=skipped(scopes, entry["accepted"], edits), **entry))
    return variants


def all_variants() -> list[Variant]:
    return [variant for path in sorted(VARIANTS_DIR.glob("*.toml"))
            for variant in lab_variants(find_lab(path.stem))]


@dataclass(frozen=True)
class Verdict:
    """One grading of a variant: the checks it failed (with their messages), the checks that
    gave no verdict at all, and how the grading went when it could not run."""

    variant: str
    failing: dict[str, str]
    unreached: tuple[str, ...] = ()
    seconds: float = 0.0
    problem: str = ""  # the variant could not be built or graded

    def misjudged(self, variant: Variant) -> str:
        """Why this verdict is not the one the variant declares; empty when it is."""
        if self.problem:
            return self.problem
        if self.unreached:
            return f"{variant}: no verdict from {list(self.unreached)}"
        if variant.accepted and self.failing:
            return f"{variant} ({variant.why}) is a correct fix, but: {self.failing}"
        missed = [check for check in variant.caught_by if check not in self.failing]
        if not variant.accepted and missed:
            return f"{variant} ({variant.why}) was not caught by {missed}"
        return ""


def grade(variant: Variant, launcher: WarmPool) -> Verdict:
    """Build the variant in a scratch folder and run the checks that prove it."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="course-variant-") as scratch:
        try:
            variant.build(Path(scratch))
        except VariantDrifted as exc:
            return Verdict(str(variant), {}, problem=str(exc))
        wanted = variant.checks()
        everything = wanted == tuple(variant.lab.mapped_checks)
        run = run_checks(variant.lab, scratch, launcher=launcher.launch,
                         only=() if everything else wanted, instructor=True)
    failing = {r.check: r.message for r in run.results if not r.ok}
    seen = {r.check for r in run.results}
    return Verdict(str(variant), failing, tuple(c for c in wanted if c not in seen),
                   time.monotonic() - started)


class VariantRuns:
    """Grades the given variants in warm interpreters, `background` at a time until `result` is
    first asked for, then one more than there are cores (a lab's check run waits on its servers
    as much as it computes: one more run than cores keeps them busy); a variant not given at
    the start is graded when its result is asked for."""

    def __init__(self, selected: list[Variant], background: int | None = None) -> None:
        self.pool = WarmPool()
        at_once = (os.cpu_count() or 1) + 1
        self.background = min(at_once, background or at_once)
        self._more = at_once - self.background
        self._turns = threading.Semaphore(self.background)
        self._opened = threading.Lock()
        self._closing = False
        self.threads = ThreadPoolExecutor(max_workers=at_once)
        self.futures: dict[str, Future[Verdict]] = {}
        for variant in selected:
            self._submit(variant)

    def _submit(self, variant: Variant) -> Future[Verdict]:
        if str(variant) not in self.futures:
            self.futures[str(variant)] = self.threads.submit(self._graded_in_turn, variant)
        return self.futures[str(variant)]

    def _graded_in_turn(self, variant: Variant) -> Verdict:
        with self._turns:
            if self._closing:  # the session ended first (-x, Ctrl-C): nothing to wait for
                return Verdict(str(variant), {},
                               problem=f"{variant}: not graded, the session ended first")
            return grade(variant, self.pool)

    def result(self, variant: Variant) -> Verdict:
        """The variant's verdict, graded now when it was not given at the start."""
        with self._opened:  # the caller has come to the variants: every core is theirs now
            if self._more:
                self._turns.release(self._more)
                self._more = 0
            future = self._submit(variant)
        return future.result()

    def close(self) -> None:
        self._closing = True
        self.threads.shutdown(wait=True, cancel_futures=True)
        self.pool.close()

    def __enter__(self) -> VariantRuns:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
