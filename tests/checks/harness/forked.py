"""Processes forked from the check process instead of started as fresh interpreters.

What the check process has already imported (FastAPI, pydantic, SQLAlchemy, uvicorn) is not
imported a second time: on a two-core machine that is a third of a chapter's check run. The
child is made to look like a fresh process (its own standard streams, default signal
handling, none of pytest's logging, warning filters or import hooks) before it runs its
entry point, and it never returns into pytest.

Linux only, and only from a single-threaded process: a fork copies no other thread, and a
lock another thread holds stays locked in the child. `can_fork()` says whether it applies;
callers fall back to a fresh interpreter when it does not. While a class is graded, the child
moves into the lab's sandbox (harness.sandbox.confine) before anything of the lab's runs.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import importlib
import io
import logging
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, NoReturn, TextIO

from course.engine.check_command import CI_MARKERS
from harness import sandbox
from harness.labs import collector_paused

# The check process's own packages, which a fresh interpreter would not have loaded.
CHECK_MODULES = ("pytest", "_pytest", "pluggy", "pytest_timeout", "iniconfig", "harness",
                 "conftest", "course")


def die_with_parent() -> None:
    """SIGTERM when the process that started this one ends (Linux's parent-death signal)."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def can_fork() -> bool:
    return sys.platform == "linux" and threading.active_count() == 1


class ForkedProcess:
    """The parent's handle on the child: the part of `subprocess.Popen` the harness uses
    (text streams; `stderr` is None when it is merged into `stdout`)."""

    def __init__(self, pid: int, stdin_fd: int | None, stdout_fd: int | None,
                 stderr_fd: int | None) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdin: TextIO | None = None if stdin_fd is None else _text(stdin_fd, "w")
        self.stdout: TextIO | None = None if stdout_fd is None else _text(stdout_fd, "r")
        self.stderr: TextIO | None = None if stderr_fd is None else _text(stderr_fd, "r")

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

    def communicate(self, timeout: float | None = None) -> tuple[str, str | None]:
        """Closes stdin, reads stdout and stderr to their end, waits for the exit."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if self.stdin is not None and not self.stdin.closed:
            with contextlib.suppress(BrokenPipeError):  # the child is gone: as Popen does
                self.stdin.close()
        streams = [s for s in (self.stdout, self.stderr) if s is not None and not s.closed]
        chunks: dict[TextIO, list[str]] = {stream: [] for stream in streams}
        with selectors.DefaultSelector() as selector:
            for stream in streams:
                selector.register(stream, selectors.EVENT_READ)
            while selector.get_map():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise subprocess.TimeoutExpired(f"forked process {self.pid}", timeout or 0)
                for key, _ in selector.select(left):
                    data = os.read(key.fd, 65536)
                    if data:
                        chunks[key.fileobj].append(data.decode("utf-8", "replace"))
                    else:
                        selector.unregister(key.fileobj)
                        key.fileobj.close()
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        self.wait(left)
        output = "".join(chunks.get(self.stdout, []))
        errors = None if self.stderr is None else "".join(chunks.get(self.stderr, []))
        return output, errors

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _text(fd: int, mode: str) -> TextIO:
    return open(fd, mode, encoding="utf-8", errors="replace")


def fork_main(main: Callable[[], object], *, cwd: Path, env: Mapping[str, str],
              on_start: Callable[[], None] = lambda: None, stdin: bool = False,
              merge_stderr: bool = True, output: IO[bytes] | None = None) -> ForkedProcess:
    """Runs `main()` in a forked child with `cwd` and `env` (added to this environment).

    Its stdout (and stderr, when merged) is the handle's `stdout`, or goes to the file `output`
    (then nobody need read it as it comes); with `stdin`, the handle's `stdin` writes to it,
    otherwise it reads from /dev/null."""
    stdin_pipe = os.pipe() if stdin else None
    stdout_pipe = os.pipe() if output is None else None
    stderr_pipe = None if merge_stderr else os.pipe()
    pid = os.fork()
    if pid == 0:
        for pipe, ours in ((stdin_pipe, 1), (stdout_pipe, 0), (stderr_pipe, 0)):
            if pipe is not None:
                os.close(pipe[ours])  # the parent's end
        child_stdin = None if stdin_pipe is None else stdin_pipe[0]
        child_stdout = output.fileno() if stdout_pipe is None else stdout_pipe[1]
        child_stderr = child_stdout if stderr_pipe is None else stderr_pipe[1]
        _run_as_fresh_process(main, cwd, env, on_start, stdin_fd=child_stdin,
                              stdout_fd=child_stdout, stderr_fd=child_stderr)
    for pipe, theirs in ((stdin_pipe, 0), (stdout_pipe, 1), (stderr_pipe, 1)):
        if pipe is not None:
            os.close(pipe[theirs])
    return ForkedProcess(pid, None if stdin_pipe is None else stdin_pipe[1],
                         None if stdout_pipe is None else stdout_pipe[0],
                         None if stderr_pipe is None else stderr_pipe[0])


def is_runner_marker(name: str) -> bool:
    """What tells a process it runs under pytest or on a CI machine: a lab's process never sees
    it, in the learner's loop, in class grading and in the course's own CI alike."""
    return name.startswith("PYTEST_") or name in CI_MARKERS


def lab_environ(env: Mapping[str, str]) -> dict[str, str]:
    """The environment of a lab's process started afresh: this one's without the runner's
    variables, and `env` on top."""
    return {**{k: v for k, v in os.environ.items() if not is_runner_marker(k)}, **env}


def preload(modules: Sequence[str]) -> None:
    """Imports what a forked child should find loaded already."""
    with collector_paused():
        for name in modules:
            importlib.import_module(name)


def start_python(code: str, args: Sequence[str], *, cwd: Path, env: Mapping[str, str],
                 preload_first: Sequence[str] = (), stdin: bool = False,
                 ) -> subprocess.Popen[str] | ForkedProcess:
    """`python -c code *args` with stdout and stderr apart: forked once `preload_first` is
    imported here, where forking applies, or a fresh interpreter where it does not."""
    if can_fork():
        preload(preload_first)
        return fork_python(code, args, cwd=cwd, env=env, stdin=stdin)
    return subprocess.Popen(
        sandbox.lab_command([sys.executable, "-c", code, *args], cwd), cwd=cwd,
        env=lab_environ(env),
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)


def fork_python(code: str, args: Sequence[str], *, cwd: Path, env: Mapping[str, str],
                stdin: bool = False) -> ForkedProcess:
    """`python -c code *args`, forked: `PYTHONPATH` in `env` goes first on sys.path, as it
    would in a fresh interpreter; stdout and stderr stay apart."""

    def main() -> None:
        path = env.get("PYTHONPATH", "")
        sys.path[:0] = [entry for entry in path.split(os.pathsep) if entry]
        sys.argv = ["-c", *args]
        exec(compile(code, "<string>", "exec"), {"__name__": "__main__"})

    return fork_main(main, cwd=cwd, env=env, stdin=stdin, merge_stderr=False)


def _run_as_fresh_process(main: Callable[[], object], cwd: Path, env: Mapping[str, str],
                          on_start: Callable[[], None], *, stdin_fd: int | None, stdout_fd: int,
                          stderr_fd: int) -> NoReturn:
    code = 1
    try:
        if stdin_fd is None:
            stdin_fd = os.open(os.devnull, os.O_RDONLY)
        for fd, target in ((stdin_fd, 0), (stdout_fd, 1), (stderr_fd, 2)):
            os.dup2(fd, target)
        # Nothing else of the parent's stays open in the child, as with Popen(close_fds=True):
        # a copy of pytest's own stdout would keep `course check` waiting for its end.
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True)
        on_start()
        sandbox.confine(cwd)  # while a class is graded: from here on, in the lab's sandbox
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
        # Nothing in the child can tell it runs under the checks: as in production, no
        # pytest in sys.modules and no runner's variables.
        for name in [n for n in sys.modules if n.partition(".")[0] in CHECK_MODULES]:
            del sys.modules[name]
        for key in [k for k in os.environ if is_runner_marker(k)]:
            del os.environ[key]
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
