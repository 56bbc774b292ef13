"""The Clinic application: what uvicorn imports as `app.main:app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.routing import Match

from app.directory import ClinicianDirectory
from app.docs import serve_docs_offline
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


async def method_not_allowed(request: Request, exc: HTTPException) -> Response:
    # A 405 comes from the first route whose path matches, so its Allow header names that
    # route's methods only: GET and POST /api/appointments are two routes, and a PUT there
    # was told "Allow: GET". RFC 9110 wants every method the resource supports, so this
    # collects them from every route whose path matches, included routers' routes too.
    allowed = {
        method
        for route in iter_route_contexts(request.app.routes)
        if route.matches(request.scope)[0] is not Match.NONE
        for method in route.methods or ()
    }
    headers = {**(exc.headers or {}), "Allow": ", ".join(sorted(allowed))}
    return await http_exception_handler(request, HTTPException(405, exc.detail, headers))


def create_app() -> FastAPI:
    # FastAPI's own /docs loads Swagger UI from a CDN; app/docs.py serves it from here, offline.
    app = FastAPI(title="Clinic", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    serve_docs_offline(app)
    app.add_exception_handler(405, method_not_allowed)
    app.state.records = ClinicRecords(DEMO_PATIENTS)
    app.state.tickets = TicketDispenser()
    for module in (health, clinicians, patients, appointments, front_desk):
        app.include_router(module.router)
    # Added last, so it is the outermost: its timing covers everything inside it.
    app.add_middleware(ETagMiddleware)
    app.add_middleware(RequestIdMiddleware)
    return app


app = create_app()
