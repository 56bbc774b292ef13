"""Runs every example of chapter 01 (lessons/01-asgi-uvicorn/examples/)."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import ModuleType

import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from course.engine import ports

EXAMPLES = Path(__file__).resolve().parents[3] / "lessons" / "01-asgi-uvicorn" / "examples"


def load_example(name: str) -> ModuleType:
    path = EXAMPLES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"chapter01_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ServerProcess:
    """A server command run from the examples folder, its output read line by line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self.ended = False
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout
        try:
            for line in self.process.stdout:
                with self.changed:
                    self.lines.append(line)
                    self.changed.notify_all()
        finally:
            with self.changed:
                self.ended = True
                self.changed.notify_all()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, ready: Callable[[str], bool], timeout: float = 30) -> bool:
        """Until `ready(output)` holds, or the process has ended and printed everything."""
        with self.changed:
            self.changed.wait_for(lambda: ready(self.output) or self.ended, timeout)
            return ready(self.output)

    def wait_logged(self, text: str, timeout: float = 30) -> bool:
        return self.wait_for(lambda output: text in output, timeout)

    def exit_status(self, timeout: float = 30) -> int:
        status = self.process.wait(timeout)
        self.reader.join(5)
        return status


@contextmanager
def server_process(*arguments: str, env: dict[str, str] | None = None) -> Iterator[ServerProcess]:
    """Runs `python ARGUMENTS` in the examples folder; stopped with SIGINT (uvicorn's Ctrl-C)."""
    with subprocess.Popen([sys.executable, *arguments], cwd=EXAMPLES, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          env={**os.environ, **(env or {})}) as process:
        server = ServerProcess(process)
        try:
            yield server
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
            server.exit_status(15)


def uvicorn_command(target: str, port: int, *options: str) -> list[str]:
    return ["-m", "uvicorn", target, "--app-dir", str(EXAMPLES), "--host", "127.0.0.1",
            "--port", str(port), *options]


def http_get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def passes_once_in(tries: int, check: Callable[[], bool]) -> bool:
    """A timing claim holds in one of a few tries. Load only ever adds time, so a claim that
    is false (a serial endpoint) fails every try, and a slow moment cannot fail it."""
    return any(check() for _ in range(tries))


def test_raw_asgi_app_answers_http_and_lifespan(capsys: pytest.CaptureFixture[str]) -> None:
    example = load_example("raw_asgi_app")
    request = [{"type": "http.request", "body": b"12345", "more_body": False}]
    start, body = asyncio.run(example.call(example.http_scope("POST", "/api/x"), request))
    assert start == {"type": "http.response.start", "status": 200,
                     "headers": [(b"content-type", b"application/json")]}
    assert body["type"] == "http.response.body"
    assert body["body"] == b'{"method": "POST", "path": "/api/x", "received": 5}'

    lifespan = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    sent = asyncio.run(example.call(lifespan, [{"type": "lifespan.startup"},
                                               {"type": "lifespan.shutdown"}]))
    assert [m["type"] for m in sent] == ["lifespan.startup.complete",
                                         "lifespan.shutdown.complete"]
    assert lifespan["state"] == {"greeting": "hello"}

    with pytest.raises(RuntimeError, match="websocket"):
        asyncio.run(example.call({"type": "websocket", "path": "/ws"}, []))

    asyncio.run(example.demo())
    assert "http.response.start" in capsys.readouterr().out

    with TestClient(example.app) as client:  # a framework-free app still runs under a real client
        assert client.get("/api/ping").json()["path"] == "/api/ping"


def test_serve_programmatically_owns_socket_and_lifespan() -> None:
    example = load_example("serve_programmatically")
    assert asyncio.run(example.serve_one_request(ports.free_port())) == [
        "HTTP/1.1 200 OK", "startup", "request", "shutdown"]


def test_async_under_io_overlaps_waits_only() -> None:
    example = load_example("async_under_io")
    calls, delay = 10, 0.03
    sequential = asyncio.run(example.one_after_another(calls, delay))
    assert sequential >= calls * delay  # sleeps never end early: one wait after another

    def gathered_waits_overlap() -> bool:
        return asyncio.run(example.all_at_once(calls, delay)) < sequential / 3

    assert passes_once_in(3, gathered_waits_overlap)

    rounds = 20_000
    single = min(asyncio.run(example.cpu_one_after_another(1, rounds)) for _ in range(3))
    # CPU work gains nothing from gather: ten jobs take at least ten jobs' time, give or take
    # a CPU that speeds up between measurements (hence the factor 2).
    assert asyncio.run(example.cpu_all_at_once(calls, rounds)) >= calls * single / 2
    assert asyncio.run(example.cpu_one_after_another(calls, rounds)) >= calls * single / 2
    assert asyncio.run(example.score_claims_async(4)) == 14


OFFLOADED = ("/def-endpoint", "/run-in-threadpool", "/anyio-to-thread", "/run-in-executor",
             "/async-client")


def test_blocking_endpoint_serialises_and_offloads_overlap() -> None:
    """Ratios, never absolute bounds: N concurrent requests to a blocking endpoint take at least
    N lookups (a sleep never ends early); to an offloaded one, far less than N times one
    request measured the same way, in one of three tries."""
    example = load_example("blocking_vs_offloaded")
    concurrent = 10
    blocked = asyncio.run(example.wall_time("/blocking", concurrent))
    assert blocked >= concurrent * example.DELAY, blocked
    for path in OFFLOADED:

        def overlapped(path: str = path) -> bool:
            one = asyncio.run(example.wall_time(path, 1))
            return asyncio.run(example.wall_time(path, concurrent)) < concurrent * one / 2

        assert passes_once_in(3, overlapped), f"{path}: {concurrent} requests did not overlap"
    with TestClient(example.app) as client:
        assert client.get("/blocking").json() == {"coverage": "covered"}


def test_the_first_offload_of_a_process_imports_anyio_backend() -> None:
    """The warm-up in wall_time exists because the first call sent to a thread loads AnyIO's
    asyncio backend (a one-time cost per process); /blocking never needs it."""
    program = ("import asyncio, sys, blocking_vs_offloaded as example\n"
               "loaded = lambda: 'anyio._backends._asyncio' in sys.modules\n"
               "before = loaded()\n"
               "asyncio.run(example.wall_time('/blocking', 1))\n"
               "after_blocking = loaded()\n"
               "asyncio.run(example.wall_time('/def-endpoint', 1))\n"
               "print(before, after_blocking, loaded())")
    result = subprocess.run([sys.executable, "-c", program], cwd=EXAMPLES, capture_output=True,
                            text=True, timeout=60, check=True)
    assert result.stdout.split() == ["False", "False", "True"], result.stdout + result.stderr


# Both switches, both loops (auto is uvloop where it is installed, as with uvicorn[standard]).
DEBUG_SWITCHES = {"env-asyncio-loop": ([], {"PYTHONASYNCIODEBUG": "1"}, "asyncio"),
                  "dev-mode-auto-loop": (["-X", "dev"], {}, "auto")}


@pytest.mark.parametrize("switch", DEBUG_SWITCHES)
def test_asyncio_debug_reaches_uvicorn_from_python_3_12(switch: str) -> None:
    """1. uvicorn starts with PYTHONASYNCIODEBUG=1 (or python -X dev) 2. a request holds the
    loop for 200 ms 3. asyncio's slow-step warning appears in the server's output from Python
    3.12 on, never on 3.11. By construction, from the sources: uvicorn 0.54 runs its loop
    through uvicorn._compat.asyncio_run, which on 3.11 is asyncio.Runner(debug=False) and from
    3.12 on is asyncio.run(debug=None); debug=None leaves the loop's own default, which
    asyncio's loops and uvloop's both take from PYTHONASYNCIODEBUG or -X dev. Run on 3.11
    here; the same command was checked by hand on 3.12 and 3.13."""
    interpreter, env, loop = DEBUG_SWITCHES[switch]
    port = ports.free_port()
    command = uvicorn_command("slow_callback:app", port, "--loop", loop)
    with server_process(*interpreter, *command, env=env) as server:
        assert server.wait_logged("Uvicorn running on"), server.output
        started = len(server.output)
        assert http_get(port, "/eligibility") == (200, b'{"coverage":"covered"}')
        assert server.wait_logged('"GET /eligibility HTTP/1.1" 200'), server.output
    served = server.output[started:].split("Shutting down")[0]
    slow_step = re.search(r"Executing .+ took \d+\.\d+ seconds", served)
    if sys.version_info >= (3, 12):
        assert slow_step, f"no slow-step warning on Python {sys.version_info[:2]}:\n{served}"
    else:
        assert not slow_step, f"a slow-step warning on Python 3.11:\n{served}"


def test_slow_callback_is_named_under_asyncio_debug(caplog: pytest.LogCaptureFixture) -> None:
    example = load_example("slow_callback")
    with caplog.at_level(logging.WARNING, logger="asyncio"):
        assert asyncio.run(example.ask_once(), debug=True) == 200
    warnings = [r.getMessage() for r in caplog.records if r.name == "asyncio"]
    assert any(re.search(r"Executing <Task .*ask_once.* took \d", m) for m in warnings), warnings


def test_passthrough_middleware_keeps_lifespan_and_websockets() -> None:
    example = load_example("passthrough_middleware")
    with TestClient(example.app) as client:
        answer = client.get("/api/clinicians")
        assert answer.json() == ["Dr. Ines Moreau", "Dr. Kwame Mensah"]
        assert float(answer.headers["x-process-time"]) >= 0
        with client.websocket_connect("/ws/echo") as websocket:
            websocket.send_text("ping")
            assert websocket.receive_text() == "ping"


def test_streaming_bodies_arrive_in_several_messages() -> None:
    example = load_example("streaming_bodies")
    messages = asyncio.run(example.collect(example.app, "/export.csv"))
    bodies = [m for m in messages if m["type"] == "http.response.body"]
    assert len(bodies) == 5
    assert [m.get("more_body", False) for m in bodies] == [True, True, True, True, False]
    assert example.whole_body(messages) == b"id,reason\n1,check-up\n2,check-up\n3,check-up\n"

    counter = example.ResponseSizeMiddleware(example.app)
    counted = asyncio.run(example.collect(counter, "/export.csv"))
    assert example.whole_body(counted) == example.whole_body(messages)
    assert counter.sizes == [len(example.whole_body(messages))]
    asyncio.run(example.collect(counter, "/missing"))
    assert len(counter.sizes) == 2


def test_launch_reloads_only_in_development(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    example = load_example("launch")
    development = example.uvicorn_options("development")
    production = example.uvicorn_options("production")
    assert development["reload"] is True
    assert "reload" not in production
    assert production["workers"] == 2
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    assert example.uvicorn_options("production")["workers"] == 4
    assert not uvicorn.Config("app.main:app", **production).should_reload

    started: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.update(options, app=app))
    monkeypatch.delenv("CLINIC_ENV", raising=False)
    example.main()
    assert started["app"] == "app.main:app" and "reload" not in started


def test_workers_model_each_worker_runs_its_own_lifespan() -> None:
    example = load_example("workers_model")
    with TestClient(example.app) as client:
        first, second = client.get("/whoami").json(), client.get("/whoami").json()
    assert first["pid"] == first["loaded_by"] == os.getpid()
    assert second["visits"] == first["visits"] + 1

    startups = re.compile(r"worker (\d+): lifespan startup")
    command = uvicorn_command("workers_model:app", ports.free_port(), "--workers", "2")
    with server_process(*command) as server:
        assert server.wait_for(lambda output: len(startups.findall(output)) == 2), server.output
        supervisor = server.process.pid
    started = set(startups.findall(server.output))
    assert len(started) == 2
    assert set(re.findall(r"worker (\d+): lifespan shutdown", server.output)) == started
    assert str(supervisor) not in started  # the supervisor serves nothing itself


def test_lifespan_failures_raise_straight_into_an_in_process_client() -> None:
    example = load_example("lifespan_failures")
    with pytest.raises(ConnectionError, match="directory"), TestClient(example.app):
        pass
    with pytest.raises(KeyError, match="method"), TestClient(example.careless):
        pass


def test_a_lifespan_that_raises_stops_uvicorn_in_every_mode() -> None:
    """Starlette answers lifespan.startup.failed, so uvicorn never reads it as unsupported."""
    with ExitStack() as running:
        servers = [running.enter_context(server_process(*uvicorn_command(
            "lifespan_failures:app", ports.free_port(), "--lifespan", mode))) for mode in ("auto", "on")]
        for server in servers:
            assert server.exit_status() == 3, server.output
    for server in servers:
        assert "ConnectionError: the clinician directory is unreachable" in server.output
        assert "Application startup failed. Exiting." in server.output
        assert "appears unsupported" not in server.output
        assert "Uvicorn running on" not in server.output


def test_a_middleware_that_raises_first_reads_as_unsupported_under_auto() -> None:
    """1. auto: one INFO line, startup skipped, the service serves 2. its startup's state is
    missing (500) and a WebSocket handshake answers 500 3. on: the traceback, exit status 3."""
    port = ports.free_port()
    with ExitStack() as running:
        auto = running.enter_context(server_process(*uvicorn_command(
            "lifespan_failures:careless", port)))
        on = running.enter_context(server_process(*uvicorn_command(
            "lifespan_failures:careless", ports.free_port(), "--lifespan", "on")))
        assert auto.wait_logged("Uvicorn running on"), auto.output
        assert "INFO:     ASGI 'lifespan' protocol appears unsupported." in auto.output
        assert "Application startup complete." in auto.output
        assert http_get(port, "/api/clinicians") == (500, b"Internal Server Error")
        assert websocket_handshake_status(port, "/ws") == 500
        assert on.exit_status() == 3, on.output
    assert "ERROR:    Exception in 'lifespan' protocol" in on.output
    assert "KeyError: 'method'" in on.output
    assert "Application startup failed. Exiting." in on.output


def websocket_handshake_status(port: int, path: str) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: clinic\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n".encode())
        status_line = sock.makefile("rb").readline().decode()
    return int(status_line.split()[1])


@pytest.fixture
def fastapi_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, object]]:
    """`fastapi ARGS` in-process, with uvicorn.run replaced: the options it would start with."""
    from fastapi_cli.cli import app as cli

    monkeypatch.chdir(EXAMPLES)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the CLI adds the app's folder
    monkeypatch.setenv("FASTAPI_ENV", "unset")
    monkeypatch.delenv("FASTAPI_ENV")  # `fastapi dev` sets it; restored afterwards
    for module in ("front_desk", "raw_asgi_app"):
        monkeypatch.delitem(sys.modules, module, raising=False)

    def invoke(*arguments: str, refused: str = "") -> dict[str, object]:
        started: dict[str, object] = {}
        monkeypatch.setattr(uvicorn, "run", lambda **options: started.update(options))
        result = CliRunner().invoke(cli, list(arguments))
        assert result.exit_code == (1 if refused else 0), result.output
        assert refused in " ".join(result.output.split())
        for module in ("front_desk", "raw_asgi_app"):
            sys.modules.pop(module, None)
        return started

    return invoke


def test_fastapi_dev_and_run_are_uvicorn_with_other_defaults(fastapi_cli) -> None:
    development = fastapi_cli("dev", "front_desk.py")
    assert development["app"] == "front_desk:app"
    assert (development["host"], development["port"], development["reload"]) == (
        "127.0.0.1", 8000, True)
    production = fastapi_cli("run", "front_desk.py")
    assert (production["host"], production["reload"]) == ("0.0.0.0", False)
    assert fastapi_cli("run", "front_desk.py", "--host", "127.0.0.1")["host"] == "127.0.0.1"
    assert fastapi_cli("run", "front_desk.py", "--workers", "2")["workers"] == 2
    # A raw ASGI app is not started: the CLI looks for a FastAPI object.
    assert fastapi_cli("run", "raw_asgi_app.py", refused="Could not find FastAPI app") == {}


def test_fastapi_run_serves_on_loopback_when_told() -> None:
    port = ports.free_port()
    command = ["-m", "fastapi", "run", "front_desk.py", "--host", "127.0.0.1", "--port", str(port)]
    with server_process(*command) as server:
        assert server.wait_logged("Uvicorn running on"), server.output
        assert http_get(port, "/health") == (200, b'{"status":"ok"}')
    for shown in ("Starting FastAPI in production mode", "Using import string: front_desk:app",
                  f"Uvicorn running on http://127.0.0.1:{port}"):
        assert shown in server.output, server.output
