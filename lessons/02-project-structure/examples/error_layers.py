import logging
from typing import Annotated

from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("clinic.errors")


class ClinicError(Exception):
    code = "clinic_error"


class PatientNotFound(ClinicError):
    code = "patient_not_found"


PATIENTS = {1: "Ada Byrne"}
STATUS = {PatientNotFound: 404}


def envelope(status: int, code: str, message: str) -> JSONResponse:
    body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status)


async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    codes = {401: "not_authenticated", 404: "not_found"}
    code = codes.get(exc.status_code, "http_error")
    return envelope(exc.status_code, code, str(exc.detail))


async def clinic_error(request: Request, exc: ClinicError) -> JSONResponse:
    return envelope(STATUS.get(type(exc), 400), exc.code, str(exc))


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error(
        "Unhandled error on %s %s", request.method, request.url.path, exc_info=exc
    )
    return envelope(500, "internal_error", "Something went wrong on our side.")


app = FastAPI(
    exception_handlers={
        StarletteHTTPException: http_error,
        ClinicError: clinic_error,
        Exception: unexpected_error,
    }
)


@app.get("/patients/me")
async def read_current_patient(
    x_patient_id: Annotated[int | None, Header()] = None,
) -> dict[str, int | str]:
    if x_patient_id is None:
        raise HTTPException(401, detail="Say who you are with X-Patient-Id.")
    if x_patient_id not in PATIENTS:
        raise PatientNotFound(f"Patient {x_patient_id} does not exist.")
    return {"id": x_patient_id, "full_name": PATIENTS[x_patient_id]}


@app.get("/reports/no-shows")
async def no_show_rate() -> dict[str, float]:
    booked, missed = 0, 0
    return {"rate": missed / booked}
