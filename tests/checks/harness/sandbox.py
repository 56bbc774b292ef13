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
from pathlib import Path

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
    from course.engine import namespaces  # the committed course's, as the rest of the harness's

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
MAX_BYTES = 4 * 2**20
TOO_MUCH_OUTPUT_BYTES = f"a process of the lab's printed more than {MAX_BYTES // 2**20} MiB"


class OutputFile:
    """A lab process's output, written to a file of the run's scratch space as it comes: no
    thread of the checks' reads it (a thread would keep the check process from forking the
    lab's next process warm), and a lab that prints without end fills only its own scratch
    space, up to the sandbox's limit on a file's size."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = path.open("wb")

    def tail(self, count: int = 4) -> str:
        with contextlib.suppress(OSError), self.path.open("rb") as output:
            output.seek(max(0, output.seek(0, os.SEEK_END) - 65536))
            lines = [line.rstrip()[:2000] for line in
                     output.read().decode("utf-8", "replace").splitlines() if line.strip()]
            return " | ".join(lines[-count:]) or "(nothing)"
        return "(nothing)"

    def close(self) -> None:
        self.file.close()
        with contextlib.suppress(OSError):
            if self.path.stat().st_size > MAX_BYTES:
                note(TOO_MUCH_OUTPUT_BYTES)
            self.path.unlink()
