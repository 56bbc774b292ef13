"""Authentication, once, in front of every route: a request that is not on the public list
must carry a bearer token, which is read here and left in `request.state.claims` for the
routes' dependencies (app/api/deps.py)."""

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.config import get_settings
from app.core.errors import error_response
from app.core.tokens import read_access_token

PUBLIC_PREFIXES = ("/docs", "/openapi.json", "/api/v1/auth/")
PUBLIC_ROUTES = {("POST", "/api/v1/patients"), ("GET", "/api/v1/clinicians")}


def is_public(method: str, path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES) or (method, path.rstrip("/")) in PUBLIC_ROUTES


class AuthenticationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_public(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        claims = read_access_token(token, get_settings()) if scheme.lower() == "bearer" else None
        if claims is None:
            answer = error_response(401, "not_authenticated", "Sign in first: no valid bearer token.",
                                    {"WWW-Authenticate": "Bearer"})
            await answer(scope, receive, send)
            return
        scope.setdefault("state", {})["claims"] = claims
        await self.app(scope, receive, send)
