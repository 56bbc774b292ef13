"""The checks' in-process server (tests/checks/harness/asgi.py) treats an app's lifespan the
way uvicorn does: `--lifespan auto` serves an app whose startup crashed, `--lifespan on`
stops on it, and a request sees the state the startup left."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI, Request

from course.paths import CHECKS_DIR


@pytest.fixture
def asgi(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.syspath_prepend(str(CHECKS_DIR))
    from harness import asgi

    yield asgi


def clinic_app(events: list[str], *, startup_error: Exception | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, str]]:
        events.append("startup")
        if startup_error is not None:
            raise startup_error
        yield {"greeting": "opened"}
        events.append("shutdown")

    app = FastAPI(lifespan=lifespan)

    @app.get("/greeting")
    async def greeting(request: Request) -> dict[str, str]:
        return {"greeting": getattr(request.state, "greeting", "no state")}

    @app.post("/echo/")
    async def echo(body: dict[str, int]) -> dict[str, int]:
        return body

    return app


def test_the_client_starts_the_lifespan_and_shares_its_state(asgi: ModuleType) -> None:
    events: list[str] = []
    with asgi.InProcessClient(clinic_app(events)) as client:
        assert events == ["startup"]
        assert client.get("/greeting").json() == {"greeting": "opened"}
        # FastAPI redirects to the trailing slash; the client follows, as TestClient does.
        assert client.post("/echo", json={"n": 3}).json() == {"n": 3}
        assert client.get("/missing").status_code == 404
    assert events == ["startup", "shutdown"]


def test_a_crashing_startup_stops_the_client_with_its_error(asgi: ModuleType) -> None:
    with pytest.raises(LookupError, match="directory file missing"), \
            asgi.InProcessClient(clinic_app([], startup_error=LookupError("directory file missing"))):
        pass


def test_an_error_that_escapes_the_app_answers_500(asgi: ModuleType) -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
            assert message["type"] == "lifespan.shutdown"
            await send({"type": "lifespan.shutdown.complete"})
            return
        raise RuntimeError("the database went away")

    with asgi.InProcessClient(app) as client:
        assert client.get("/anything").status_code == 500


def test_a_reported_failure_that_then_hangs_is_not_waited_for(asgi: ModuleType) -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no database"})
        await asyncio.Event().wait()

    started = time.monotonic()
    with pytest.raises(asgi.StartupFailed, match="no database"), asgi.InProcessClient(app):
        pass
    assert time.monotonic() - started < 5


def test_lifespan_auto_serves_the_app_without_its_crashed_startup(asgi: ModuleType) -> None:
    import httpx2

    events: list[str] = []
    app = clinic_app(events, startup_error=LookupError("directory file missing"))

    async def main() -> dict[str, str]:
        async with asgi.lifespan(app, required=False) as served:
            transport = httpx2.ASGITransport(app=served)
            async with httpx2.AsyncClient(transport=transport, base_url="http://t") as client:
                return (await client.get("/greeting")).json()

    assert asyncio.run(main()) == {"greeting": "no state"}
    assert events == ["startup"]
