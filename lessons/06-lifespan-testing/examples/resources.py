"""One lifespan owns the service's resources: opened in order, reached through app.state
and dependencies, closed in reverse, whatever happens."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated

import httpx2
from fastapi import Depends, FastAPI, Request

# What opened and closed, in order, for the lesson's test to read.
events: list[str] = []


class Catalog:
    def __init__(self, plans: list[str]) -> None:
        self.plans = plans


async def read_catalog(client: httpx2.AsyncClient) -> Catalog:
    answer = await client.get("/v1/plans")
    answer.raise_for_status()
    return Catalog(answer.json()["plans"])


# --8<-- [start:lifespan]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with AsyncExitStack() as resources:
        # 1. the client first: the catalogue is read through it
        app.state.insurer = await resources.enter_async_context(
            httpx2.AsyncClient(base_url=app.state.insurer_url, timeout=5)
        )
        resources.callback(events.append, "insurer client closed")
        events.append("insurer client opened")
        # 2. then what needs it; if this raises, the client above is closed and the
        #    server does not start
        app.state.catalog = await read_catalog(app.state.insurer)
        events.append("catalogue read")
        yield  # the service serves requests here
    events.append("shut down")  # the stack has closed everything, last opened first


# --8<-- [end:lifespan]


# --8<-- [start:dependency]
def get_insurer(request: Request) -> httpx2.AsyncClient:
    return request.app.state.insurer  # the one client: its pool keeps its connections


Insurer = Annotated[httpx2.AsyncClient, Depends(get_insurer)]


def create_app(insurer_url: str) -> FastAPI:
    app = FastAPI(lifespan=lifespan)
    app.state.insurer_url = insurer_url

    @app.get("/plans")
    async def plans(request: Request) -> list[str]:
        return request.app.state.catalog.plans

    @app.get("/members/{member_id}")
    async def member(member_id: str, insurer: Insurer) -> dict:
        answer = await insurer.get(f"/v1/members/{member_id}")
        return answer.json()

    return app


# --8<-- [end:dependency]
