"""`on_event` beside `lifespan`: FastAPI runs the lifespan and skips the events, saying
so only in a DeprecationWarning."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

ran: list[str] = []


# --8<-- [start:mixed]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    ran.append("lifespan startup")
    yield
    ran.append("lifespan shutdown")


app = FastAPI(lifespan=lifespan)


@app.on_event("shutdown")  # deprecated, and never called: the app has a lifespan
async def close_clients() -> None:
    ran.append("on_event shutdown")


# --8<-- [end:mixed]
