"""How strong a lab's checks are, as the Labs page shows it: bugs and promises, checks, the
variants proven (tests/course/variants/NN-slug.toml) and the last mutation score recorded
(tests/course/mutants/NN-slug.toml). Read from those files, so the page cannot drift; a
learner's handout, which leaves them out, carries the numbers in its marker file."""

from __future__ import annotations

from dataclasses import dataclass

from course.engine import handout_marker
from course.engine.mutation_record import parse_record, record_path
from course.engine.paths import VARIANTS_DIR
from course.engine.registry import Lab
from course.engine.variants import declared_variants, parse_variants


@dataclass(frozen=True)
class Strength:
    bugs: int
    promises: int
    checks: int
    accepted: int  # other correct fixes proven to pass
    rejected: int  # wrong fixes proven to fail
    mutation: str  # "97 % (230/236)", or "not measured"


def strength_of(lab: Lab) -> Strength:
    marker = handout_marker.load()
    if marker and lab.slug in marker.strength and not (VARIANTS_DIR / f"{lab.slug}.toml").exists():
        numbers = marker.strength[lab.slug]
        return Strength(len(lab.bugs), len(lab.promises), len(lab.mapped_checks),
                        int(numbers.get("accepted", 0)), int(numbers.get("rejected", 0)),
                        str(numbers.get("mutation", "not measured")))
    record = record_path(lab)
    return _strength(lab, declared_variants(lab),
                     record.read_text(encoding="utf-8") if record.exists() else None)


def strength_from(lab: Lab, variants_toml: str | None, record_toml: str | None) -> Strength:
    """From the texts of the lab's variants file and mutation record (None: there is none)."""
    return _strength(lab, parse_variants(variants_toml) if variants_toml else [], record_toml)


def _strength(lab: Lab, variants: list, record_toml: str | None) -> Strength:
    accepted = sum(variant.accepted for variant in variants)
    record = parse_record(record_toml) if record_toml else None
    mutation = (f"{record.score * 100:.0f} % ({record.killed}/{record.scored})"
                if record and record.scored else "not measured")
    return Strength(len(lab.bugs), len(lab.promises), len(lab.mapped_checks), accepted,
                    len(variants) - accepted, mutation)
