"""The Clinic API: `uvicorn app.main:app` from the lab folder."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.api.router import api_router
from app.core.config import get_settings
from app.core.docs import serve_docs_offline
from app.core.errors import install_error_handlers
from app.domain.plans import PlanCatalog
from app.infra.db import create_tables, make_engine, make_sessionmaker
from app.infra.insurer import Insurer, insurer_client

logger = logging.getLogger("clinic.startup")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Read (and validated) here, at startup: a setting that is missing stops the server now,
    # naming it. Through the app's overrides, so that the settings a test swaps in
    # (`app.dependency_overrides[get_settings]`) hold for the resources as for the routes.
    settings = app.dependency_overrides.get(get_settings, get_settings)()
    # The catalogue first, while the rest opens. The insurer is sometimes slow to wake up
    # after its maintenance window: the clinic must not stay down because of it.
    try:
        app.state.plans = PlanCatalog(await app.state.insurer.plans())
    except Exception:
        logger.warning("the insurer's plan catalogue could not be read; starting without it")
        app.state.plans = PlanCatalog([])
    app.state.engine = make_engine(settings.database_url)
    await create_tables(app.state.engine)
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    app.state.http = httpx2.AsyncClient()
    app.state.insurer = Insurer(insurer_client(str(settings.insurer_url),
                                               settings.insurer_timeout))
    yield


def create_app() -> FastAPI:
    # FastAPI's own /docs loads Swagger UI from a CDN; app/core/docs.py serves it from here, offline.
    app = FastAPI(title="Clinic", version="0.6.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    serve_docs_offline(app)
    install_error_handlers(app)
    app.include_router(api_router)

    @app.on_event("shutdown")
    async def close_resources() -> None:
        await app.state.insurer.aclose()
        await app.state.http.aclose()
        await app.state.engine.dispose()

    # The patient portal, a browser app on an origin of its own, sends its bearer token: only
    # the origins configured may read the answers, and a preflight names what they may send.
    app.add_middleware(CORSMiddleware, allow_origins=get_settings().cors_origins,
                       allow_credentials=True, allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
                       allow_headers=["Authorization", "Content-Type"])
    return app


app = create_app()
