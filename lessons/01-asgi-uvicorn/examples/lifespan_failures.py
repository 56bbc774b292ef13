import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Receive, Scope, Send


# --8<-- [start:crash]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    raise ConnectionError("the clinician directory is unreachable")
    yield


app = FastAPI(lifespan=lifespan)  # uvicorn lifespan_failures:app
# --8<-- [end:crash]


# --8<-- [start:careless]
logger = logging.getLogger("clinic.access")


class CarelessMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        logger.info("%s %s", scope["method"], scope["path"])  # lifespan: KeyError
        await self.app(scope, receive, send)


@asynccontextmanager
async def load_directory(app: FastAPI) -> AsyncIterator[None]:
    app.state.directory = ["Dr. Ines Moreau", "Dr. Kwame Mensah"]
    yield


careless = FastAPI(lifespan=load_directory)  # uvicorn lifespan_failures:careless
careless.add_middleware(CarelessMiddleware)


@careless.get("/api/clinicians")
async def clinicians(request: Request) -> list[str]:
    return request.app.state.directory
# --8<-- [end:careless]
