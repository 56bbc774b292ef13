"""The committed starters, read from git: the integrity proof grades them and `reset` restores them,
whatever a learner has done to the working copy of labs/."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from course.paths import REPO_ROOT, STATE_DIR


class NoGitHistory(Exception):
    """This copy of the course has no git history (a handout zip): starters cannot be recovered."""


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, check=False)


def has_git_history() -> bool:
    try:
        return _git("rev-parse", "--verify", "--quiet", "HEAD").returncode == 0
    except FileNotFoundError:  # git itself is not installed
        return False


def read_committed(pathspec: str) -> dict[str, bytes]:
    """The committed files matching `pathspec` (git's wildcards), by path; none without history."""
    try:
        archive = _git("archive", "--format=tar", "HEAD", "--", pathspec)
    except FileNotFoundError:  # git itself is not installed
        return {}
    if archive.returncode != 0:  # no history, or nothing committed matches
        return {}
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        return {member.name: tar.extractfile(member).read()  # type: ignore[union-attr]
                for member in tar.getmembers() if member.isfile()}


def export_committed(relative: str, destination: Path) -> Path:
    """Write the committed tree at `relative` (e.g. labs/01-asgi-uvicorn) under `destination`."""
    if not has_git_history():
        raise NoGitHistory("this copy of the course has no git history, so the committed "
                           "starters cannot be read")
    archive = _git("archive", "--format=tar", "HEAD", "--", relative)
    if archive.returncode != 0:
        raise NoGitHistory(f"{relative} is not in the last commit "
                           f"({archive.stderr.decode(errors='replace').strip()})")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(destination, filter="data")
    return destination / relative


def restore_committed(relative: str) -> None:
    """Replace the working copy of `relative` with its committed version (back it up first!)."""
    live = REPO_ROOT / relative
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    # Beside the lab's file system, so the swap is two renames (the lab is never half there);
    # unique per command. What is replaced goes into the scratch folder and away with it.
    with tempfile.TemporaryDirectory(dir=STATE_DIR, prefix="restore-") as scratch:
        fresh = export_committed(relative, Path(scratch))
        live.parent.mkdir(parents=True, exist_ok=True)
        if live.exists():
            shutil.move(str(live), str(Path(scratch) / "replaced"))
        shutil.move(str(fresh), str(live))
