from typing import Annotated

from fastapi import Depends, FastAPI

PATIENTS = {1: {"name": "Ada Byrne", "missed": 2}, 2: {"name": "Ben Adu", "missed": 0}}
fees: list[tuple[int, int]] = []


async def current_patient(patient_id: int) -> dict:
    patient = PATIENTS[patient_id]
    if patient["missed"] >= 2:
        fees.append((patient_id, 25))
    return patient


app = FastAPI()


@app.get("/patients/{patient_id}")
async def read_patient(patient: Annotated[dict, Depends(current_patient)]) -> dict:
    return patient
