"""The local course site: the built pages plus a small API on the learner's progress.

It follows the course's own rules: resources owned by the lifespan, thin routes, response
schemas, liveness apart from readiness, and it binds 127.0.0.1 only.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel

from course.engine import ports
from course.engine.links import section_path
from course.engine.paths import SITE_DIR
from course.engine.registry import Lab, RegistryError, all_labs, find_lab
from course.engine.state import LabProgress, State, StateStore
from course.learner.progress_feed import ProgressFeed


class CheckStatus(BaseModel):
    id: str
    outcome: str  # last outcome, or "not checked"
    lesson: str | None  # the section that teaches what this check looks for


class LabStatus(BaseModel):
    id: str
    slug: str
    title: str
    minutes: int
    run: str  # the command that starts the lab, from its folder
    url: str  # where that command serves it (the port plan)
    checks: list[CheckStatus]
    passing: int
    total: int
    checked: bool


class Health(BaseModel):
    status: str
    problems: list[str] = []


def state_store(request: Request) -> StateStore:
    return request.app.state.store


def progress_feed(request: Request) -> ProgressFeed:
    return request.app.state.feed


def known_lab(lab_id: str) -> Lab:
    try:
        return find_lab(lab_id)
    except RegistryError:
        raise HTTPException(404, f"no lab {lab_id}") from None


StoreDep = Annotated[StateStore, Depends(state_store)]
FeedDep = Annotated[ProgressFeed, Depends(progress_feed)]
LabDep = Annotated[Lab, Depends(known_lab)]


def create_app(site_dir: Path = SITE_DIR, store: StateStore | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = store or StateStore()
        app.state.site_dir = site_dir
        app.state.feed = ProgressFeed(app.state.store)
        await app.state.feed.start()
        try:
            yield
        finally:
            await app.state.feed.stop()

    # FastAPIOffline is FastAPI with its /api/docs page's scripts served from here, not a CDN.
    app = FastAPIOffline(title="FastAPI Boundaries (local)", lifespan=lifespan, docs_url="/api/docs",
                         openapi_url="/api/openapi.json", redoc_url=None, static_url="/api/docs/assets")

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

    @app.get("/api/labs/{lab_id}", response_model=LabStatus, tags=["progress"])
    async def one_lab(lab: LabDep, store: StoreDep) -> LabStatus:
        return lab_status(lab, store.load().labs.get(lab.id))

    @app.get("/api/labs/{lab_id}/stream", tags=["progress"],
             response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "the lab's status now, then on every change"}})
    async def lab_stream(lab: LabDep, feed: FeedDep) -> StreamingResponse:
        def render(state: State) -> str:
            return lab_status(lab, state.labs.get(lab.id)).model_dump_json()

        return StreamingResponse(
            feed.events(render), media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    app.mount("/", StaticFiles(directory=site_dir, html=True, check_dir=False), name="site")
    return app


def lab_status(lab: Lab, progress: LabProgress | None) -> LabStatus:
    last = progress.last_checks if progress else {}
    names = list(last) or lab.learner_checks
    checks = [CheckStatus(id=name, outcome=last.get(name, "not checked"),
                          lesson=section_path(lab, name)) for name in names]
    return LabStatus(id=lab.id, slug=lab.slug, title=lab.title, minutes=lab.minutes,
                     run=lab.run, url=lab.service_url, checks=checks,
                     passing=sum(c.outcome == "passed" for c in checks), total=len(checks),
                     checked=bool(last))


class PortTaken(Exception):
    """The site's port cannot be had; the message is one line, with no URL in it."""


def claim_port(port: int = ports.SITE_PORT) -> socket.socket:
    """The site's listening socket on 127.0.0.1, bound before anything is built or announced,
    so a taken port is said at once and nobody can take it in the meantime. Port 0: any free
    one (the socket knows which)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if os.name == "nt":  # there SO_REUSEADDR would let another server share the port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
    else:  # as uvicorn does: a restart need not wait for the last connections to time out
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((ports.HOST, port))
    except OSError as exc:
        sock.close()
        if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", None)):
            raise PortTaken(f"port {port} on {ports.HOST} is taken: is the course already "
                            "running in another terminal? Stop it, or choose another port "
                            "with --port") from None
        raise PortTaken(f"cannot listen on port {port} of {ports.HOST}: "
                        f"{exc.strerror or exc}") from None
    return sock


def serve(sock: socket.socket) -> None:
    import uvicorn

    # Open status streams never end by themselves: give them one second on Ctrl-C.
    config = uvicorn.Config(create_app(), log_level="warning", timeout_graceful_shutdown=1)
    uvicorn.Server(config).run(sockets=[sock])
