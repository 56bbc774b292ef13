"""Whether what grades this checkout is the course's own: the checks, their harness and settings,
every conftest.py pytest could load for them, and the .pth files Python runs at every start.

A lab's code runs inside the check process, so it can rewrite any of these, and every later run
would then grade with its version. In the learner's own loop that is only flagged, in one line,
and the verdict still runs. `course check` starts the scan before the checks and reads it after
them: one `git status` and a look at site-packages, both while the checks run.
"""

from __future__ import annotations

import os
import subprocess
import sysconfig
import threading
from collections.abc import Iterable
from pathlib import Path

from course.engine.paths import REPO_ROOT

# tests/checks holds the checks, the harness, conftest.py and pytest.toml; pytest could also load
# a conftest.py from the folders above it.
GRADING_PATHS = ("tests/checks", "conftest.py", "tests/conftest.py")
STATUS_WORDS = {"?": "untracked", "A": "added", "D": "deleted", "R": "renamed"}
SHOWN = 3


class TamperScan:
    """Started before a check run, `changes()` after it."""

    def __init__(self, root: Path = REPO_ROOT) -> None:
        self._stray_pth: list[str] = []
        self._pth_scan = threading.Thread(target=self._scan_site_packages, daemon=True)
        self._pth_scan.start()
        try:
            # --no-optional-locks: no index refresh written, so a learner's own git never waits.
            self._git: subprocess.Popen[bytes] | None = subprocess.Popen(
                ["git", "--no-optional-locks", "-C", str(root), "status", "--porcelain", "-z",
                 "--untracked-files=all", "--", *GRADING_PATHS],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:  # no git here: nothing to compare with
            self._git = None

    def changes(self, timeout: float = 5.0) -> list[str]:
        """What differs, one short phrase each ("modified tests/checks/conftest.py")."""
        found = self._git_changes(timeout)
        self._pth_scan.join(timeout)
        found += [f"{name} in site-packages, which no installed package put there"
                  for name in self._stray_pth]
        return found

    def _git_changes(self, timeout: float) -> list[str]:
        if self._git is None:
            return []
        try:
            output, _ = self._git.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._git.kill()
            self._git.communicate()
            return []
        if self._git.returncode != 0:  # not a git checkout (a handout zip)
            return []
        entries = iter(output.decode(errors="replace").split("\0"))
        found = []
        for entry in entries:
            if len(entry) < 4:
                continue
            status, path = entry[:2], entry[3:]
            if "R" in status:
                next(entries, None)  # the name it had before
            word = next((STATUS_WORDS[s] for s in status if s in STATUS_WORDS), "modified")
            found.append(f"{word} {path}")
        return found

    def _scan_site_packages(self) -> None:
        self._stray_pth = stray_pth_files()


def stray_pth_files(folders: Iterable[str] = ()) -> list[str]:
    """The .pth files of site-packages (this interpreter's, unless told `folders`) that no
    installed distribution lists in its RECORD. RECORDs are read only until every .pth has an
    owner, so a clean environment costs a few files, not all of them (~30 ms)."""
    folders = set(folders) or {sysconfig.get_paths()[kind] for kind in ("purelib", "platlib")}
    stray: list[str] = []
    for folder in sorted(folders):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        unowned = {entry.name for entry in entries if entry.name.endswith(".pth")}
        for entry in entries:
            if not unowned:
                break
            if entry.name.endswith(".dist-info"):
                unowned -= _listed_in(Path(entry.path) / "RECORD", unowned)
        stray += sorted(unowned)
    return stray


def _listed_in(record: Path, names: set[str]) -> set[str]:
    try:
        text = b"\n" + record.read_bytes()
    except OSError:
        return set()
    return {name for name in names if b"\n" + name.encode() + b"," in text}


def tamper_line(changes: list[str]) -> str:
    """The one line `course check` prints; "" when nothing differs."""
    if not changes:
        return ""
    shown = "; ".join(changes[:SHOWN]) + (f"; and {len(changes) - SHOWN} more"
                                          if len(changes) > SHOWN else "")
    return (f"note: what grades this checkout differs from the committed course ({shown}); "
            "these verdicts may not be the course's")
