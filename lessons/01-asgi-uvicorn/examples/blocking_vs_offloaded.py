import asyncio
import time

import anyio
import httpx2
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

DELAY = 0.05
app = FastAPI()


def legacy_lookup() -> str:
    time.sleep(DELAY)  # stands for urllib, requests, a sync DB driver...
    return "covered"


# --8<-- [start:blocking]
@app.get("/blocking")
async def blocking() -> dict[str, str]:
    return {"coverage": legacy_lookup()}
# --8<-- [end:blocking]


# --8<-- [start:offloaded]
@app.get("/def-endpoint")
def def_endpoint() -> dict[str, str]:
    return {"coverage": legacy_lookup()}


@app.get("/run-in-threadpool")
async def threadpool() -> dict[str, str]:
    return {"coverage": await run_in_threadpool(legacy_lookup)}


@app.get("/anyio-to-thread")
async def anyio_thread() -> dict[str, str]:
    return {"coverage": await anyio.to_thread.run_sync(legacy_lookup)}


@app.get("/run-in-executor")
async def executor() -> dict[str, str]:
    loop = asyncio.get_running_loop()
    return {"coverage": await loop.run_in_executor(None, legacy_lookup)}


@app.get("/async-client")
async def async_client() -> dict[str, str]:
    await asyncio.sleep(DELAY)  # stands for `await client.get(...)` on an async client
    return {"coverage": "covered"}
# --8<-- [end:offloaded]


# --8<-- [start:measure]
async def wall_time(path: str, concurrent: int = 5) -> float:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://t") as client:
        await client.get(path)  # warm-up, outside the clock
        started = time.perf_counter()
        await asyncio.gather(*(client.get(path) for _ in range(concurrent)))
        return time.perf_counter() - started
# --8<-- [end:measure]


if __name__ == "__main__":
    for route in app.routes:
        path = getattr(route, "path", "")
        if not path.startswith(("/docs", "/openapi", "/redoc")):
            print(f"{path:20} {asyncio.run(wall_time(path)):.3f} s")
