"""A client that hangs up does not stop the handler: uvicorn only tells the app, through
`receive`. Serve it with `uvicorn disconnect:app`, with a partner at PARTNER_URL."""

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import TypeVar

import httpx2
from fastapi import FastAPI, Request, Response

log = logging.getLogger("uvicorn.error")  # uvicorn's log: shown in its output
T = TypeVar("T")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    url = os.environ.get("PARTNER_URL", "http://127.0.0.1:8001")
    async with httpx2.AsyncClient(base_url=url, timeout=60) as partner:
        app.state.partner = partner
        yield


app = FastAPI(lifespan=lifespan)


# --8<-- [start:unwatched]
@app.get("/results/unwatched")
async def unwatched(request: Request) -> dict:
    answer = await request.app.state.partner.get("/v1/results")
    gone = await request.is_disconnected()
    log.info("unwatched: the partner answered; the client is gone: %s", gone)
    return answer.json()


# --8<-- [end:unwatched]


# --8<-- [start:watched]
class ClientGone(Exception):
    """The client hung up before the answer was ready."""


async def unless_disconnected(request: Request, call: Awaitable[T]) -> T:
    """Awaits `call`, and cancels it if the client hangs up first. Start it only once
    the request's body has been read: the watcher reads what comes after it."""
    work = asyncio.ensure_future(call)

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        work.cancel()

    watcher = asyncio.create_task(watch())
    try:
        return await work
    except asyncio.CancelledError:
        if watcher.done() and not watcher.cancelled():
            raise ClientGone from None  # the watcher cancelled it
        raise  # cancelled from outside (a shutdown): pass it on
    finally:
        watcher.cancel()


@app.exception_handler(ClientGone)
async def client_gone(request: Request, exc: ClientGone) -> Response:
    log.info("watched: the client is gone; the partner call was cancelled")
    return Response(status_code=499)  # nobody reads it: nginx's "client closed" code


@app.get("/results/watched")
async def watched(request: Request) -> dict:
    call = request.app.state.partner.get("/v1/results")
    answer = await unless_disconnected(request, call)
    return answer.json()


# --8<-- [end:watched]
