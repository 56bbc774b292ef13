"""Serving a lab's app inside the check's own process, as a server would: the lifespan protocol
driven the way uvicorn drives it, HTTP requests through httpx2's ASGI transport.

`InProcessClient` is for checks that make many requests against one app: unlike TestClient,
it runs the app on the check's own thread, in one event loop kept for the whole module, so a
request costs no hop to a server thread (~3 ms each with TestClient).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, Self


class StartupFailed(Exception):
    """The app answered `lifespan.startup.failed` without raising."""


@asynccontextmanager
async def lifespan(app: Any, *, required: bool) -> AsyncIterator[Any]:
    """Runs the app's startup, yields the app to serve (each request sees the state the
    startup left), and runs the shutdown after the block.

    `required=False` is uvicorn's default, `--lifespan auto`: an app whose startup crashes
    is served without it, and the checks report what is then missing. `required=True` is
    `--lifespan on` (TestClient's way too): the startup's error stops the check."""
    state: dict[str, Any] = {}
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    crash: list[BaseException] = []

    async def run() -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"},
                 "state": state}
        try:
            await app(scope, to_app.get, from_app.put)
        except Exception as exc:
            crash.append(exc)
            await from_app.put({"type": "crashed"})

    task = asyncio.create_task(run())
    await to_app.put({"type": "lifespan.startup"})
    answer = await from_app.get()
    started = answer["type"] == "lifespan.startup.complete"
    if required and not started:
        # Starlette raises right after reporting the failure; an app that reports it and
        # then waits for more messages is not waited for long.
        await asyncio.wait({task}, timeout=1)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if crash:
            raise crash[0]
        raise StartupFailed(answer.get("message") or "the app's startup failed")

    async def app_with_state(scope: Any, receive: Any, send: Any) -> None:
        if started:
            scope["state"] = dict(state)
        await app(scope, receive, send)

    try:
        yield app_with_state
    finally:
        if started:
            await to_app.put({"type": "lifespan.shutdown"})
            await from_app.get()
        await task


class InProcessClient:
    """A synchronous HTTP client for an app served in this thread (`with` starts its
    lifespan, as `--lifespan on` would). Responses are httpx2 responses; redirects are
    followed, as TestClient does."""

    def __init__(self, app: Any, base_url: str = "http://testserver") -> None:
        self.app = app
        self.base_url = base_url
        self._runner: asyncio.Runner | None = None
        self._stack = AsyncExitStack()
        self._client: Any = None

    def __enter__(self) -> Self:
        self._runner = asyncio.Runner()
        try:
            self._runner.run(self._start())
        except BaseException:
            self._runner.close()
            raise
        return self

    async def _start(self) -> None:
        import httpx2

        served = await self._stack.enter_async_context(lifespan(self.app, required=True))
        transport = httpx2.ASGITransport(app=served, raise_app_exceptions=False)
        self._client = await self._stack.enter_async_context(httpx2.AsyncClient(
            transport=transport, base_url=self.base_url, follow_redirects=True))

    def __exit__(self, *exc_info: object) -> None:
        assert self._runner is not None
        try:
            self._runner.run(self._stack.aclose())
        finally:
            self._runner.close()

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        assert self._runner is not None, "use the client in a `with` block"
        return self._runner.run(self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Any:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.request("DELETE", url, **kwargs)
