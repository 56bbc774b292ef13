"""A throwaway copy of the course (working tree, one commit), for tests and benchmarks that
rewrite labs/ or .course/ without touching the learner's checkout."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from course.paths import REPO_ROOT


def copy_course(copy: Path) -> Path:
    """The working tree (tracked and new files, nothing ignored) as a fresh one-commit repo,
    so commands that rewrite labs/ can be tried without touching this checkout."""
    listing = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
        capture_output=True, check=True).stdout.decode()
    for relative in filter(None, listing.split("\0")):
        source = REPO_ROOT / relative
        if source.is_file():
            target = copy / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git = ["git", "-C", str(copy), "-c", "user.name=course", "-c", "user.email=course@localhost"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "course"], check=True)
    return copy
