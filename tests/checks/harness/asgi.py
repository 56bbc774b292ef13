"""Serving a lab's app inside the check's own process, as a server would: the lifespan protocol
driven the way uvicorn drives it, HTTP requests through httpx2's ASGI transport.

`InProcessClient` is for checks that make many requests against one app: unlike TestClient,
it runs the app on the check's own thread, in one event loop kept for the whole module, so a
request costs no hop to a server thread (~3 ms each with TestClient).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, Self

# A startup that neither finishes nor fails is given this long; uvicorn would wait forever.
STARTUP_TIMEOUT = 5.0
SHUTDOWN_TIMEOUT = 5.0


class StartupFailed(Exception):
    """The app reported `lifespan.startup.failed` (or, with `required`, its startup raised):
    uvicorn would exit instead of serving."""


class StartupHung(Exception):
    """The app neither finished nor failed its startup: uvicorn would never start serving."""


@asynccontextmanager
async def lifespan(app: Any, *, required: bool) -> AsyncIterator[Any]:
    """Runs the app's startup as uvicorn does, yields the app to serve (each request sees a
    copy of the state the startup left), and runs the shutdown after the block.

    `required=False` is uvicorn's default, `--lifespan auto`: an app whose lifespan call raises
    before answering is served without a startup ("ASGI 'lifespan' protocol appears
    unsupported"), and one that returns without answering is served as if it had started.
    A reported failure (`lifespan.startup.failed`, which Starlette sends when the app's own
    lifespan raises) stops it in both modes, as it stops uvicorn. `required=True` is
    `--lifespan on` (TestClient's way too): any error in the startup stops it."""
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

    task = asyncio.create_task(run())
    await to_app.put({"type": "lifespan.startup"})
    answer = await _answer_or_end(from_app, task, STARTUP_TIMEOUT)
    if answer is None and not task.done():
        await _stop(task)
        raise StartupHung(f"the app's startup neither finished nor failed within "
                          f"{STARTUP_TIMEOUT:.0f} s: uvicorn would never start serving")
    kind = answer["type"] if answer else ""
    if kind == "lifespan.startup.failed" or (required and crash):
        # Starlette raises right after reporting the failure; an app that reports it and then
        # waits for more messages is not waited for long.
        await asyncio.wait({task}, timeout=1)
        await _stop(task)
        if required and crash:
            raise crash[0]
        message = (answer or {}).get("message") or (
            f"{type(crash[0]).__name__}: {crash[0]}" if crash else "the app's startup failed")
        raise StartupFailed(message)
    started = kind == "lifespan.startup.complete"

    async def app_with_state(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            scope["state"] = dict(state)
        await app(scope, receive, send)

    try:
        yield app_with_state
    finally:
        if started and not task.done():
            await to_app.put({"type": "lifespan.shutdown"})
            await _answer_or_end(from_app, task, SHUTDOWN_TIMEOUT)
        await asyncio.wait({task}, timeout=SHUTDOWN_TIMEOUT)
        await _stop(task)


async def _answer_or_end(messages: asyncio.Queue[dict[str, Any]], task: asyncio.Task[None],
                         timeout: float) -> dict[str, Any] | None:
    """The app's next lifespan message; None if the app ended first, or none came in time."""
    getting = asyncio.ensure_future(messages.get())
    await asyncio.wait({getting, task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if getting.done():
        return getting.result()
    getting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await getting
    return None if task.done() or messages.empty() else messages.get_nowait()


async def _stop(task: asyncio.Task[None]) -> None:
    if not task.done():
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class EscapeRecorder:
    """Wraps an app and records each exception that escapes it on an HTTP request, which
    uvicorn would log as "Exception in ASGI application". The client still gets its answer
    (a 500, or the response already sent); `escaped` holds (request line, exception)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.escaped: list[tuple[str, BaseException]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception as exc:
            if scope["type"] == "http":
                self.escaped.append((f"{scope['method']} {scope['path']}", exc))
            raise


def with_routes_of_its_own(app: Any, routes: list[Any]) -> Any:
    """The lab's application with its own middleware, exception handlers and lifespan, but the
    check's `routes` (Starlette routes) in place of the lab's: responses of the check's choosing
    go through the lab's middleware, and no route is added to the lab's app. None when `app`
    is not a Starlette (FastAPI) application."""
    from starlette.applications import Starlette
    from starlette.routing import Router

    from harness.remote import RemoteApp

    if isinstance(app, RemoteApp):  # served by the lab's own process: the routes stay here
        return app.with_inner(Router(routes=routes)) if app.starlette else None
    if not isinstance(app, Starlette):
        return None
    twin = copy.copy(app)
    twin.router = Router(routes=routes, lifespan=app.router.lifespan_context)
    twin.middleware_stack = None
    return twin


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
