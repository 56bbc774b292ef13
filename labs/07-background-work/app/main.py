"""The Clinic API: `uvicorn app.main:app` from the lab folder."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

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
from app.infra.lab_results import Laboratory, lab_results_client
from app.infra.payments import PaymentProcessor, payments_client


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Read (and validated) here, at startup: a setting that is missing stops the server now,
    # naming it. Through the app's overrides, so that the settings a test swaps in
    # (`app.dependency_overrides[get_settings]`) hold for the resources as for the routes.
    settings = app.dependency_overrides.get(get_settings, get_settings)()
    # Each resource opens after the ones it needs and closes before them, in reverse; when
    # one fails to open, the server does not start, and the ones already open are closed.
    async with AsyncExitStack() as resources:
        engine = make_engine(settings.database_url)
        resources.push_async_callback(engine.dispose)
        await create_tables(engine)
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.http = await resources.enter_async_context(httpx2.AsyncClient())
        app.state.insurer = Insurer(await resources.enter_async_context(
            insurer_client(str(settings.insurer_url), settings.insurer_timeout)))
        app.state.laboratory = Laboratory(await resources.enter_async_context(
            lab_results_client(str(settings.lab_results_url))))
        app.state.payments = PaymentProcessor(await resources.enter_async_context(
            payments_client(str(settings.payments_url), settings.payments_timeout)))
        # Coverage cannot be answered without the catalogue: an insurer that cannot list its
        # plans now stops the server, instead of a server that answers 500s all day.
        app.state.plans = PlanCatalog(await app.state.insurer.plans())
        yield


def create_app() -> FastAPI:
    # FastAPI's own /docs loads Swagger UI from a CDN; app/core/docs.py serves it from here, offline.
    app = FastAPI(title="Clinic", version="0.7.0", lifespan=lifespan, docs_url=None, redoc_url=None)
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
