"""A learner's lab against the reference solution, as one unified diff of the code."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path

# What a lab folder holds besides code: not part of the comparison.
IGNORED_NAMES = {"README.md", "lab.toml", "__pycache__", ".pytest_cache"}
IGNORED_SUFFIXES = {".pyc", ".db", ".sqlite3", ".log"}


def code_files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part in IGNORED_NAMES for part in relative.parts):
            continue
        if path.is_file() and path.suffix not in IGNORED_SUFFIXES:
            yield relative


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines(keepends=True)
    except (OSError, UnicodeDecodeError):
        return []


def unified_diff(mine: Path, theirs: Path, *, labels: tuple[str, str] = ("yours", "solution")) -> str:
    """Over what the solution holds (app/ and its data files): tools that come only with the
    lab, such as a sandbox upstream, are not part of the fix."""
    scope = {relative.parts[0] for relative in code_files(theirs)}
    chunks: list[str] = []
    mine_files = {relative for relative in code_files(mine) if relative.parts[0] in scope}
    for relative in sorted(mine_files | set(code_files(theirs))):
        chunks.extend(difflib.unified_diff(
            _lines(mine / relative), _lines(theirs / relative),
            fromfile=f"{labels[0]}/{relative}", tofile=f"{labels[1]}/{relative}",
        ))
    return "".join(chunk if chunk.endswith("\n") else chunk + "\n" for chunk in chunks)
