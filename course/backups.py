"""Copies of a learner's work, taken before anything replaces it."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from course.paths import STATE_DIR

BACKUPS_DIR = STATE_DIR / "backups"


def back_up(source: Path, name: str, backups_dir: Path = BACKUPS_DIR) -> Path:
    """Copy `source` to backups/<name>/<timestamp>/ and return that folder; never overwrites."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    # The process id keeps two commands started in the same instant apart.
    destination = backups_dir / name / f"{stamp}-{os.getpid()}"
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__"))
    return destination

