"""Links from a failing check to the lesson section that teaches its concept, on the site where
the learner reads it.

The site is wherever `course start` serves it right now, in whichever terminal: the running
server records its address in `.course/site.json` while it serves, so a `course check` in
another terminal links to the port it really took (`--port`). Without a running server the
links use the port plan's (course/engine/ports.py); `COURSE_SITE_URL` wins over both.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from course.engine import ports
from course.engine.concepts import heading_anchors, lesson_page
from course.engine.paths import STATE_DIR
from course.engine.registry import Lab
from course.engine.state import write_atomically

RUNNING_SITE = STATE_DIR / "site.json"


def site_url(record: Path = RUNNING_SITE) -> str:
    explicit = os.environ.get("COURSE_SITE_URL", "").strip()
    if explicit:
        return explicit.rstrip("/")
    return running_site(record) or ports.site_url()


def running_site(record: Path = RUNNING_SITE) -> str | None:
    """The address a `course start` that is still running recorded, if any."""
    try:
        entry = json.loads(record.read_text(encoding="utf-8"))
        url, pid = str(entry["url"]), int(entry["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return url.rstrip("/") if _alive(pid) else None


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would end the process there: trust the record
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False  # a server that died without cleaning up
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def announce_site(url: str, record: Path = RUNNING_SITE) -> Iterator[None]:
    """Record `url` as the running site for as long as the block runs; afterwards remove the
    record, unless another `course start` has replaced it meanwhile."""
    entry = json.dumps({"url": url, "pid": os.getpid()})
    write_atomically(record, entry)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            if record.read_text(encoding="utf-8") == entry:
                record.unlink()


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
