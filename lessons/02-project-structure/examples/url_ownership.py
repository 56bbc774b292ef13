from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")


@router.get("/patients/{patient_id}/appointments")
async def list_patient_appointments(patient_id: int) -> list[dict[str, int]]:
    return []


@router.get("/appointments/{appointment_id}")
async def read_appointment(appointment_id: int) -> dict[str, int]:
    return {"id": appointment_id}


@router.get("/appointments/{appointment_id}/notes")
async def list_visit_notes(appointment_id: int) -> list[dict[str, int]]:
    return []


def levels(path: str) -> int:
    segments = path.removeprefix(router.prefix).strip("/").split("/")
    return sum(1 for segment in segments if not segment.startswith("{"))


TOO_DEEP = "/api/v1/patients/{patient_id}/appointments/{appointment_id}/notes/{note_id}"
