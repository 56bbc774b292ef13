import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

events: list[str] = []


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    events.append("startup")
    yield
    events.append("shutdown")


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    events.append("request")
    return {"status": "ok"}


# --8<-- [start:serve]
async def serve_one_request(port: int) -> list[str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /health HTTP/1.1\r\nHost: clinic\r\nConnection: close\r\n\r\n")
    status_line = (await reader.readline()).decode().strip()
    await reader.read()
    writer.close()

    server.should_exit = True  # what uvicorn's SIGINT/SIGTERM handler does
    await serving
    return [status_line, *events]
# --8<-- [end:serve]


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=8000)
