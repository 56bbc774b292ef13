"""The interactive docs at /docs, served by the app itself so that they work with no network:
FastAPI's built-in page loads Swagger UI from a CDN. This is the same page, made by FastAPI's own
`get_swagger_ui_html` (its guide "Custom Docs UI Static Assets"), with the Swagger UI files that
the fastapi-offline package ships, read once and served from memory. /redoc stays off: ReDoc
fetches its logo from the web.
"""

from collections.abc import Awaitable, Callable
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response

ASSETS = "/docs/assets"
MEDIA_TYPES = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
               "favicon.png": "image/png"}


def serve_docs_offline(app: FastAPI) -> None:
    """/docs, its files and its OAuth2 redirect page, for an app made with `docs_url=None,
    redoc_url=None` (FastAPI's CDN pages turned off). Like FastAPI's, they are not in the OpenAPI
    document."""

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            oauth2_redirect_url=f"{root}{app.swagger_ui_oauth2_redirect_url}",
            init_oauth=app.swagger_ui_init_oauth, swagger_ui_parameters=app.swagger_ui_parameters)

    async def swagger_ui_oauth2_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    app.add_route("/docs", swagger_ui, include_in_schema=False)
    app.add_route(app.swagger_ui_oauth2_redirect_url, swagger_ui_oauth2_redirect, include_in_schema=False)
    for name, media_type in MEDIA_TYPES.items():
        app.add_route(f"{ASSETS}/{name}", packaged_file(name, media_type), include_in_schema=False)


def packaged_file(name: str, media_type: str) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint that answers with one of fastapi-offline's files, read now."""
    content = (files("fastapi_offline") / "static" / name).read_bytes()

    async def send_file(request: Request) -> Response:
        return Response(content, media_type=media_type)

    return send_file
