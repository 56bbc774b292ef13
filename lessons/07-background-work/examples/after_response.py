"""Work after the answer, twice: handed to BackgroundTasks, and started as a bare
task that nobody keeps. Serve it with `uvicorn after_response:app`, with a notifier
at NOTIFIER_URL."""

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
from fastapi import BackgroundTasks, FastAPI, Request

log = logging.getLogger("uvicorn.error")  # uvicorn's log: shown in its output


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    url = os.environ.get("NOTIFIER_URL", "http://127.0.0.1:8001")
    async with httpx2.AsyncClient(base_url=url, timeout=30) as notifier:
        app.state.notifier = notifier
        yield


app = FastAPI(lifespan=lifespan)


async def send_confirmation(notifier: httpx2.AsyncClient, patient: str) -> None:
    message = {"to": patient, "subject": "Your appointment is booked"}
    try:
        answer = await notifier.post("/v1/messages", json=message)
        answer.raise_for_status()
    except asyncio.CancelledError:
        log.info("confirmation to %s: cancelled", patient)
        raise
    log.info("confirmation to %s: sent", patient)


# --8<-- [start:background]
@app.post("/appointments", status_code=201)
async def book(patient: str, request: Request, tasks: BackgroundTasks) -> dict:
    tasks.add_task(send_confirmation, request.app.state.notifier, patient)
    return {"patient": patient, "status": "booked"}  # sent first; then the task runs


# --8<-- [end:background]


# --8<-- [start:unowned]
@app.post("/appointments/unowned", status_code=201)
async def book_unowned(patient: str, request: Request) -> dict:
    confirmation = send_confirmation(request.app.state.notifier, patient)
    asyncio.create_task(confirmation)  # noqa: RUF006 (ruff sees the mistake)
    return {"patient": patient, "status": "booked"}  # and nobody owns the task


# --8<-- [end:unowned]
