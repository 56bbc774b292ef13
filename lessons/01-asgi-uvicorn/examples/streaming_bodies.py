import asyncio
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

app = FastAPI()


@app.get("/export.csv")
async def export() -> StreamingResponse:
    async def rows() -> AsyncIterator[str]:
        yield "id,reason\n"
        for n in range(1, 4):
            yield f"{n},check-up\n"

    return StreamingResponse(rows(), media_type="text/csv")


# --8<-- [start:collect]
async def collect(asgi_app: ASGIApp, path: str) -> list[Message]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "headers": [], "server": ("clinic.test", 80)}
    sent: list[Message] = []
    request_sent = False
    answered = asyncio.Event()

    async def receive() -> Message:
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await answered.wait()  # a client stays connected until the answer is complete
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        is_body = message["type"] == "http.response.body"
        if is_body and not message.get("more_body", False):
            answered.set()

    await asgi_app(scope, receive, send)
    return sent


def whole_body(messages: list[Message]) -> bytes:
    body = b""
    for message in messages:
        if message["type"] == "http.response.body":
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
    return body
# --8<-- [end:collect]


# --8<-- [start:counter]
class ResponseSizeMiddleware:
    """Counts the bytes of every response body without holding any of them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.sizes: list[int] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        size = 0

        async def counting_send(message: Message) -> None:
            nonlocal size
            if message["type"] == "http.response.body":
                size += len(message.get("body", b""))
                if not message.get("more_body", False):
                    self.sizes.append(size)
            await send(message)

        await self.app(scope, receive, counting_send)
# --8<-- [end:counter]


if __name__ == "__main__":
    for message in asyncio.run(collect(app, "/export.csv")):
        print(message)
