"""How strong a lab's checks are, as the Labs page shows it: bugs and promises, checks, the
variants proven (tests/course/variants/NN-slug.toml) and the last mutation score recorded
(tests/course/mutants/NN-slug.toml). Read from those files, so the page cannot drift."""

from __future__ import annotations

from dataclasses import dataclass

from course.mutants import load_record
from course.registry import Lab
from course.variants import declared_variants


@dataclass(frozen=True)
class Strength:
    bugs: int
    promises: int
    checks: int
    accepted: int  # other correct fixes proven to pass
    rejected: int  # wrong fixes proven to fail
    mutation: str  # "97 % (230/236)", or "not measured"


def strength_of(lab: Lab) -> Strength:
    variants = declared_variants(lab)
    accepted = sum(variant.accepted for variant in variants)
    record = load_record(lab)
    mutation = (f"{record.score * 100:.0f} % ({record.killed}/{record.scored})"
                if record and record.scored else "not measured")
    return Strength(len(lab.bugs), len(lab.promises), len(lab.mapped_checks), accepted,
                    len(variants) - accepted, mutation)
