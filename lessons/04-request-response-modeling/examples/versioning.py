from dataclasses import dataclass

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel, Field


@dataclass
class Patient:  # the record as the service keeps it, since the name was split
    id: int
    given_name: str
    family_name: str


PATIENTS = {1: Patient(1, "Ada", "Byrne")}


def find(patient_id: int) -> Patient:
    if patient_id not in PATIENTS:
        raise HTTPException(404, "no such patient")
    return PATIENTS[patient_id]


# --8<-- [start:schemas]
class PatientV2(BaseModel):
    id: int
    given_name: str
    family_name: str


class PatientV1(PatientV2):
    full_name: str = Field(
        deprecated=True,
        description="Use given_name and family_name.")
# --8<-- [end:schemas]


# --8<-- [start:routers]
v1 = APIRouter(prefix="/api/v1", tags=["v1"])
v2 = APIRouter(prefix="/api/v2", tags=["v2"])


@v1.get("/patients/{patient_id}")
async def read_patient_v1(patient_id: int) -> PatientV1:
    patient = find(patient_id)
    return PatientV1(id=patient.id, given_name=patient.given_name,
                     family_name=patient.family_name,
                     full_name=f"{patient.given_name} {patient.family_name}")


@v2.get("/patients/{patient_id}")
async def read_patient_v2(patient_id: int) -> PatientV2:
    patient = find(patient_id)
    return PatientV2(id=patient.id, given_name=patient.given_name,
                     family_name=patient.family_name)


app = FastAPI(title="Clinic")
app.include_router(v1)
app.include_router(v2)
# --8<-- [end:routers]
