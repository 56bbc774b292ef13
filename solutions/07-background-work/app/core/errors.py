"""How failures become HTTP answers: one envelope, three layers.

1. Routes raise nothing clever; services raise domain errors (app/domain/errors.py).
2. Handlers below map those errors (and FastAPI's own) to statuses and the envelope.
3. The last-resort handler turns anything unexpected into a logged, generic 500.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match

from app.domain.errors import ClinicError, Conflict, NotFound, TimedOut, Unavailable, Unprocessable
from app.schemas.errors import ErrorBody, ErrorEnvelope

logger = logging.getLogger("clinic.errors")

STATUS_BY_KIND: dict[type[ClinicError], int] = {NotFound: 404, Conflict: 409,
                                                 Unprocessable: 422, Unavailable: 502,
                                                 TimedOut: 504}

CODE_BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
}

DESCRIPTIONS = {
    400: "The request body cannot be read, or it breaks a rule of the clinic's.",
    401: "No valid bearer token, or its account is deactivated.",
    403: "The signed-in member of staff may not do this.",
    404: "Something named in the request does not exist.",
    409: "The request clashes with the current state.",
    422: "The request is not well formed.",
    500: "Unexpected failure; it has been logged on our side.",
    502: "A service the clinic depends on failed; nothing was changed.",
    504: "A service the clinic depends on did not answer in time; nothing was changed.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries that document the envelope for these statuses."""
    return {
        status: {"model": ErrorEnvelope, "description": DESCRIPTIONS[status]}
        for status in statuses
    }


def not_authenticated(message: str = "Sign in first: no valid bearer token.",
                      ) -> StarletteHTTPException:
    return StarletteHTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def forbidden(message: str) -> StarletteHTTPException:
    return StarletteHTTPException(403, message)


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorEnvelope(error=ErrorBody(code=code, message=message))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


async def handle_clinic_error(request: Request, exc: ClinicError) -> JSONResponse:
    status = next(
        (status for kind, status in STATUS_BY_KIND.items() if isinstance(exc, kind)), 400
    )
    return error_response(status, exc.code, exc.message)


async def handle_http_exception(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = CODE_BY_STATUS.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail), exc.headers)


async def handle_method_not_allowed(
    request: Request, exc: StarletteHTTPException
) -> JSONResponse:
    # A 405 comes from the first route whose path matches, so its Allow header names that
    # route's methods only: GET and POST /clinicians are two routes, and a PUT there was
    # told "Allow: POST". RFC 9110 wants every method the resource supports, so this
    # collects them from every route whose path matches, included routers' routes too.
    allowed = {
        method
        for route in iter_route_contexts(request.app.routes)
        if route.matches(request.scope)[0] is not Match.NONE
        for method in route.methods or ()
    }
    headers = {**(exc.headers or {}), "Allow": ", ".join(sorted(allowed))}
    return error_response(405, CODE_BY_STATUS[405], str(exc.detail), headers)


async def handle_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = [
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
    ]
    return error_response(422, "validation_error", "; ".join(problems) or "Invalid request.")


async def handle_client_gone(request: Request, exc: ClientDisconnect) -> Response:
    # The client hung up, and the work it asked for was stopped (app/api/disconnect.py): nobody
    # reads this answer (499, as nginx logs it), and nothing failed on our side.
    return Response(status_code=499)


async def handle_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # Starlette re-raises after this handler, so the server logs it too; this record
    # carries the request line, which the server's does not.
    logger.error("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "Something went wrong on our side.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ClinicError, handle_clinic_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(405, handle_method_not_allowed)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(ClientDisconnect, handle_client_gone)
    app.add_exception_handler(Exception, handle_unexpected_error)
