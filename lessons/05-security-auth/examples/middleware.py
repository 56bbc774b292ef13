from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

STAFF_TOKENS = {"token-of-kofi": 2}


def staff_id_of(authorization: str | None) -> int | None:
    scheme, _, token = (authorization or "").partition(" ")
    return STAFF_TOKENS.get(token) if scheme.lower() == "bearer" else None


clinic = APIRouter()


@clinic.get("/clinicians")
async def list_clinicians() -> list[dict]:
    return [{"id": 7, "full_name": "Dr Ama Osei"}]


@clinic.get("/clinicians/{clinician_id}")
async def read_clinician(clinician_id: int) -> dict:
    return {"id": clinician_id, "full_name": "Dr Ama Osei"}


@clinic.get("/clinicians/{clinician_id}/notes")
async def read_clinician_notes(clinician_id: int) -> dict:
    return {"id": clinician_id, "notes": "On leave in May; cover by Dr Adu."}


# --8<-- [start:middleware]
PUBLIC = ("/clinicians", "/docs", "/openapi.json")


class RequireToken:
    def __init__(self, app: ASGIApp, is_public: Callable[[str], bool]) -> None:
        self.app = app
        self.is_public = is_public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        if staff_id_of(Headers(scope=scope).get("authorization")) is None:
            refusal = JSONResponse({"detail": "Not authenticated"}, 401,
                                   {"WWW-Authenticate": "Bearer"})
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)


exact = FastAPI()
exact.include_router(clinic)
exact.add_middleware(RequireToken, is_public=lambda path: path in PUBLIC)

prefixed = FastAPI()
prefixed.include_router(clinic)
prefixed.add_middleware(RequireToken, is_public=lambda path: path.startswith(PUBLIC))
# --8<-- [end:middleware]


# --8<-- [start:dependency]
bearer = HTTPBearer(auto_error=False)


def current_staff(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> int:
    staff_id = STAFF_TOKENS.get(credentials.credentials) if credentials else None
    if staff_id is None:
        raise HTTPException(401, "Not authenticated",
                            headers={"WWW-Authenticate": "Bearer"})
    return staff_id


public = APIRouter(prefix="/clinicians")
staff = APIRouter(dependencies=[Depends(current_staff)])


@public.get("")
async def list_public() -> list[dict]:
    return [{"id": 7, "full_name": "Dr Ama Osei"}]


@public.get("/{clinician_id}")
async def read_public(clinician_id: int) -> dict:
    return {"id": clinician_id, "full_name": "Dr Ama Osei"}


@staff.get("/clinicians/{clinician_id}/notes")
async def read_notes(clinician_id: int) -> dict:
    return {"id": clinician_id, "notes": "On leave in May; cover by Dr Adu."}


def create_app() -> FastAPI:
    app = FastAPI()
    app.include_router(public)
    app.include_router(staff)
    return app
# --8<-- [end:dependency]


app = create_app()
