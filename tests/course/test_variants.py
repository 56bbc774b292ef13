"""The checks judge behaviour, not our fix: other correct fixes pass, gaming and partial fixes fail.

Each tests/course/variants/NN-slug.toml lists variants of the reference solution. A variant is
a few exact text edits (each must match once, so a drifting solution is noticed):

    [[variant]]
    name = "offload-with-anyio"
    why = "anyio.to_thread.run_sync is as good a way off the event loop as run_in_threadpool"
    accepted = true                       # every check must pass
    [[variant.edit]]
    file = "app/routes/patients.py"
    old = "await run_in_threadpool("
    new = "await anyio.to_thread.run_sync("

A rejected variant (`accepted = false`) names the checks that must catch it: `caught_by = [...]`.
"""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from course.registry import Lab, find_lab
from course.runner import run_checks

VARIANTS_DIR = Path(__file__).parent / "variants"


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
    edits: list[Edit]
    caught_by: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.lab.id}-{self.name}"


def load_variants() -> list[Variant]:
    variants = []
    for path in sorted(VARIANTS_DIR.glob("*.toml")):
        lab = find_lab(path.stem)
        for entry in tomllib.loads(path.read_text())["variant"]:
            edits = [Edit(**edit) for edit in entry.pop("edit")]
            variants.append(Variant(lab=lab, edits=edits, **entry))
    return variants


VARIANTS = load_variants()


def test_every_lab_has_accepted_and_rejected_variants() -> None:
    from course.registry import all_labs

    for lab in all_labs():
        mine = [v for v in VARIANTS if v.lab.id == lab.id]
        assert any(v.accepted for v in mine), f"{lab.slug}: no alternative fix is proven"
        assert any(not v.accepted for v in mine), f"{lab.slug}: no gaming attempt is proven"
        for variant in mine:
            assert variant.accepted or variant.caught_by, f"{variant}: says nothing catches it"
            unknown = set(variant.caught_by) - set(lab.mapped_checks)
            assert not unknown, f"{variant}: caught_by names unknown checks {unknown}"


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS, ids=str)
def test_variant_verdict(variant: Variant, tmp_path: Path) -> None:
    copy = tmp_path / variant.lab.slug
    shutil.copytree(variant.lab.solution_dir, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for edit in variant.edits:
        path = copy / edit.file
        text = path.read_text()
        assert text.count(edit.old) == 1, (
            f"{variant}: {edit.file} holds {text.count(edit.old)} copies of the text to replace; "
            "the solution changed, update the variant")
        path.write_text(text.replace(edit.old, edit.new))
    run = run_checks(variant.lab, str(tmp_path))
    failing = {r.check: r.message for r in run.results if not r.ok}
    if variant.accepted:
        assert not failing, f"{variant} ({variant.why}) is a correct fix, but: {failing}"
    else:
        missed = [check for check in variant.caught_by if check not in failing]
        assert not missed, f"{variant} ({variant.why}) was not caught by {missed}"
