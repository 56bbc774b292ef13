"""A teammate's new routes, added to the clinic as the brief says a teammate adds one: each
states who may call it in its signature (`CurrentPatient`, `CurrentStaff` or `AdminStaff` from
app/api/deps.py), a public one states nothing. This module runs where the lab's code runs (the
check's process, or the lab's own when a class is graded): `NEW_ROUTES` names the prefixes,
made up by the check, and `NEW_ROUTES_WORD` what the public routes answer.

`app` is the clinic with these routes added, a copy with its own router and state: the lab's
own app object, which other checks use, keeps exactly its routes.
"""

import copy
import json
import os

from fastapi import APIRouter
from starlette.datastructures import State

from app.api import deps
from app.main import app as clinic


def routes_at(prefix: str, word: str) -> APIRouter:
    router = APIRouter(prefix=prefix)

    @router.get("/open")
    async def open_to_everyone() -> dict[str, str]:
        return {"word": word}

    @router.get("/mine")
    async def for_the_patient(me: deps.CurrentPatient) -> dict[str, int]:
        return {"id": me.id}

    @router.get("/desk")
    async def for_staff(me: deps.CurrentStaff) -> dict[str, int]:
        return {"id": me.id}

    @router.get("/office")
    async def for_admins(me: deps.AdminStaff) -> dict[str, int]:
        return {"id": me.id}

    return router


def with_new_routes(prefixes: list[str], word: str) -> object:
    app = copy.copy(clinic)
    app.router = copy.copy(clinic.router)
    app.router.routes = list(clinic.router.routes)
    # The router's own entry point is bound to the router it was made with: bind the copy's.
    app.router.middleware_stack = app.router.app
    app.state = State()
    app.middleware_stack = None
    app.openapi_schema = None
    for prefix in prefixes:
        app.include_router(routes_at(prefix, word))
    return app


app = with_new_routes(json.loads(os.environ["NEW_ROUTES"]), os.environ["NEW_ROUTES_WORD"])
