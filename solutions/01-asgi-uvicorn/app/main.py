"""The Clinic application: what uvicorn imports as `app.main:app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.directory import ClinicianDirectory
from app.middleware import ETagMiddleware, RequestIdMiddleware
from app.records import DEMO_PATIENTS, ClinicRecords
from app.routes import appointments, clinicians, front_desk, health, patients
from app.settings import get_settings
from app.tickets import TicketDispenser

logger = logging.getLogger("clinic")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    directory_file = get_settings().directory_file
    app.state.directory = ClinicianDirectory.from_file(directory_file)
    logger.info("loaded %d clinicians from %s", len(app.state.directory), directory_file)
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="Clinic", version="0.1.0", lifespan=lifespan)
    app.state.records = ClinicRecords(DEMO_PATIENTS)
    app.state.tickets = TicketDispenser()
    for module in (health, clinicians, patients, appointments, front_desk):
        app.include_router(module.router)
    # Added last, so it is the outermost: its timing covers everything inside it.
    app.add_middleware(ETagMiddleware)
    app.add_middleware(RequestIdMiddleware)
    return app


app = create_app()
