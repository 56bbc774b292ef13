"""Which labs a grading run covers: `--labs 01-05`, `--labs 1,3`, `--lab asgi` (repeatable)."""

from __future__ import annotations

import re

from course.engine.registry import Lab, RegistryError, find_lab

RANGE = re.compile(r"(\d{1,2})\s*-\s*(\d{1,2})")


def labs_selected(specs: list[str], labs: list[Lab]) -> tuple[list[Lab], list[str]]:
    """The labs named, in course order, and a note for each range that reaches past the
    labs written so far (`01-05` while only 01 and 02 exist). No spec: every lab."""
    if not specs:
        return list(labs), []
    chosen: set[str] = set()
    notes: list[str] = []
    for spec in specs:
        for item in filter(None, (part.strip() for part in spec.split(","))):
            span = RANGE.fullmatch(item)
            if span is None:
                chosen.add(find_lab(item, labs).id)
                continue
            low, high = sorted(int(number) for number in span.groups())
            inside = {lab.id for lab in labs if low <= lab.chapter <= high}
            if not inside:
                raise RegistryError(f"--labs {item}: no lab in that range; the labs are: "
                                    + ", ".join(lab.id for lab in labs))
            absent = [f"{n:02d}" for n in range(low, high + 1) if f"{n:02d}" not in inside]
            if absent:
                notes.append(f"--labs {item}: no lab {', '.join(absent)} yet")
            chosen |= inside
    return [lab for lab in labs if lab.id in chosen], notes
