"""The learner's site: the lessons without the instructor's guide, without any chapter's
instructor notes (the section that ends each chapter page, and the instructor.toml it is made
from), with every nav entry, link and anchor that led to them made plain text, so
`mkdocs build --strict` still passes. Anything of the instructor's that survives is an error."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from course.instructor.instructor_notes import NOTES_FILE

INSTRUCTOR_PAGES = ("lessons/instructors.md",)
DOCS_DIR = "lessons/"
NOTES_TITLE = re.compile(r"\binstructor(?:'s)? notes?\b", re.IGNORECASE)
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
ADMONITION = re.compile(r"^(\?{3}\+?|!{3})\s+\S+(?:\s+\"(.*)\")?\s*$")
ANCHOR = re.compile(r"\{[^}]*#([\w-]+)[^}]*\}|\bid=\"([\w-]+)\"")
SNIPPET = re.compile(r"^\s*--8<--\s+\"([^\"]+)\"", re.MULTILINE)
LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


class PagesError(ValueError):
    """The instructor's content could not be taken out cleanly."""


def _slug(title: str) -> str:
    plain = re.sub(r"\{[^}]*\}", "", title).strip().lower()
    return re.sub(r"[\s]+", "-", re.sub(r"[^\w\s-]", "", plain))


def _anchors(lines: list[str]) -> set[str]:
    found = set()
    for line in lines:
        found.update(a or b for a, b in ANCHOR.findall(line))
        heading = HEADING.match(line)
        if heading:
            found.add(_slug(heading.group(2)))
    return found


def strip_notes(text: str) -> tuple[str, set[str]]:
    """The page without its instructor-notes sections and admonitions; the anchors they held."""
    lines = text.splitlines()
    kept: list[str] = []
    removed: list[str] = []
    fence: str | None = None
    cut_level = 0  # inside a removed section: the level of its heading
    in_admonition = False
    for line in lines:
        marker = FENCE.match(line)
        heading = HEADING.match(line) if fence is None else None
        if heading and cut_level and len(heading.group(1)) <= cut_level:
            cut_level = 0
        if heading and not cut_level and NOTES_TITLE.search(heading.group(2)):
            cut_level = len(heading.group(1))
        admonition = ADMONITION.match(line) if fence is None else None
        if in_admonition and line.strip() and not line.startswith((" ", "\t")):
            in_admonition = False
        if admonition and NOTES_TITLE.search(admonition.group(2) or ""):
            in_admonition = True
        if marker:
            fence = None if fence and marker.group(1)[0] == fence[0] else (fence or marker.group(1))
        (removed if cut_level or in_admonition else kept).append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept) + "\n", _anchors(removed)


def unlink(text: str, page: str, gone: Callable[[str, str], bool]) -> str:
    """Links to what `gone(page, anchor)` says was taken out become their text."""

    def replace(match: re.Match[str]) -> str:
        target = match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            return match.group(0)
        path, _, anchor = target.partition("#")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), path)) if path else page
        return match.group(1) if gone(resolved, anchor) else match.group(0)

    return LINK.sub(replace, text)


def drop_nav(config: str, pages: list[str]) -> str:
    """mkdocs.yml without the nav entries of `pages` (paths inside docs_dir)."""
    names = "|".join(re.escape(page) for page in pages)
    entry = re.compile(rf"^\s*-\s+(?:[^\n:]+:\s+)?[\"']?(?:{names})[\"']?\s*(?:#.*)?$")
    return "\n".join(line for line in config.splitlines() if not entry.match(line)) + "\n"


def learner_pages(files: dict[str, bytes]) -> dict[str, bytes]:
    """`files` (path: content) with the instructor's pages and notes taken out of the site."""
    out = {path: data for path, data in files.items() if path not in INSTRUCTOR_PAGES
           and not (path.startswith(DOCS_DIR) and posixpath.basename(path) == NOTES_FILE)}
    removed_pages = {path[len(DOCS_DIR):] for path in INSTRUCTOR_PAGES if path in files}
    removed_anchors: dict[str, set[str]] = {}
    pages = [path for path in out if path.startswith(DOCS_DIR) and path.endswith(".md")]
    for path in pages:
        text, anchors = strip_notes(out[path].decode("utf-8"))
        out[path] = text.encode("utf-8")
        removed_anchors[path[len(DOCS_DIR):]] = anchors

    def gone(page: str, anchor: str) -> bool:
        return page in removed_pages or anchor in removed_anchors.get(page, set())

    for path in pages:
        page = path[len(DOCS_DIR):]
        out[path] = unlink(out[path].decode("utf-8"), page, gone).encode("utf-8")
    if "mkdocs.yml" in out and removed_pages:
        out["mkdocs.yml"] = drop_nav(out["mkdocs.yml"].decode("utf-8"), sorted(removed_pages)).encode()
    _nothing_left(out, removed_pages, removed_anchors)
    return out


def _site_sources(files: dict[str, bytes]) -> list[str]:
    """The files the site is built from: the lessons, mkdocs.yml, and what the pages include."""
    sources = [path for path in files if path.startswith(DOCS_DIR) or path == "mkdocs.yml"]
    for path in list(sources):
        if path.endswith(".md"):
            text = files[path].decode("utf-8", errors="replace")
            sources += [included.split(":")[0] for included in SNIPPET.findall(text)
                        if included.split(":")[0] in files]
    return sorted(set(sources))


def _nothing_left(files: dict[str, bytes], pages: set[str], anchors: dict[str, set[str]]) -> None:
    sources = _site_sources(files)
    texts = {path: files[path].decode("utf-8", errors="replace") for path in sources
             if path.endswith((".md", ".yml", ".ipynb", ".html"))}
    surviving = set().union(*(_anchors(text.splitlines()) for text in texts.values()))
    lost = {anchor for found in anchors.values() for anchor in found} - surviving
    for path, text in texts.items():
        if path.startswith(DOCS_DIR) and NOTES_TITLE.search(text):
            raise PagesError(f"{path} still holds instructor notes in a form the handout cannot "
                             "take out (only a heading or an admonition titled so is)")
        for page in pages:
            if posixpath.basename(page) in text:
                raise PagesError(f"{path} still points at {DOCS_DIR}{page}, which a handout leaves out")
        left = sorted(anchor for anchor in lost if re.search(rf"#{re.escape(anchor)}[)\"']", text))
        if left:
            raise PagesError(f"{path} still links to #{left[0]}, a section a handout leaves out")
