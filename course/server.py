"""The local course site: the built pages plus a small API on the learner's progress.

It follows the course's own rules: resources owned by the lifespan, thin routes, response
schemas, liveness apart from readiness, and it binds 127.0.0.1 only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from course.paths import SITE_DIR
from course.registry import Lab, RegistryError, all_labs
from course.state import StateStore


class LabStatus(BaseModel):
    id: str
    slug: str
    title: str
    minutes: int
    checks: dict[str, str]  # check id -> last outcome; empty when never checked
    passing: int
    total: int


class Health(BaseModel):
    status: str
    problems: list[str] = []


def create_app(site_dir: Path = SITE_DIR, store: StateStore | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = store or StateStore()
        app.state.site_dir = site_dir
        yield

    app = FastAPI(title="FastAPI Boundaries (local)", lifespan=lifespan, docs_url="/api/docs",
                  openapi_url="/api/openapi.json", redoc_url=None)

    def state_store(request: Request) -> StateStore:
        return request.app.state.store

    StoreDep = Annotated[StateStore, Depends(state_store)]

    @app.get("/health/live", response_model=Health, tags=["health"])
    async def live() -> Health:
        return Health(status="ok")

    @app.get("/health/ready", response_model=Health, tags=["health"],
             responses={503: {"model": Health}})
    async def ready(request: Request) -> Health | JSONResponse:
        problems = []
        if not (request.app.state.site_dir / "index.html").is_file():
            problems.append("the site is not built (run `course start`)")
        try:
            all_labs()
        except RegistryError as exc:
            problems.append(str(exc))
        if problems:
            return JSONResponse(Health(status="unavailable", problems=problems).model_dump(),
                                status_code=503)
        return Health(status="ok")

    @app.get("/api/labs", response_model=list[LabStatus], tags=["progress"])
    async def labs(store: StoreDep) -> list[LabStatus]:
        state = store.load()
        return [lab_status(lab, state.labs.get(lab.id)) for lab in all_labs()]

    app.mount("/", StaticFiles(directory=site_dir, html=True, check_dir=False), name="site")
    return app


def lab_status(lab: Lab, progress) -> LabStatus:
    checks = dict(progress.last_checks) if progress else {}
    return LabStatus(id=lab.id, slug=lab.slug, title=lab.title, minutes=lab.minutes,
                     checks=checks, passing=sum(o == "passed" for o in checks.values()),
                     total=len(checks))


def serve(port: int = 8000) -> None:
    import uvicorn

    uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning")
