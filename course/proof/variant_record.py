"""A lab's variant record, tests/course/variant-records/NN-slug.toml: the verdict of every
variant at the last `course verify --variants`, made from the solution, the committed starter,
the checks and the variants as they were then (their hash is kept with it).

Grading every variant of every lab takes many minutes (a lab with real servers costs seconds a
run), so `make test` does what it does for the mutation records: it checks that each record is
current and every verdict is the declared one, and grades a sample of each lab's variants again
(one accepted, one rejected, chosen from the last commit's id, so the sample moves with every
commit). `COURSE_VARIANTS=all make test` grades them all."""

from __future__ import annotations

import hashlib
import os
import random
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from course.engine.paths import REPO_ROOT, VARIANT_RECORDS_DIR, VARIANTS_DIR
from course.engine.registry import Lab
from course.proof.variant_grading import Variant, Verdict


@dataclass(frozen=True)
class RecordedVerdict:
    name: str
    accepted: bool
    failing: tuple[str, ...]  # the checks that failed, of those that prove it


@dataclass
class VariantRecord:
    content: str = ""
    verdicts: list[RecordedVerdict] = field(default_factory=list)

    def verdict(self, name: str) -> RecordedVerdict | None:
        return next((v for v in self.verdicts if v.name == name), None)


def record_path(lab: Lab) -> Path:
    return VARIANT_RECORDS_DIR / f"{lab.slug}.toml"


IMPORTED_CHECKS = re.compile(r"^\s*(?:from|import)\s+(test_\d\d_\w+)", re.MULTILINE)


def check_sources(lab: Lab) -> list[Path]:
    """The files of the lab's checks: its module or package, its instructor-only module, and
    every other lab's checks they import (lab 06's keep chapter 05's promises with 05's)."""
    from course.engine.check_command import check_path_for, check_paths_for
    from course.proof.mutants import _hashed_files

    found: dict[Path, None] = {}
    waiting = check_paths_for(lab.slug, instructor=True)
    while waiting:
        root = waiting.pop()
        for path in [root] if root.is_file() else list(_hashed_files(root)):
            if path in found:
                continue
            found[path] = None
            if path.suffix == ".py":
                for name in IMPORTED_CHECKS.findall(path.read_text(encoding="utf-8")):
                    imported = check_path_for(name.removeprefix("test_").replace("_", "-"))
                    if imported.exists():
                        waiting.append(imported)
    return sorted(found)


def content_hash(lab: Lab, starter_dir: Path) -> str:
    """sha256 of what the mutation score depends on (solution, starter, checks, harness), of
    every check file the lab's checks run (its instructor-only ones, and the other labs' they
    import), and of the lab's variants file and patches: what a variant's verdict depends on."""
    from course.proof.mutants import content_hash as checks_hash

    digest = hashlib.sha256(checks_hash(lab, starter_dir).encode())
    listed = VARIANTS_DIR / f"{lab.slug}.toml"
    patches = VARIANTS_DIR / lab.slug
    for path in [*check_sources(lab), listed, *sorted(patches.glob("*.patch"))]:
        if path.is_file():
            name = path.relative_to(REPO_ROOT).as_posix()
            digest.update(f"{name}\0".encode() + path.read_bytes() + b"\0")
    return f"sha256:{digest.hexdigest()}"


def load_record(lab: Lab) -> VariantRecord | None:
    path = record_path(lab)
    if not path.exists():
        return None
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return VariantRecord(
        content=data.get("recorded", {}).get("content", ""),
        verdicts=[RecordedVerdict(name=entry["name"], accepted=entry["accepted"],
                                  failing=tuple(entry.get("failing", ())))
                  for entry in data.get("variant", [])])


HEADER = """\
# Lab {id}'s variants as last graded. `course verify --variants {id}` rewrites this file: it
# grades every variant in tests/course/variants/{slug}.toml
# with the checks that prove it, and lists the checks each one failed. `content` hashes the
# solution, the committed starter, the checks and the variants, so the course's tests notice
# when this record has gone stale; they also grade a sample of the variants again.
"""


def write_record(lab: Lab, content: str, variants: list[Variant], verdicts: list[Verdict]) -> Path:
    import tomlkit

    by_name = {verdict.variant: verdict for verdict in verdicts}
    document = tomlkit.document()
    recorded = tomlkit.table()
    recorded.add("content", content)
    recorded.add("variants", len(variants))
    recorded.add("seconds", round(sum(v.seconds for v in verdicts), 1))
    document.add("recorded", recorded)
    entries = tomlkit.aot()
    for variant in variants:
        verdict = by_name[str(variant)]
        table = tomlkit.table()
        table.add("name", variant.name)
        table.add("accepted", variant.accepted)
        table.add("failing", sorted(verdict.failing))
        entries.append(table)
    document.add("variant", entries)
    path = record_path(lab)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER.format(id=lab.id, slug=lab.slug) + "\n" + tomlkit.dumps(document),
                    encoding="utf-8")
    return path


def misrecorded(variant: Variant, recorded: RecordedVerdict | None) -> str:
    """Why the record does not show the variant judged as declared; empty when it does."""
    if recorded is None:
        return f"{variant}: not in the record"
    if recorded.accepted != variant.accepted:
        return f"{variant}: recorded as {'accepted' if recorded.accepted else 'rejected'}"
    if variant.accepted and recorded.failing:
        return f"{variant} ({variant.why}) is a correct fix, but failed {list(recorded.failing)}"
    missed = [check for check in variant.caught_by if check not in recorded.failing]
    if not variant.accepted and missed:
        return f"{variant} ({variant.why}) was not caught by {missed}"
    return ""


ALL = "all"


def sampled(variants: list[Variant], seed: str) -> list[Variant]:
    """What `make test` grades again of one lab's variants: one accepted and one rejected, drawn
    with `seed`; every one under COURSE_VARIANTS=all."""
    if os.environ.get("COURSE_VARIANTS", "").strip().lower() == ALL:
        return list(variants)
    draw = random.Random(seed)
    chosen = []
    for accepted in (True, False):
        kind = [variant for variant in variants if variant.accepted is accepted]
        if kind:
            chosen.append(draw.choice(kind))
    return [variant for variant in variants if any(variant is pick for pick in chosen)]
