"""A learner's archive unpacked where nothing in it can reach outside its own folder.

A zip is a learner's file, so it is read as hostile: a member whose name climbs out (`../`,
an absolute path, a drive) refuses the whole archive; a symbolic link is never made (its
target could be anywhere); the sizes its members declare are capped before anything is
written. A git bundle is cloned with symbolic links checked out as plain files and no hooks.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path, PurePosixPath

MAX_BYTES = 2 * 2**30  # what one learner's archive may unpack to
MAX_MEMBERS = 200_000
CLONE_TIMEOUT = 300


class UnsafeArchive(Exception):
    """The archive cannot be unpacked safely, or at all; the message says why, in one line."""


def _relative_name(name: str) -> PurePosixPath | None:
    """The member's path inside the archive, or None when it would be written outside it."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts or name.startswith(("/", "\\")) or ":" in parts[0] or ".." in parts:
        return None
    return PurePosixPath(*parts)


def _is_link(member: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(member.external_attr >> 16)


def unzip(archive: Path, into: Path) -> list[str]:
    """Unpack `archive` into the folder `into`; returns what was left out (symbolic links)."""
    try:
        with zipfile.ZipFile(archive) as source:
            members = source.infolist()
            if len(members) > MAX_MEMBERS:
                raise UnsafeArchive(f"it holds {len(members):,} files, more than {MAX_MEMBERS:,}")
            declared = sum(member.file_size for member in members)
            if declared > MAX_BYTES:
                raise UnsafeArchive(f"it unpacks to {declared / 2**30:.1f} GiB, more than "
                                    f"{MAX_BYTES / 2**30:.0f} GiB")
            escaping = [m.filename for m in members if _relative_name(m.filename) is None]
            if escaping:
                raise UnsafeArchive(f"its member {escaping[0]!r} would be written outside the "
                                    "learner's folder")
            links = [m.filename for m in members if _is_link(m)]
            into.mkdir(parents=True, exist_ok=True)
            for member in members:
                if _is_link(member):
                    continue
                relative = _relative_name(member.filename)
                assert relative is not None
                target = into.joinpath(*relative.parts)
                if member.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with source.open(member) as data, open(target, "wb") as out:
                    shutil.copyfileobj(data, out, 1 << 20)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise UnsafeArchive(f"it is not a readable zip ({exc})") from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: an encrypted member
        raise UnsafeArchive(f"it could not be unpacked ({exc})") from None
    return [f"left out {len(links)} symbolic link(s) of the zip, e.g. {links[0]}"] if links else []


def clone_bundle(bundle: Path, into: Path) -> list[str]:
    """A working copy of the git bundle's HEAD (or of its first branch, without one)."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1"}
    safe = ["-c", "core.symlinks=false", "-c", "core.hooksPath=/dev/null"]

    def git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(["git", *safe, *args], cwd=cwd, env=env, capture_output=True,
                                  text=True, timeout=CLONE_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise UnsafeArchive(f"git could not clone it ({exc})") from None

    cloned = git("clone", "--quiet", "--no-checkout", *(f"--config={c}" for c in safe[1::2]),
                 str(bundle), str(into))
    if cloned.returncode != 0:
        said = (cloned.stderr.strip().splitlines() or ["no reason given"])[-1]
        raise UnsafeArchive(f"it is not a git bundle git can clone ({said})")
    head = git("rev-parse", "--verify", "--quiet", "HEAD", cwd=into).stdout.strip()
    if not head:
        branches = git("for-each-ref", "--format=%(refname)", "refs/remotes/origin",
                       cwd=into).stdout.split()
        if not branches:
            raise UnsafeArchive("the bundle holds no branch")
        head = branches[0]
    checked = git("checkout", "--quiet", "--detach", head, cwd=into)
    if checked.returncode != 0:
        raise UnsafeArchive(f"its files could not be checked out ({checked.stderr.strip()[:200]})")
    return []


UNPACKERS = {".zip": unzip, ".bundle": clone_bundle}


def unpack(archive: Path, into: Path) -> list[str]:
    """`archive` (a .zip or a .bundle) unpacked into `into`, which must not exist yet; a
    failure leaves nothing behind."""
    try:
        return UNPACKERS[archive.suffix.lower()](archive, into)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(into)
        raise
