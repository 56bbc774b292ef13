from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str = Field(examples=["patient_not_found"])
    message: str = Field(examples=["Patient 42 does not exist."])


class ErrorEnvelope(BaseModel):
    error: ErrorBody


def documented(*statuses: int) -> dict[int | str, dict]:
    return {status: {"model": ErrorEnvelope} for status in statuses}


async def invalid_request(
    request: Request, exc: RequestValidationError
) -> JSONResponse:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = f"{where}: {first['msg']}"
    body = ErrorEnvelope(error=ErrorBody(code="validation_error", message=message))
    return JSONResponse(body.model_dump(), status_code=422)


api_v1 = APIRouter(prefix="/api/v1", responses=documented(422, 500))


@api_v1.get("/patients/{patient_id}", responses=documented(404))
async def read_patient(patient_id: int) -> dict[str, int]:
    return {"id": patient_id}


app = FastAPI(exception_handlers={RequestValidationError: invalid_request})
app.include_router(api_v1)
