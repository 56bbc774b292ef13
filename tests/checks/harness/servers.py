"""Real servers for checks where a socket matters: a uvicorn process running the lab,
and a tiny upstream HTTP service whose answers the check holds and releases.

Every process started here is stopped by the caller's `with` block, and dies with the
test process if that is killed (Linux parent-death signal).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from course.engine import ports
from harness import sandbox
from harness.forked import (
    ForkedProcess,
    can_fork,
    die_with_parent,
    fork_main,
    lab_environ,
    preload,
)
from harness.labs import forget_app_modules

STARTUP_TIMEOUT = 15.0


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
                 preload: tuple[str, ...] = ("uvicorn.main", "fastapi")) -> None:
        self.lab_dir = lab_dir
        self.app = app
        self.extra_args = extra_args
        self.env = dict(env or {})
        self.fork = fork
        self.preload = preload
        self.port = 0
        self.process: subprocess.Popen[str] | ForkedProcess | None = None
        self.output: list[str] = []
        self._output_changed = threading.Condition()
        self._listening = threading.Event()
        self._reader: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> UvicornProcess:
        self.port = ports.free_port()
        args = [self.app, "--host", "127.0.0.1", "--port", str(self.port),
                "--app-dir", str(self.lab_dir), *self.extra_args]
        env = {"PYTHONUNBUFFERED": "1", **self.env}
        if self.fork and can_fork():
            self.process = self._forked(args, env)
        else:
            self.process = subprocess.Popen(
                sandbox.lab_command([sys.executable, "-m", "uvicorn", *args], self.lab_dir),
                cwd=self.lab_dir,
                env=lab_environ(env), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                preexec_fn=die_with_parent if sys.platform == "linux" else None,
            )
        return self

    def _reading(self) -> None:
        """The output is read from the first time it is needed on, not at once: a reader
        thread would keep this process from forking anything else (uvicorn's start-up output
        waits in the pipe meanwhile)."""
        with self._output_changed:
            if self._reader is None and self.process is not None:
                self._reader = threading.Thread(target=self._read_output, daemon=True)
                self._reader.start()

    def _forked(self, args: list[str], env: dict[str, str]) -> ForkedProcess:
        preload(self.preload)

        def serve() -> None:
            from uvicorn.main import main as uvicorn_command

            forget_app_modules()  # the lab is imported anew, with the server's environment
            uvicorn_command.main(args=args, prog_name="uvicorn")

        return fork_main(serve, cwd=self.lab_dir, env=env, on_start=die_with_parent)

    def _read_output(self) -> None:
        assert self.process and self.process.stdout
        for line in self.process.stdout:
            with self._output_changed:
                if len(self.output) < sandbox.MAX_LINES:  # a lab that prints without end
                    self.output.append(line.rstrip())
                elif len(self.output) == sandbox.MAX_LINES:
                    self.output.append("(more output, not kept)")
                    sandbox.note(sandbox.TOO_MUCH_OUTPUT)
                self._output_changed.notify_all()
            if "Uvicorn running on" in line:
                self._listening.set()
        # The output ends a moment before the process does: wait for its end, so that no one
        # told to stop waiting finds it still running (and then a refused connection).
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        self._listening.set()  # the process ended: stop waiting
        with self._output_changed:
            self._output_changed.notify_all()

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> UvicornProcess:
        self._reading()
        if not self._listening.wait(timeout):
            pytest.fail(f"uvicorn did not start listening within {timeout:.0f} s; "
                        f"its last output: {self.tail()}", pytrace=False)
        if self.process and self.process.poll() is not None:
            pytest.fail(f"uvicorn exited (code {self.process.returncode}) before serving; "
                        f"its last output: {self.tail()}", pytrace=False)
        return self

    def listening(self, timeout: float = STARTUP_TIMEOUT) -> bool:
        """Has uvicorn reported it is listening (its startup done)? False if it ended first."""
        self._reading()
        return (self._listening.wait(timeout) and self.process is not None
                and self.process.poll() is None)

    def tail(self, lines: int = 4) -> str:
        self._reading()
        return " | ".join(list(self.output)[-lines:]) or "(nothing)"

    def logged(self, text: str) -> bool:
        self._reading()
        return any(text in line for line in self.output)

    def mark(self) -> int:
        """A place in the output: `count_since(text, mark)` looks only at what came after."""
        self._reading()
        return len(self.output)

    def count_since(self, text: str, mark: int) -> int:
        return sum(text in line for line in self.output[mark:])

    def wait_logged(self, text: str, mark: int, count: int = 1, timeout: float = 1.5) -> bool:
        """Waits until `text` has shown up `count` times since `mark` (True), or `timeout`
        passes, or the server ends (False): what a server logs after it has answered (a
        traceback, after the 500 went out) arrives a moment later."""
        with self._output_changed:
            return self._output_changed.wait_for(
                lambda: self.count_since(text, mark) >= count
                or (self.process is not None and self.process.poll() is not None), timeout
            ) and self.count_since(text, mark) >= count

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
        # A process the lab started may hold the output pipe open, and the reader in its read:
        # closing a stream another thread is reading would wait for that read, for ever.
        if self.process.stdout and not (self._reader and self._reader.is_alive()):
            self.process.stdout.close()

    def __enter__(self) -> UvicornProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@dataclass
class HttpAnswer:
    """What a client received: status, headers (lower-case names) and body."""

    status_code: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


def _to_json(value: Any) -> bytes:
    return json.dumps(value).encode()


class HttpClient:
    """HTTP/1.1 to a server of the check's, on one kept-alive connection (the standard
    library's http.client: httpx would add a tenth of a second to every check run, and a
    check needs no more than this). `fresh=True` sends a request on a connection of its own,
    closed after the answer."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        address = urlsplit(base_url)
        self.host, self.port = address.hostname or "127.0.0.1", address.port or 80
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def request(self, method: str, url: str, *, json: Any = None, content: bytes | None = None,
                headers: Mapping[str, str] | None = None, fresh: bool = False) -> HttpAnswer:
        """Raises OSError or http.client.HTTPException when no whole answer arrives."""
        sent = dict(headers or {})
        body = content
        if json is not None:
            body = _to_json(json)
            sent.setdefault("Content-Type", "application/json")
        if fresh:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            sent["Connection"] = "close"
        else:
            connection = self._connection or http.client.HTTPConnection(
                self.host, self.port, timeout=self.timeout)
            self._connection = connection
        try:
            connection.request(method, url, body=body, headers=sent)
            response = connection.getresponse()
            answer = HttpAnswer(response.status,
                                {k.lower(): v for k, v in response.getheaders()}, response.read())
            if response.will_close:
                connection.close()
            return answer
        except BaseException:
            # Also pytest-timeout's failure, raised mid-request when the app never answers:
            # a connection left waiting for that answer would fail the next check's request.
            connection.close()
            raise
        finally:
            if fresh:
                connection.close()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


@dataclass
class UpstreamCall:
    """One request the stand-in upstream received, and what became of it."""

    path: str
    query: dict[str, str]
    arrived: float  # time.monotonic()
    answered: float | None = None
    gave_up: float | None = None  # the caller closed the connection before the answer

    @property
    def waiting(self) -> bool:
        return self.answered is None and self.gave_up is None


# The status and JSON body for a call; None holds that call unanswered until its caller gives
# up or the stand-in stops.
Answer = Callable[[UpstreamCall], tuple[int, bytes] | None]


class HeldUpstream:
    """A stand-in for a slow third-party API on 127.0.0.1, as slow as the check says.

    Every GET is recorded as an `UpstreamCall`, then held until `release()`: meanwhile the
    stand-in watches the connection, so a caller that gives up and closes it is seen
    (`gave_up`). `answer(call)` gives the status and JSON body, so each answer can depend on
    what was asked. The socket is bound at once (its `url` can go into a server's
    environment before that server is forked); requests are served from `start()` on.
    """

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.released = threading.Event()
        self.stopped = threading.Event()
        self.calls: list[UpstreamCall] = []
        self._changed = threading.Condition()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                call = UpstreamCall(url.path, dict(parse_qsl(url.query)), time.monotonic())
                upstream._record(call)
                while not upstream.released.wait(0.01):
                    if _closed_by_peer(self.connection):
                        call.gave_up = time.monotonic()
                        upstream._record(None)
                        return
                answer = upstream.answer(call)
                while answer is None and not upstream.stopped.wait(0.01):
                    if _closed_by_peer(self.connection):
                        call.gave_up = time.monotonic()
                        upstream._record(None)
                        return
                if answer is None:
                    return
                status, body = answer
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    call.gave_up = time.monotonic()
                else:
                    call.answered = time.monotonic()
                upstream._record(None)

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

    def _record(self, call: UpstreamCall | None) -> None:
        with self._changed:
            if call is not None:
                self.calls.append(call)
            self._changed.notify_all()

    def wait_until(self, condition: Callable[[list[UpstreamCall]], bool], timeout: float) -> bool:
        """Blocks until `condition(calls)` holds (True) or `timeout` passes (False)."""
        with self._changed:
            return self._changed.wait_for(lambda: condition(list(self.calls)), timeout)

    def release(self) -> None:
        self.released.set()
        self._record(None)

    def start(self) -> HeldUpstream:
        self.thread.start()
        return self

    def __enter__(self) -> HeldUpstream:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.release()
        self.stopped.set()
        if self.thread.is_alive():
            self.server.shutdown()
        self.server.server_close()


def _closed_by_peer(connection: socket.socket) -> bool:
    """Has the other end closed this connection? (Readable, with nothing left to read.)"""
    readable, _, _ = select.select([connection], [], [], 0)
    if not readable:
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.01) -> bool:
    """Poll a condition (never a fixed sleep); True as soon as it holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
