"""Real servers for checks where a socket matters: a uvicorn process running the lab,
and a tiny upstream HTTP service whose answers the check holds and releases.

Every process started here is stopped by the caller's `with` block, and dies with the
test process if that is killed (Linux parent-death signal).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harness.forked import ForkedProcess, can_fork, fork_main, preload
from harness.labs import forget_app_modules

STARTUP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


class UvicornProcess:
    """`uvicorn <app>` for the lab folder, on 127.0.0.1 and a free port.

    `start()` returns at once so the server boots while other checks run;
    `wait_ready()` blocks until uvicorn reports it is listening.

    By default the server is `python -m uvicorn` in a fresh interpreter. With `fork=True`
    it is uvicorn's own command line run in a process forked from this one, once `preload`
    (and uvicorn) are imported here: the lab itself is imported anew in the child, from
    disk, with the server's environment. That saves importing FastAPI twice; keep the fresh
    interpreter where the check is about the process itself (workers, reload, signals).
    Where forking does not apply (not Linux, other threads running) it falls back to it.
    """

    def __init__(self, lab_dir: Path, app: str = "app.main:app", *, extra_args: tuple[str, ...] = (),
                 env: Mapping[str, str] | None = None, fork: bool = False,
                 preload: tuple[str, ...] = ("fastapi",)) -> None:
        self.lab_dir = lab_dir
        self.app = app
        self.extra_args = extra_args
        self.env = dict(env or {})
        self.fork = fork
        self.preload = preload
        self.port = 0
        self.process: subprocess.Popen[str] | ForkedProcess | None = None
        self.output: deque[str] = deque(maxlen=200)
        self._listening = threading.Event()
        self._reader: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> UvicornProcess:
        self.port = free_port()
        args = [self.app, "--host", "127.0.0.1", "--port", str(self.port),
                "--app-dir", str(self.lab_dir), *self.extra_args]
        env = {"PYTHONUNBUFFERED": "1", **self.env}
        if self.fork and can_fork():
            self.process = self._forked(args, env)
        else:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", *args], cwd=self.lab_dir,
                env={**os.environ, **env}, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()
        return self

    def _forked(self, args: list[str], env: dict[str, str]) -> ForkedProcess:
        preload(("uvicorn.main", *self.preload))
        from uvicorn.main import main as uvicorn_command

        def serve() -> None:
            forget_app_modules()  # the lab is imported anew, with the server's environment
            uvicorn_command.main(args=args, prog_name="uvicorn")

        return fork_main(serve, cwd=self.lab_dir, env=env, on_start=_die_with_parent)

    def _read_output(self) -> None:
        assert self.process and self.process.stdout
        for line in self.process.stdout:
            self.output.append(line.rstrip())
            if "Uvicorn running on" in line:
                self._listening.set()
        self._listening.set()  # the process ended: stop waiting

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> UvicornProcess:
        if not self._listening.wait(timeout):
            pytest.fail(f"uvicorn did not start listening within {timeout:.0f} s; "
                        f"its last output: {self.tail()}", pytrace=False)
        if self.process and self.process.poll() is not None:
            pytest.fail(f"uvicorn exited (code {self.process.returncode}) before serving; "
                        f"its last output: {self.tail()}", pytrace=False)
        return self

    def tail(self, lines: int = 4) -> str:
        return " | ".join(list(self.output)[-lines:]) or "(nothing)"

    def logged(self, text: str) -> bool:
        return any(text in line for line in self.output)

    def send_signal(self, signum: int) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signum)

    def wait_exit(self, timeout: float) -> int | None:
        if self.process is None:
            return None
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self._reader:
            self._reader.join(2)
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self) -> UvicornProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class HeldUpstream:
    """A stand-in for a slow third-party API on 127.0.0.1.

    Each request is recorded, then held until `release()`; `on_request(path)` builds
    the JSON body. `arrived` is set when the first request comes in.
    """

    def __init__(self, on_request: Callable[[str], bytes]) -> None:
        self.on_request = on_request
        self.arrived = threading.Event()
        self.released = threading.Event()
        self.paths: list[str] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                upstream.paths.append(self.path)
                upstream.arrived.set()
                upstream.released.wait(30)
                body = upstream.on_request(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # A short poll interval: shutting the server down waits for the next poll.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.005,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def release(self) -> None:
        self.released.set()

    def __enter__(self) -> HeldUpstream:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def release_after(upstream: HeldUpstream, seconds: float) -> Iterator[None]:
    """A watchdog: releases the upstream after `seconds` even if the event loop is stuck."""
    timer = threading.Timer(seconds, upstream.release)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.01) -> bool:
    """Poll a condition (never a fixed sleep); True as soon as it holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
