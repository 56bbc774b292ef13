from fastapi import APIRouter, FastAPI

patients = APIRouter(prefix="/patients", tags=["patients"])
clinicians = APIRouter(prefix="/clinicians", tags=["clinicians"])


@patients.get("/{patient_id}")
async def read_patient(patient_id: int) -> dict[str, int]:
    return {"id": patient_id}


@clinicians.get("")
async def list_clinicians() -> list[dict[str, int]]:
    return []


api_v1 = APIRouter(prefix="/api/v1")
api_v1.include_router(patients)
api_v1.include_router(clinicians)

app = FastAPI(title="Clinic")
app.include_router(api_v1)
