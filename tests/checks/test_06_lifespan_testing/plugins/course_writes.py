"""A pytest plugin the checks load into each run of the lab's tests (`-p course_writes`, in the run
and in each of its xdist workers): it notes every file the run's Python opens for writing,
creates, removes or connects a SQLite database to, outside the run's temporary folder, and
writes the list to WRITES_REPORT_DIR when the run ends. An audit hook sees a file a test
writes and deletes again, which no look at the folder afterwards would; and it cannot be
taken back once added."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REPORTS = os.environ.get("WRITES_REPORT_DIR", "")
ALLOWED = tuple(str(Path(p).resolve()) for p in (os.environ.get("TMPDIR", ""), "/proc") if p)
# Devices (/dev/null, a terminal) are no files a test leaves; /dev/shm is a folder like others.
DEVICES, SHARED_MEMORY = "/dev/", "/dev/shm/"
WRITING_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
# sqlite3.connect: the database a test opens (SQLite itself writes it, out of Python's sight).
PATH_EVENTS = ("os.remove", "os.rename", "os.mkdir", "os.rmdir", "shutil.rmtree",
               "shutil.copyfile", "shutil.move", "os.truncate")
written: set[str] = set()


def _note(target: object) -> None:
    if isinstance(target, bytes):
        target = target.decode(errors="replace")
    if not isinstance(target, str | os.PathLike):
        return
    text = os.fspath(target)
    if not text or text.startswith(":memory:") or text.startswith("file::memory:"):
        return
    text = text.removeprefix("file:").split("?")[0]
    full = os.path.abspath(text)
    if full.startswith(DEVICES) and not full.startswith(SHARED_MEMORY):
        return
    if not any(full == root or full.startswith(root + os.sep) for root in ALLOWED):
        written.add(full)


def _audit(event: str, args: tuple) -> None:
    if event == "open" and len(args) >= 3:
        path, mode, flags = args[0], args[1], args[2]
        if isinstance(path, int):
            return
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                (isinstance(flags, int) and flags & WRITING_FLAGS):
            _note(path)
    elif (event == "sqlite3.connect" or event in PATH_EVENTS) and args:
        _note(args[0])


if REPORTS:
    sys.addaudithook(_audit)


def pytest_unconfigure(config: object) -> None:
    if REPORTS:
        report = Path(REPORTS) / f"{os.getpid()}.json"
        report.write_text(json.dumps(sorted(written)))
