"""The checks judge behaviour, not our fix: other correct fixes pass, gaming and partial fixes fail.

Each tests/course/variants/NN-slug.toml lists variants of the lab. A variant is either a few
exact text edits of the reference solution (each must match once, so a drifting solution is
noticed):

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
other half, which the reference solution's own grading proves (test_integrity.py):

    [[scope]]
    under = "app/"                        # every edit is in a file under app/
    skips = ["your_tests_catch_the_mistakes"]
The variants selected for a run are graded in warm interpreters (course.engine.warm), from the
end of collection on (tests/course/conftest.py): one at a time while the other tests run, on the
core those leave idle (most of them wait on servers and subprocesses), then as many at once as the
cores allow once the suite reaches them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import tomllib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from course.engine.paths import VARIANTS_DIR
from course.engine.registry import Lab, find_lab
from course.engine.runner import CheckRun, run_checks
from course.engine.starters import export_committed
from course.engine.warm import WarmPool
from variant_runs import VARIANT_RUNS


@dataclass
class Edit:
    file: str
    old: str
    new: str


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
            assert applied.returncode == 0, (
                f"{self}: {self.patch} no longer applies to the committed starter "
                f"({applied.stderr.strip()[:300]}); the starter changed, update the patch")
            return
        shutil.copytree(self.lab.solution_dir, copy,
                        ignore=shutil.ignore_patterns("__pycache__", "*.db"))
        for edit in self.edits:
            path = copy / edit.file
            text = path.read_text()
            assert text.count(edit.old) == 1, (
                f"{self}: {edit.file} holds {text.count(edit.old)} copies of the text to "
                "replace; the solution changed, update the variant")
            path.write_text(text.replace(edit.old, edit.new))


@dataclass(frozen=True)
class Scope:
    under: str
    skips: list[str]


def skipped(scopes: list[Scope], accepted: bool, edits: list[Edit]) -> list[str]:
    """The checks an accepted variant's scope leaves out: of the scope its every edit is under."""
    for scope in scopes if accepted and edits else ():
        if all(edit.file.startswith(scope.under) for edit in edits):
            return scope.skips
    return []


def load_variants() -> list[Variant]:
    variants = []
    for path in sorted(VARIANTS_DIR.glob("*.toml")):
        lab = find_lab(path.stem)
        listed = tomllib.loads(path.read_text())
        SCOPES[lab.id] = scopes = [Scope(**scope) for scope in listed.get("scope", [])]
        for entry in listed["variant"]:
            edits = [Edit(**edit) for edit in entry.pop("edit", [])]
            variants.append(Variant(lab=lab, edits=edits,
                                    skips=skipped(scopes, entry["accepted"], edits), **entry))
    return variants


SCOPES: dict[str, list[Scope]] = {}  # by lab id
VARIANTS = load_variants()


def test_every_lab_has_accepted_and_rejected_variants() -> None:
    from course.engine.registry import all_labs

    for lab in all_labs():
        mine = [v for v in VARIANTS if v.lab.id == lab.id]
        assert any(v.accepted for v in mine), f"{lab.slug}: no alternative fix is proven"
        assert any(not v.accepted for v in mine), f"{lab.slug}: no gaming attempt is proven"
        names = [v.name for v in mine]
        assert len(set(names)) == len(names), f"{lab.slug}: two variants share a name"
        for variant in mine:
            assert variant.accepted or variant.caught_by, f"{variant}: says nothing catches it"
            assert bool(variant.patch) != bool(variant.edits), (
                f"{variant}: a variant is either edits of the solution or a patch of the starter")
            unknown = set(variant.caught_by) - set(lab.mapped_checks)
            assert not unknown, f"{variant}: caught_by names unknown checks {unknown}"
        for scope in SCOPES.get(lab.id, []):
            unknown = set(scope.skips) - set(lab.mapped_checks)
            assert not unknown, f"{lab.slug}: the scope of {scope.under} skips unknown {unknown}"
        patches = {p.name for p in (VARIANTS_DIR / lab.slug).glob("*.patch")}
        unused = patches - {v.patch for v in mine}
        assert not unused, f"{lab.slug}: patches no variant uses: {sorted(unused)}"


class VariantRuns:
    """Grades the variants a pytest run selected, `background` at a time until `result` is first
    asked for, then one more than there are cores (a lab's check run waits on its servers as
    much as it computes: one more run than cores keeps them busy)."""

    def __init__(self, selected: list[Variant], background: int | None = None) -> None:
        self.pool = WarmPool()
        at_once = (os.cpu_count() or 1) + 1
        self.background = min(at_once, background or at_once)
        self._more = at_once - self.background
        self._turns = threading.Semaphore(self.background)
        self._opened = threading.Lock()
        self._closing = False
        self.threads = ThreadPoolExecutor(max_workers=at_once)
        self.futures: dict[str, Future[tuple[CheckRun | None, str]]] = {
            str(variant): self.threads.submit(self._graded_in_turn, variant)
            for variant in selected}

    def _graded_in_turn(self, variant: Variant) -> tuple[CheckRun | None, str]:
        with self._turns:
            if self._closing:  # the session ended first (-x, Ctrl-C): nothing to wait for
                return None, f"{variant}: not graded, the test session ended first"
            return self._grade(variant)

    def _grade(self, variant: Variant) -> tuple[CheckRun | None, str]:
        with tempfile.TemporaryDirectory(prefix="course-variant-") as scratch:
            try:
                variant.build(Path(scratch))
            except AssertionError as exc:
                return None, str(exc)
            # A rejected variant is proven by the checks that must catch it; an accepted one
            # by every check, the instructor-only ones too, but those its scope leaves out.
            if not variant.accepted:
                only = tuple(variant.caught_by)
            elif variant.skips:
                only = tuple(check for check in variant.lab.mapped_checks
                             if check not in variant.skips)
            else:
                only = ()
            return run_checks(variant.lab, scratch, launcher=self.pool.launch, only=only,
                              instructor=True), ""

    def result(self, variant: Variant) -> tuple[CheckRun | None, str]:
        with self._opened:  # the suite has come to the variants: every core is theirs now
            if self._more:
                self._turns.release(self._more)
                self._more = 0
        return self.futures[str(variant)].result()

    def close(self) -> None:
        self._closing = True
        self.threads.shutdown(wait=True, cancel_futures=True)
        self.pool.close()


def selected_variants(items: list[pytest.Item]) -> list[Variant]:
    return [item.callspec.params["variant"] for item in items
            if getattr(item, "originalname", "") == "test_variant_verdict"]


@pytest.fixture(scope="session")
def variant_runs(request: pytest.FixtureRequest) -> Iterator[VariantRuns]:
    """The runs the conftest started after collection; started here when it did not."""
    started = request.config.stash.get(VARIANT_RUNS, None)
    if started is not None:
        yield started
        return
    runs = VariantRuns(selected_variants(request.session.items))
    try:
        yield runs
    finally:
        runs.close()


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS, ids=str)
def test_variant_verdict(variant: Variant, variant_runs: VariantRuns) -> None:
    run, problem = variant_runs.result(variant)
    assert run is not None, problem
    failing = {r.check: r.message for r in run.results if not r.ok}
    if variant.accepted:
        assert not failing, f"{variant} ({variant.why}) is a correct fix, but: {failing}"
    else:
        missed = [check for check in variant.caught_by if check not in failing]
        assert not missed, f"{variant} ({variant.why}) was not caught by {missed}"
