"""A lab's mutation record, tests/course/mutants/NN-slug.toml: the last `course verify --mutants`
run's counts and every survivor triaged, each with a status and a one-line reason. The proof
writes it (course/proof/mutants.py); the Labs page and a handout read its score
(course/engine/strength.py); the course's own tests check that it is fresh and good enough."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from course.engine.paths import MUTANTS_DIR
from course.engine.registry import Lab

SCORE_GOAL = 0.90
Status = Literal["equivalent", "survived"]


@dataclass
class Triage:
    """A survivor's entry in the mutants file."""

    file: str
    line: int
    operator: str
    before: str
    after: str
    status: Status
    reason: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.file, self.operator, self.before, self.after)


@dataclass
class MutantsRecord:
    """tests/course/mutants/NN-slug.toml: the last run's counts, and every survivor triaged."""

    content: str = ""
    mutants: int = 0
    killed: int = 0
    triage: list[Triage] = field(default_factory=list)
    carried: int = 0  # mutants on lines carried unchanged from `grows_from`: not measured here

    @property
    def equivalent(self) -> int:
        return sum(entry.status == "equivalent" for entry in self.triage)

    @property
    def survived(self) -> int:
        return sum(entry.status == "survived" for entry in self.triage)

    @property
    def scored(self) -> int:
        """The mutants that count: every one but the equivalent ones."""
        return self.mutants - self.equivalent

    @property
    def score(self) -> float:
        return self.killed / self.scored if self.scored else 0.0

    def score_line(self) -> str:
        return f"mutation score: {self.killed}/{self.scored} killed ({self.score * 100:.1f} %)"

    def untriaged(self) -> list[Triage]:
        return [entry for entry in self.triage if not entry.reason.strip()]


def record_path(lab: Lab) -> Path:
    return MUTANTS_DIR / f"{lab.slug}.toml"


def load_record(lab: Lab) -> MutantsRecord | None:
    path = record_path(lab)
    if not path.exists():
        return None
    return parse_record(path.read_text(encoding="utf-8"))


def parse_record(text: str) -> MutantsRecord:
    data = tomllib.loads(text)
    recorded = data.get("recorded", {})
    return MutantsRecord(
        content=recorded.get("content", ""), mutants=recorded.get("mutants", 0),
        killed=recorded.get("killed", 0), carried=recorded.get("carried", 0),
        triage=[Triage(**entry) for entry in data.get("mutant", [])])


HEADER = """\
# Lab {id}'s checks under mutation. `course verify --mutants {id}` rewrites this file: cosmic-ray
# mutates solutions/{slug}, and every mutant the checks let through is listed here with a
# status and a one-line reason (the reasons are kept from run to run):
#   equivalent  no client could tell it from the solution; left out of the score
#   survived    a hole the checks do not catch yet; counted against the score
# A new survivor arrives with an empty reason: kill it with a better check, or explain it.
# `content` hashes the solution, the committed starter and the checks, so the course's tests
# notice when this record has gone stale.{carried}
"""
CARRIED = """
# `carried` counts the mutants on lines carried unchanged from lab {earlier}'s solution, which
# lab {earlier}'s record measures; they are not run or counted here."""


def write_record(lab: Lab, record: MutantsRecord) -> Path:
    import tomlkit

    document = tomlkit.document()
    recorded = tomlkit.table()
    recorded.add("content", record.content)
    recorded.add("mutants", record.mutants)
    recorded.add("killed", record.killed)
    if record.carried:
        recorded.add("carried", record.carried)
    recorded.add("equivalent", record.equivalent)
    recorded.add("survived", record.survived)
    recorded.add("score", record.score_line().removeprefix("mutation score: "))
    document.add("recorded", recorded)
    entries = tomlkit.aot()
    for entry in sorted(record.triage, key=lambda e: (e.status, e.file, e.line, e.operator)):
        table = tomlkit.table()
        for name in ("file", "line", "operator", "before", "after", "status", "reason"):
            table.add(name, getattr(entry, name))
        entries.append(table)
    if entries:
        document.add("mutant", entries)
    path = record_path(lab)
    path.parent.mkdir(parents=True, exist_ok=True)
    carried = CARRIED.format(earlier=lab.grows_from) if record.carried else ""
    header = HEADER.format(id=lab.id, slug=lab.slug, carried=carried)
    path.write_text(header + "\n" + tomlkit.dumps(document), encoding="utf-8")
    return path
