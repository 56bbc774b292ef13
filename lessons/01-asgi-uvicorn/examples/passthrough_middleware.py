import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, WebSocket
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


# --8<-- [start:middleware]
class ProcessTimeMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()

        async def send_with_time(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = time.perf_counter() - started
                MutableHeaders(scope=message)["x-process-time"] = f"{elapsed:.4f}"
            await send(message)

        await self.app(scope, receive, send_with_time)
# --8<-- [end:middleware]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.directory = ["Dr. Ines Moreau", "Dr. Kwame Mensah"]
    yield


app = FastAPI(lifespan=lifespan)
app.add_middleware(ProcessTimeMiddleware)


@app.get("/api/clinicians")
async def clinicians() -> list[str]:
    return app.state.directory


@app.websocket("/ws/echo")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
    await websocket.close()
