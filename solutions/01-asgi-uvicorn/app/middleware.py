"""Raw ASGI middleware: every message between uvicorn and the routes passes through these."""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("clinic.requests")

# Ids from callers end up in our logs, so only short, plain ones are kept.
ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware:
    """Tags every request with an id (the caller's X-Request-ID when it sends a sane one),
    echoes it in the response, reports the app's time in Server-Timing and logs one line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Lifespan and websocket scopes have no method or response headers: pass them through.
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if ACCEPTED_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        method, path = scope["method"], scope["path"]
        started = time.perf_counter()
        status = 500

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["x-request-id"] = request_id
                headers["server-timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            logger.info("%s %s -> %d in %.1f ms [%s]", method, path, status, elapsed_ms, request_id)


class ETagMiddleware:
    """Adds a strong ETag (a digest of the body) so the mobile app can cache and revalidate."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        start: Message | None = None

        async def send_with_etag(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                # The headers go out first, but the ETag depends on the body: hold them back.
                start = message
                return
            if message["type"] == "http.response.body" and start is not None:
                # Only a body sent in one message can be hashed here; a stream (more_body)
                # goes out untouched, without an ETag, rather than held in memory.
                if not message.get("more_body", False):
                    body = message.get("body", b"")
                    MutableHeaders(scope=start)["etag"] = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
                await send(start)
                start = None
            await send(message)

        await self.app(scope, receive, send_with_etag)
