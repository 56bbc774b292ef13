from typing import Annotated

from fastapi import APIRouter, FastAPI, Header


async def read_patient(patient_id: int) -> dict[str, int | str]:
    return {"id": patient_id, "route": "by id"}


async def read_current_patient(
    x_patient_id: Annotated[int, Header()],
) -> dict[str, int | str]:
    return {"id": x_patient_id, "route": "me"}


shadowed = APIRouter(prefix="/patients")
shadowed.get("/{patient_id}")(read_patient)
shadowed.get("/me")(read_current_patient)

fixed = APIRouter(prefix="/patients")
fixed.get("/me")(read_current_patient)
fixed.get("/{patient_id}")(read_patient)

shadowed_app, fixed_app = FastAPI(), FastAPI()
shadowed_app.include_router(shadowed)
fixed_app.include_router(fixed)
