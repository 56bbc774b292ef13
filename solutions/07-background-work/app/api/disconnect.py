"""Work a request waits on, stopped when its client gives up.

A server does not cancel a handler when its client hangs up: the handler goes on waiting for
whatever it asked, for nobody. `until_disconnected` races the work against the client's
`http.disconnect`, and cancels the work if the client goes first.
"""

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from fastapi import Request
from starlette.requests import ClientDisconnect

T = TypeVar("T")


async def until_disconnected(request: Request, work: Awaitable[T]) -> T:
    """What `work` returns (or raises); ClientDisconnect, once `work` is cancelled, if the
    client goes first. For a request whose body is read, or that has none: the watch reads
    what the server receives after it."""
    working = asyncio.ensure_future(work)
    watching = asyncio.ensure_future(_client_gone(request))
    try:
        await asyncio.wait({working, watching}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watching.cancel()
        working.cancel()  # nothing, once it is done
        # Until both have ended: a cancelled call has closed its connection by then.
        await asyncio.wait({working, watching})
    if working.cancelled():
        raise ClientDisconnect()
    return working.result()


async def _client_gone(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass
