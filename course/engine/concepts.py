"""The concept catalogue (course/engine/concepts.toml) and where each concept is taught and checked."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from course.engine.paths import CONCEPTS_FILE, LESSONS_DIR

ANCHOR = re.compile(r"^#{1,6} .*\{[^}]*#([A-Za-z0-9_-]+)[^}]*\}\s*$", re.MULTILINE)
HEADING = re.compile(r"^#{1,6} (.*?)\s*\{[^}]*#([A-Za-z0-9_-]+)[^}]*\}\s*$", re.MULTILINE)
# The chapters of the curriculum, written or planned (DESIGN.md), by number.
CHAPTER_TITLES = {
    1: "ASGI and Uvicorn", 2: "Project structure and error layers",
    3: "Dependency injection and settings", 4: "Request and response modeling",
    5: "Security and auth", 6: "Lifespan and testing", 7: "Background work and offloading",
    8: "Streaming and middleware", 9: "WebSocket patterns", 10: "Multi-worker broadcast",
    11: "Client protocol and reconnect", 12: "Proxy, health and shutdown",
    13: "Performance and operations", 14: "Observability",
}


@dataclass(frozen=True)
class Concept:
    id: str
    chapter: int
    kind: Literal["bug", "lesson"]
    idea: str


@cache
def all_concepts(path: Path = CONCEPTS_FILE) -> tuple[Concept, ...]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(Concept(**entry) for entry in data["concept"])


def concepts_of(chapter: int) -> list[Concept]:
    return [concept for concept in all_concepts() if concept.chapter == chapter]


def lesson_page(chapter: int, lessons_dir: Path = LESSONS_DIR) -> Path | None:
    matches = sorted(lessons_dir.glob(f"{chapter:02d}-*/index.md"))
    return matches[0] if matches else None


def heading_anchors(page: Path) -> list[str]:
    """The `{ #anchor }` ids on a page's headings, in order."""
    return ANCHOR.findall(page.read_text(encoding="utf-8"))


def heading_titles(page: Path) -> dict[str, str]:
    """Each `{ #anchor }` of a page's headings with its heading's text, Markdown as written."""
    return {match.group(2): match.group(1).strip()
            for match in HEADING.finditer(page.read_text(encoding="utf-8"))}
