import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

visits = 0


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.loaded_by = os.getpid()
    print(f"worker {os.getpid()}: lifespan startup, directory loaded", flush=True)
    yield
    print(f"worker {os.getpid()}: lifespan shutdown", flush=True)


app = FastAPI(lifespan=lifespan)


@app.get("/whoami")
async def whoami() -> dict[str, int]:
    global visits
    visits += 1
    return {"pid": os.getpid(), "loaded_by": app.state.loaded_by, "visits": visits}
