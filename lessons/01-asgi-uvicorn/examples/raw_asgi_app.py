import json

from starlette.types import Message, Receive, Scope, Send


# --8<-- [start:app]
async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                scope["state"]["greeting"] = "hello"
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    elif scope["type"] == "http":
        request = await receive()
        answer = {"method": scope["method"], "path": scope["path"],
                  "received": len(request.get("body", b""))}
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": json.dumps(answer).encode()})
    else:
        raise RuntimeError(f"this app does not speak {scope['type']!r}")
# --8<-- [end:app]


# --8<-- [start:drive]
async def call(scope: Scope, incoming: list[Message]) -> list[Message]:
    inbox = list(incoming)
    sent: list[Message] = []

    async def receive() -> Message:
        return inbox.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def http_scope(method: str, path: str) -> Scope:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": b"", "headers": [(b"host", b"clinic.test")]}


async def demo() -> None:
    body = b'{"patient_id": 1}'
    request = [{"type": "http.request", "body": body, "more_body": False}]
    for message in await call(http_scope("POST", "/api/check-in"), request):
        print(message)

    lifespan = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    events = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    print(await call(lifespan, events), lifespan["state"])
# --8<-- [end:drive]


if __name__ == "__main__":
    import asyncio

    asyncio.run(demo())
