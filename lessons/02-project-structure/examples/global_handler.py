import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

logger = logging.getLogger("clinic.errors")


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error(
        "Unhandled error on %s %s", request.method, request.url.path, exc_info=exc
    )
    message = "Something went wrong on our side."
    return JSONResponse(
        {"error": {"code": "internal_error", "message": message}}, status_code=500
    )


app = FastAPI(exception_handlers={Exception: unexpected_error})


@app.get("/reports/daily")
async def daily_report() -> dict[str, int]:
    raise PermissionError("report store /srv/clinic/reports is read-only")
