"""A throwaway copy of the course (working tree, one commit), for tests and benchmarks that
rewrite labs/ or .course/ without touching the learner's checkout. Its labs are the committed
starters: whatever a learner has done to labs/ is theirs, and never what a test expects."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from course.engine.paths import REPO_ROOT
from course.engine.starters import export_committed


def _git_paths(command: str, *args: str) -> list[str]:
    listing = subprocess.run(["git", "-C", str(REPO_ROOT), command, "-z", *args],
                             capture_output=True, check=True).stdout.decode()
    return list(filter(None, listing.split("\0")))


def copy_course(copy: Path) -> Path:
    """The working tree (tracked and new files, nothing ignored) as a fresh one-commit repo,
    so commands that rewrite labs/ can be tried without touching this checkout. A lab the last
    commit holds is copied as committed; a lab not committed yet (a maintainer's new chapter)
    as it is."""
    committed_labs = {path.split("/")[1] for path in _git_paths("ls-tree", "-r", "--name-only",
                                                                 "HEAD", "--", "labs")}
    for lab in sorted(committed_labs):
        export_committed(f"labs/{lab}", copy)
    for relative in _git_paths("ls-files", "-co", "--exclude-standard"):
        parts = relative.split("/")
        if parts[0] == "labs" and len(parts) > 1 and parts[1] in committed_labs:
            continue
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
