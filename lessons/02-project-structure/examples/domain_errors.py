from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


# --8<-- [start:errors]
class ClinicError(Exception):
    code = "clinic_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ClinicError):
    pass


class Conflict(ClinicError):
    pass


class PatientNotFound(NotFound):
    code = "patient_not_found"

    def __init__(self, patient_id: int) -> None:
        super().__init__(f"Patient {patient_id} does not exist.")
# --8<-- [end:errors]


# --8<-- [start:service]
PATIENTS = {1: "Ada Byrne"}


def get_patient_name(patient_id: int) -> str:
    if patient_id not in PATIENTS:
        raise PatientNotFound(patient_id)
    return PATIENTS[patient_id]


def reminder_lines(patient_ids: list[int]) -> list[str]:
    lines = []
    for patient_id in patient_ids:
        try:
            lines.append(f"Reminder for {get_patient_name(patient_id)}")
        except ClinicError as exc:
            lines.append(f"skipped: {exc.message}")
    return lines
# --8<-- [end:service]


# --8<-- [start:handler]
STATUS_BY_KIND = {NotFound: 404, Conflict: 409}

app = FastAPI()


@app.exception_handler(ClinicError)
async def clinic_error(request: Request, exc: ClinicError) -> JSONResponse:
    kinds = STATUS_BY_KIND.items()
    status = next((s for kind, s in kinds if isinstance(exc, kind)), 400)
    return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status)


@app.get("/patients/{patient_id}")
async def read_patient(patient_id: int) -> dict[str, str]:
    return {"full_name": get_patient_name(patient_id)}
# --8<-- [end:handler]
