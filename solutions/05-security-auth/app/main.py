"""The Clinic API: `uvicorn app.main:app` from the lab folder."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.api.router import api_router
from app.core.config import get_settings
from app.core.docs import serve_docs_offline
from app.core.errors import install_error_handlers
from app.infra.db import create_tables, make_engine, make_sessionmaker


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Read (and validated) here, at startup: a setting that is missing stops the server now,
    # naming it, instead of failing the first request that needs it.
    settings = get_settings()
    engine = make_engine(settings.database_url)
    await create_tables(engine)
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.http = httpx2.AsyncClient()
    try:
        yield
    finally:
        await app.state.http.aclose()
        await engine.dispose()


def create_app() -> FastAPI:
    # FastAPI's own /docs loads Swagger UI from a CDN; app/core/docs.py serves it from here, offline.
    app = FastAPI(title="Clinic", version="0.5.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    serve_docs_offline(app)
    install_error_handlers(app)
    app.include_router(api_router)
    # The patient portal, a browser app on an origin of its own, sends its bearer token: only
    # the origins configured may read the answers, and a preflight names what they may send.
    app.add_middleware(CORSMiddleware, allow_origins=get_settings().cors_origins,
                       allow_credentials=True, allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
                       allow_headers=["Authorization", "Content-Type"])
    return app


app = create_app()
