"""Where the lab's own processes run when a class is graded.

`course grade` runs the checks (trusted: the instructor's pristine copy) in a sandbox of their
own, and names in `COURSE_LAB_SANDBOX` what a lab's process may write. Every process that runs
the lab's code (its uvicorn, its jobs, its app served for the in-process checks, harness.remote)
is then started through `lab_command`: bubblewrap, as an unprivileged user of a user namespace
of its own, with no capabilities, a process namespace of its own (it can signal nothing of the
checks'), the whole filesystem read-only but those folders, and the checks' loopback network
(the check's stand-in servers and the lab's servers must reach each other).

A process forked from the checks' (harness.forked) moves into the same sandbox with `confine`
before it runs the lab's code, so the lab's processes start warm in class grading too.

In a learner's own loop the variable is unset and neither changes anything.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections import deque
from pathlib import Path
from typing import IO

VARIABLE = "COURSE_LAB_SANDBOX"
MAX_LINES = 20_000  # what the checks keep of a lab process's output; the rest is read, and dropped


def settings() -> dict | None:
    raw = os.environ.get(VARIABLE)
    if not raw:
        return None
    return json.loads(raw)


def active() -> bool:
    return settings() is not None


def lab_command(command: list[str], cwd: Path) -> list[str]:
    """`command`, run where the lab's code may run: as it is, or inside the sandbox."""
    given = settings()
    if given is None:
        return command
    return [*_bubblewrap(given, cwd), "--", *command]


def _bubblewrap(given: dict, cwd: Path) -> list[str]:
    writable = [arg for folder in given["writable"] for arg in ("--bind", folder, folder)]
    return [
        given["bwrap"], "--unshare-user", "--uid", "65534", "--gid", "65534", "--cap-drop", "ALL",
        "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--ro-bind", "/", "/", "--dev", "/dev", "--ro-bind", "/proc", "/proc", *writable,
        "--die-with-parent", "--new-session", "--chdir", str(cwd),
    ]


def confine(cwd: Path) -> None:
    """In a process forked from the checks' (harness.forked), before it runs any of the lab's
    code: into the sandbox `lab_command` would start a fresh process in. Returns in a child
    born there; this process stays behind, passing signals on and the child's end back."""
    given = settings()
    if given is None:
        return
    from course import namespaces  # the committed course's, as the rest of the harness's

    holder = namespaces.Holder(_bubblewrap(given, cwd))
    namespaces.join(holder.pid)
    namespaces.drop_privileges()
    os.chdir(cwd)
    child = os.fork()
    if child:
        namespaces.forward_and_wait(child, holder)
    os.setsid()
    namespaces.die_with_parent()


def note(text: str) -> None:
    """Tells the grader something the lab did that a verdict does not show (a flag); nothing
    outside class grading."""
    flags = os.environ.get("COURSE_GRADE_FLAGS")
    if flags:
        with contextlib.suppress(OSError), open(flags, "a") as out:
            out.write(text + "\n")


TOO_MUCH_OUTPUT = f"a process of the lab's printed more than {MAX_LINES:,} lines"


class BoundedOutput:
    """Reads a process's output to its end in the background, keeping its last lines: a lab
    that prints without end costs the checks no memory."""

    def __init__(self, stream: IO[bytes] | IO[str] | None) -> None:
        self.lines: deque[str] = deque(maxlen=MAX_LINES)
        self.stream = stream
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        if self.stream is None:
            return
        with contextlib.suppress(OSError, ValueError):
            for count, line in enumerate(self.stream):
                text = line if isinstance(line, str) else line.decode("utf-8", "replace")
                self.lines.append(text.rstrip()[:2000])
                if count == MAX_LINES:
                    note(TOO_MUCH_OUTPUT)

    def tail(self, count: int = 4) -> str:
        return " | ".join(list(self.lines)[-count:]) or "(nothing)"

    def close(self) -> None:
        self._reader.join(2)
        if self.stream is not None:
            with contextlib.suppress(OSError):
                self.stream.close()
