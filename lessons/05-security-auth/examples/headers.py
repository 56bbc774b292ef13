import secrets

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def routes(app: FastAPI) -> FastAPI:
    @app.get("/reset/{token}", name="reset_form")
    async def reset_form(token: str) -> dict:
        return {"token": token}

    @app.post("/password-resets")
    async def request_reset(request: Request) -> dict:
        link = request.url_for("reset_form", token=secrets.token_urlsafe(16))
        return {"emailed_link": str(link)}

    return app


open_app = routes(FastAPI())


# --8<-- [start:headers]
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
# --8<-- [end:headers]


# --8<-- [start:app]
app = routes(FastAPI())
app.add_middleware(TrustedHostMiddleware,
                   allowed_hosts=["api.clinic.example", "127.0.0.1", "localhost"])
app.add_middleware(SecurityHeaders)
# --8<-- [end:app]
