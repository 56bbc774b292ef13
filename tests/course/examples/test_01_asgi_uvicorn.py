"""Runs every example of chapter 01 (lessons/01-asgi-uvicorn/examples/)."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

EXAMPLES = Path(__file__).resolve().parents[3] / "lessons" / "01-asgi-uvicorn" / "examples"


def load_example(name: str) -> ModuleType:
    path = EXAMPLES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"chapter01_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    assert asyncio.run(example.serve_one_request(free_port())) == [
        "HTTP/1.1 200 OK", "startup", "request", "shutdown"]


def test_async_under_io_overlaps_waits_only() -> None:
    example = load_example("async_under_io")
    sequential = asyncio.run(example.one_after_another(5, 0.04))
    concurrent = asyncio.run(example.all_at_once(5, 0.04))
    assert sequential >= 0.19
    assert concurrent < sequential / 2
    assert asyncio.run(example.cpu_all_at_once(3, 1000)) >= 0
    assert asyncio.run(example.score_claims_async(4)) == 14


def test_blocking_endpoint_serialises_and_offloads_overlap() -> None:
    example = load_example("blocking_vs_offloaded")
    concurrent = 5
    blocked = asyncio.run(example.wall_time("/blocking", concurrent))
    assert blocked >= concurrent * example.DELAY * 0.95
    for path in ("/def-endpoint", "/run-in-threadpool", "/anyio-to-thread", "/run-in-executor",
                 "/async-client"):
        overlapped = asyncio.run(example.wall_time(path, concurrent))
        assert overlapped < blocked / 2, (path, overlapped, blocked)
    with TestClient(example.app) as client:
        assert client.get("/blocking").json() == {"coverage": "covered"}


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

    command = [sys.executable, "-m", "uvicorn", "workers_model:app", "--app-dir", str(EXAMPLES),
               "--host", "127.0.0.1", "--port", str(free_port()), "--workers", "2"]
    lines: list[str] = []
    both_started = threading.Event()
    with subprocess.Popen(command, cwd=EXAMPLES, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True) as process:

        def read() -> None:
            assert process.stdout
            for line in process.stdout:
                lines.append(line)
                if len(re.findall(r"worker (\d+): lifespan startup", "".join(lines))) == 2:
                    both_started.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            assert both_started.wait(30), "".join(lines)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(15)
            reader.join(5)
    output = "".join(lines)
    started = set(re.findall(r"worker (\d+): lifespan startup", output))
    assert len(started) == 2
    assert set(re.findall(r"worker (\d+): lifespan shutdown", output)) == started
    assert str(process.pid) not in started  # the supervisor serves nothing itself
