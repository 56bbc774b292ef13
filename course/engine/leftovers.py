"""Every process a check run started, found and stopped once the run is over.

A lab can start processes of its own (a worker, `subprocess.Popen`, also with
`start_new_session=True`) or leave a server running, and the checks start servers too. The
process group alone misses whatever left it, so a run's processes are found two ways:
- its **session** (the check process leads one): what changed only its process group;
- a **mark** in the environment of the run's first process. Every descendant inherits it,
  however far it is reparented and whatever session it makes: a fork copies the environment
  block that /proc/PID/environ shows, and an exec passes `os.environ` on. Only a process that
  both leaves the session and execs with an environment of its own escapes; that is the
  sandbox's business when a class is graded, not a learner's loop.

Linux reads both in /proc. Elsewhere only the group is stopped (signalled by the caller).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal

MARK = "COURSE_CHECK_RUN"
PROC = "/proc"
# A fork bomb makes new processes while they are being stopped; each round stops what the last
# scan saw, and the run is clean once a scan finds nothing new.
MAX_ROUNDS = 200
GONE_TIMEOUT = 5.0


def new_mark() -> str:
    return os.urandom(8).hex()


def marked(env: dict[str, str], mark: str) -> dict[str, str]:
    return {**env, MARK: mark}


def _stat(pid: str) -> tuple[str, int, str] | None:
    """(state, session, start time) of a process; None when it is gone."""
    try:
        with open(f"{PROC}/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return fields[0].decode(), int(fields[3]), fields[19].decode()


def _environment_has(pid: str, entry: bytes) -> bool:
    try:
        with open(f"{PROC}/{pid}/environ", "rb") as environ:
            return entry in environ.read().split(b"\0")
    except OSError:  # gone, or another user's
        return False


def run_processes(session: int, mark: str, spare: tuple[int, ...] = ()) -> list[tuple[int, str]]:
    """(pid, start time) of every live process of the run: in `session`, or marked `mark`."""
    entry = f"{MARK}={mark}".encode()
    spared = {os.getpid(), *spare}
    found = []
    with contextlib.suppress(FileNotFoundError):
        for name in os.listdir(PROC):
            if not name.isdigit() or int(name) in spared:
                continue
            stat = _stat(name)
            if stat is None or stat[0] in "ZX":  # a zombie is gone already, waiting to be reaped
                continue
            if stat[1] == session or _environment_has(name, entry):
                found.append((int(name), stat[2]))
    return found


def _kill(pid: int, started: str) -> int | None:
    """SIGKILL, through a pidfd where there is one: a pid reused meanwhile is left alone. The
    pidfd (to wait on) or None."""
    if not hasattr(os, "pidfd_open"):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
        return None
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        return None
    stat = _stat(str(pid))
    if stat is None or stat[2] != started:
        os.close(pidfd)
        return None
    with contextlib.suppress(ProcessLookupError, PermissionError):
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    return pidfd


def stop_run(session: int, mark: str, spare: tuple[int, ...] = ()) -> None:
    """Kills the session's group, then every process of the run, until none is left; returns
    once they have died (a pidfd turns readable when its process ends)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(session, signal.SIGKILL)
    signalled: set[tuple[int, str]] = set()
    pidfds: list[int] = []
    try:
        for _ in range(MAX_ROUNDS):
            new = [process for process in run_processes(session, mark, spare)
                   if process not in signalled]
            if not new:
                break
            for process in new:
                signalled.add(process)
                pidfd = _kill(*process)
                if pidfd is not None:
                    pidfds.append(pidfd)
        _wait_gone(pidfds)
    finally:
        for pidfd in pidfds:
            os.close(pidfd)


def _wait_gone(pidfds: list[int]) -> None:
    if not pidfds:
        return
    with select.epoll() as poll:
        for pidfd in pidfds:
            poll.register(pidfd, select.EPOLLIN)
        waiting = len(pidfds)
        while waiting:
            ready = poll.poll(GONE_TIMEOUT)
            if not ready:
                return
            for pidfd, _ in ready:
                poll.unregister(pidfd)
            waiting -= len(ready)
