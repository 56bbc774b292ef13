"""Copies of a learner's work, taken before anything replaces it.

A copy is made under `<stamp>.partial` and renamed when it is whole: a backup without that mark
is complete; one with it was cut short (a Ctrl-C, a kill) and is never restored from.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from course.engine.paths import STATE_DIR

BACKUPS_DIR = STATE_DIR / "backups"
PARTIAL = ".partial"
SKIPPED = shutil.ignore_patterns("__pycache__")


def back_up(source: Path, name: str, backups_dir: Path = BACKUPS_DIR) -> Path:
    """Copy `source` to backups/<name>/<timestamp>/ and return that folder; never overwrites."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    # The process id keeps two commands started in the same instant apart.
    destination = backups_dir / name / f"{stamp}-{os.getpid()}"
    partial = destination.with_name(destination.name + PARTIAL)
    try:
        shutil.copytree(source, partial, ignore=SKIPPED)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)  # a full disk gets its space back
        raise
    partial.rename(destination)
    return destination


def partial_backups(backups_dir: Path = BACKUPS_DIR) -> list[Path]:
    return sorted(backups_dir.glob(f"*/*{PARTIAL}"))


def same_tree(one: Path, other: Path) -> bool:
    """Whether two folders hold the same files, byte for byte (compiled caches aside)."""

    def files(root: Path) -> dict[Path, Path]:
        return {path.relative_to(root): path for path in root.rglob("*")
                if path.is_file() and "__pycache__" not in path.parts}

    mine, theirs = files(one), files(other)
    return mine.keys() == theirs.keys() and all(
        mine[relative].read_bytes() == theirs[relative].read_bytes() for relative in mine)
