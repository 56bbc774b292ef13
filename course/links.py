"""Links from a failing check to the lesson section that teaches its concept, on the local site."""

from __future__ import annotations

import os
from functools import cache

from course.concepts import heading_anchors, lesson_page
from course.registry import Lab

DEFAULT_SITE = "http://127.0.0.1:8000"


def site_url() -> str:
    return os.environ.get("COURSE_SITE_URL", DEFAULT_SITE).rstrip("/")


@cache
def _anchors(chapter: int) -> tuple[str | None, frozenset[str]]:
    page = lesson_page(chapter)
    if page is None:
        return None, frozenset()
    return page.parent.name, frozenset(heading_anchors(page))


def section_path(lab: Lab, check: str) -> str | None:
    """`/01-asgi-uvicorn/#blocking-in-async`: the section teaching the first concept of the
    first bug this check catches; for a promise's check, the lab's brief (`#lab`)."""
    folder, anchors = _anchors(lab.chapter)
    for bug in lab.bugs_caught_by(check):
        for concept in bug.concepts:
            if folder and concept in anchors:
                return f"/{folder}/#{concept}"
    if folder and "lab" in anchors and lab.promises_held_by(check):
        return f"/{folder}/#lab"
    return None


def section_url(lab: Lab, check: str) -> str | None:
    path = section_path(lab, check)
    return site_url() + path if path else None
