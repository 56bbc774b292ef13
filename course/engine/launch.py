"""Starting a lab's checks: the process that runs them (its command: check_command.py), started
here, forked by a running warm engine, or started early.

`course check` starts the checks from here before anything else of the tool is imported, so this
module imports only what a launch needs (no dataclasses, typing or third-party code; json and
socket only to reach a running engine).
"""

from __future__ import annotations

import abc
import atexit
import contextlib
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from course.engine import leftovers
from course.engine.check_command import (
    RunnerError,
    check_paths_for,
    existing_check_path,
    pytest_args,
    pytest_env,
    resolve_target,
)
from course.engine.paths import REPO_ROOT, STATE_DIR

# pytest, then out at once: a thread or an exit hook the lab left running must not keep the
# process, and with it the verdicts, waiting. The forked runs of course.engine.warm end the same way.
RUN_PYTEST = """
import os, sys
{relay}
relay()
import pytest
code = pytest.main(sys.argv[1:])
sys.stdout.flush()
sys.stderr.flush()
os._exit(int(code))
"""
# The checks run in a child of the process the tool started, which only waits and passes the
# child's end on as its own: the lab's code may kill its parent (os.getppid()), and then ends
# this relay, never the tool (whose handle on the run would go with it) nor course watch's warm
# interpreter. Shared by RUN_PYTEST and course.engine.warm's ZYGOTE.
RELAY = """
def relay():
    import signal
    child = os.fork()
    if child == 0:
        return
    _, status = os.waitpid(child, 0)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:  # the same end, for the tool to read: the signal again, on this process
        try:
            signal.signal(-code, signal.SIG_DFL)
        except (OSError, ValueError):  # SIGKILL and SIGSTOP keep theirs
            pass
        os.kill(os.getpid(), -code)
    os._exit(code & 0xFF)
"""
RUN_PYTEST = RUN_PYTEST.replace("{relay}", RELAY)


# What `course watch` and `course start` serve at ENGINE_SOCKET: one request line, answered
# with the run's pid, then its end (course.engine.warm's ZYGOTE).
ENGINE_PROTOCOL = 1
ENGINE_SOCKET = STATE_DIR / "engine.sock"


class Launch(abc.ABC):
    """A pytest run under way for one lab and target, in a process group of its own."""

    def __init__(self, slug: str, target: str, checks_dir: Path | None = None,
                 only: tuple[str, ...] = (), instructor: bool = False) -> None:
        existing_check_path(slug, checks_dir)
        paths = check_paths_for(slug, checks_dir, instructor=instructor)
        self.scratch = tempfile.TemporaryDirectory(prefix="course-check-")
        self.report = Path(self.scratch.name) / "report.json"
        self.args = pytest_args(paths, target, self.report, only)
        self.started = time.monotonic()

    @abc.abstractmethod
    def wait(self, timeout: float) -> tuple[int, str]:
        """(exit code, output); raises TimeoutError when the run takes longer."""

    @abc.abstractmethod
    def kill(self) -> None:
        """Stop the run and everything it started; harmless once it has ended."""


class ProcessLaunch(Launch):
    """pytest in a fresh interpreter, leading a session of its own; its output goes to a file,
    not a pipe: a process the lab started keeps a pipe open, and reading to its end would wait
    for that process instead of the checks."""

    def __init__(self, slug: str, target: str, checks_dir: Path | None = None,
                 only: tuple[str, ...] = (), instructor: bool = False) -> None:
        super().__init__(slug, target, checks_dir, only, instructor)
        self.output = Path(self.scratch.name) / "output.txt"
        self.mark = leftovers.new_mark()
        self._pidfd: int | None = None
        with self.output.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-c", RUN_PYTEST, *self.args], cwd=REPO_ROOT,
                env=leftovers.marked(pytest_env(), self.mark), stdin=subprocess.DEVNULL,
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def wait(self, timeout: float) -> tuple[int, str]:
        if self._exited(timeout) is False:
            raise TimeoutError
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError from None
        return code, self.output.read_text(errors="replace")

    def _exited(self, timeout: float) -> bool | None:
        """Has the process ended within `timeout`? Told by the kernel the moment it does
        (a pidfd): Popen.wait polls, and can see an end up to 50 ms late. None where there is
        no pidfd (not Linux)."""
        if not hasattr(os, "pidfd_open"):
            return None
        if self._pidfd is None:
            try:
                self._pidfd = os.pidfd_open(self.process.pid)
            except OSError:
                return None
        return bool(select.select([self._pidfd], [], [], timeout)[0])

    def kill(self) -> None:
        """Every process of the run: a check may have started a server, the lab anything."""
        leftovers.stop_run(self.process.pid, self.mark)
        self.process.wait()
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None


class EngineLaunch(Launch):
    """A run forked by the warm interpreter of a `course watch` or `course start` that is
    running already: the checks start with pytest and FastAPI imported."""

    def __init__(self, slug: str, target: str, channel: socket.socket,  # noqa: F821
                 checks_dir: Path | None = None, only: tuple[str, ...] = (),
                 instructor: bool = False) -> None:
        super().__init__(slug, target, checks_dir, only, instructor)
        import json

        self.output = Path(self.scratch.name) / "output.txt"
        self.channel = channel
        self._lines = channel.makefile("rb")
        request = {"protocol": ENGINE_PROTOCOL, "args": self.args, "cwd": str(REPO_ROOT),
                   "output": str(self.output), "env": pytest_env()}
        channel.sendall(json.dumps(request).encode() + b"\n")
        started = self._answer()
        self.pid, self.mark, self.engine = started["pid"], started["mark"], started["engine"]
        self.code: int | None = None

    def _answer(self) -> dict:
        import json

        line = self._lines.readline()
        if not line:
            raise OSError("the engine stopped")
        return json.loads(line)

    def wait(self, timeout: float) -> tuple[int, str]:
        if self.code is None:
            if not select.select([self.channel], [], [], timeout)[0]:
                raise TimeoutError
            try:
                self.code = int(self._answer()["code"])
            except (OSError, ValueError, KeyError):
                self.code = -9  # the engine went with the run: the end is not known
        return self.code, self.output.read_text(errors="replace")

    def kill(self) -> None:
        leftovers.stop_run(self.pid, self.mark, spare=(self.engine,))
        with contextlib.suppress(TimeoutError):
            self.wait(5)  # the engine reports the end of what was just killed
        self._lines.close()
        self.channel.close()


def engine_launch(slug: str, target: str, checks_dir: Path | None = None,
                  only: tuple[str, ...] = (), instructor: bool = False) -> Launch | None:
    """The run, forked by a running engine; None when none answers (then a fresh process)."""
    if not ENGINE_SOCKET.exists():
        return None
    import socket

    if not hasattr(socket, "AF_UNIX"):
        return None
    channel = socket.socket(socket.AF_UNIX)
    try:
        channel.settimeout(1.0)
        channel.connect(str(ENGINE_SOCKET))
        channel.settimeout(None)
        return EngineLaunch(slug, target, channel, checks_dir, only, instructor)
    except (OSError, ValueError, KeyError):
        channel.close()
        return None


def fresh_launch(slug: str, target: str, checks_dir: Path | None = None,
                 only: tuple[str, ...] = (), instructor: bool = False) -> Launch:
    """Where a run starts when nobody passed a launcher: the running engine, or a fresh
    interpreter."""
    return (engine_launch(slug, target, checks_dir, only, instructor)
            or ProcessLaunch(slug, target, checks_dir, only, instructor))


_early: dict[tuple[str, str], Launch] = {}


def start_early(slug: str, target: str) -> None:
    """Start a lab's checks before the rest of the tool has even been imported; `claim_early`
    hands the run over. An early start nobody claims is stopped when the tool exits."""
    try:
        _early[(slug, resolve_target(target))] = fresh_launch(slug, resolve_target(target))
    except RunnerError:
        return  # run_checks will report it properly
    if len(_early) == 1:
        atexit.register(_stop_unclaimed)


def claim_early(slug: str, target: str) -> Launch | None:
    return _early.pop((slug, target), None)


def _stop_unclaimed() -> None:
    for early in _early.values():
        early.kill()
        early.scratch.cleanup()
