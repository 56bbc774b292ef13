"""A server process forked from the check process instead of started as a fresh interpreter.

What the check process has already imported (FastAPI, pydantic, uvicorn) is not imported a
second time: on a two-core machine that is a third of a chapter's check run. The child is
made to look like a fresh process (its own stdout and stderr, default signal handling, no
pytest logging, capture or warning filters) before it runs the server's own entry point.

Linux only, and only from a single-threaded process: a fork copies no other thread, and a
lock another thread holds stays locked in the child. `can_fork()` says whether it applies.
"""

from __future__ import annotations

import faulthandler
import io
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NoReturn


def can_fork() -> bool:
    return sys.platform == "linux" and threading.active_count() == 1


class ForkedProcess:
    """The parent's handle on the child: the part of `subprocess.Popen` the harness uses."""

    def __init__(self, pid: int, output_fd: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdout = open(output_fd, encoding="utf-8", errors="replace")  # noqa: SIM115

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere
                self.returncode = -signal.SIGKILL
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"forked process {self.pid}", timeout or 0)
            time.sleep(0.005)
        return code

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def fork_main(main: Callable[[], object], *, cwd: Path, env: Mapping[str, str],
              on_start: Callable[[], None] = lambda: None) -> ForkedProcess:
    """Runs `main()` in a forked child with `cwd` and `env` (added to this environment); its
    stdout and stderr are the handle's `stdout`. The child never returns into the caller."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _run_as_fresh_process(main, cwd, env, write_fd, on_start)
    os.close(write_fd)
    return ForkedProcess(pid, read_fd)


def _run_as_fresh_process(main: Callable[[], object], cwd: Path, env: Mapping[str, str],
                          output_fd: int, on_start: Callable[[], None]) -> NoReturn:
    code = 1
    try:
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        os.close(devnull)
        os.close(output_fd)
        sys.stdin = open(0, closefd=False)  # noqa: SIM115
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True)
        on_start()
        for signum in (signal.SIGALRM, signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        if faulthandler.is_enabled():
            faulthandler.disable()
        # What pytest set up for itself: log capture, warning filters, its assert rewriting.
        logging.root.handlers.clear()
        logging.root.setLevel(logging.WARNING)
        warnings.resetwarnings()
        warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
        for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning,
                         ResourceWarning):
            warnings.simplefilter("ignore", category, append=True)
        sys.meta_path[:] = [finder for finder in sys.meta_path
                            if type(finder).__name__ != "AssertionRewritingHook"]
        os.chdir(cwd)
        os.environ.update(env)
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
