"""The variants each lab declares (tests/course/variants/NN-slug.toml): other correct fixes,
and wrong fixes the checks are proven to catch. Only what the site shows of them is read here;
tests/course/test_variants.py builds and grades them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from course.engine.paths import VARIANTS_DIR
from course.engine.registry import Lab


@dataclass(frozen=True)
class DeclaredVariant:
    name: str
    why: str
    accepted: bool
    caught_by: tuple[str, ...] = ()


def declared_variants(lab: Lab, variants_dir: Path = VARIANTS_DIR) -> list[DeclaredVariant]:
    """In the file's order; none when the lab declares none (or the copy has no tests)."""
    path = variants_dir / f"{lab.slug}.toml"
    if not path.is_file():
        return []
    return parse_variants(path.read_text(encoding="utf-8"))


def parse_variants(text: str) -> list[DeclaredVariant]:
    """A variants file's text (a handout reads the course's as committed)."""
    entries = tomllib.loads(text).get("variant", [])
    return [DeclaredVariant(name=entry["name"], why=entry["why"],
                            accepted=bool(entry.get("accepted")),
                            caught_by=tuple(entry.get("caught_by", ())))
            for entry in entries]


def wrong_turns(lab: Lab, variants_dir: Path = VARIANTS_DIR) -> list[DeclaredVariant]:
    """The rejected variants: fixes that look done and are caught."""
    return [variant for variant in declared_variants(lab, variants_dir) if not variant.accepted]
