"""The committed course, read from git: the integrity proof grades the starters, `reset` restores
them and the registry reads lab.toml, whatever a learner has done to the working copy of labs/."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

from course.engine.paths import REPO_ROOT


class NoGitHistory(Exception):
    """This copy of the course has no git history (a handout zip): starters cannot be recovered."""


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, check=False)


def has_git_history() -> bool:
    try:
        return _git("rev-parse", "--verify", "--quiet", "HEAD").returncode == 0
    except FileNotFoundError:  # git itself is not installed
        return False


def head_commit() -> str:
    """The last commit's id; empty without history."""
    try:
        found = _git("rev-parse", "--verify", "--quiet", "HEAD")
    except FileNotFoundError:
        return ""
    return found.stdout.decode().strip() if found.returncode == 0 else ""


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
