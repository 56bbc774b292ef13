from itertools import count

from fastapi import FastAPI, HTTPException, Request, Response
from pydantic import BaseModel, Field


class ClinicianCreate(BaseModel):
    full_name: str = Field(min_length=1, max_length=200)
    specialty: str = Field(min_length=1, max_length=100)


class ClinicianResponse(ClinicianCreate):
    id: int


app = FastAPI()
app.state.clinicians = {}
app.state.ids = count(1)


def store(payload: ClinicianCreate) -> ClinicianResponse:
    clinician = ClinicianResponse(id=next(app.state.ids), **payload.model_dump())
    app.state.clinicians[clinician.id] = clinician
    return clinician


@app.get("/clinicians/{clinician_id}", name="read_clinician")
async def read_clinician(clinician_id: int) -> ClinicianResponse:
    if clinician_id not in app.state.clinicians:
        raise HTTPException(404, "no such clinician")
    return app.state.clinicians[clinician_id]


# --8<-- [start:defaults]
@app.post("/defaults/clinicians")
async def create_with_defaults(payload: ClinicianCreate) -> ClinicianResponse:
    return store(payload)


@app.delete("/defaults/clinicians/{clinician_id}")
async def delete_with_defaults(clinician_id: int) -> None:
    app.state.clinicians.pop(clinician_id, None)
# --8<-- [end:defaults]


# --8<-- [start:explicit]
@app.post("/clinicians", status_code=201)
async def create_clinician(payload: ClinicianCreate, request: Request,
                           response: Response) -> ClinicianResponse:
    clinician = store(payload)
    response.headers["Location"] = str(
        request.url_for("read_clinician", clinician_id=clinician.id))
    return clinician


@app.delete("/clinicians/{clinician_id}", status_code=204,
            responses={404: {"description": "No such clinician"}})
async def delete_clinician(clinician_id: int) -> None:
    if app.state.clinicians.pop(clinician_id, None) is None:
        raise HTTPException(404, "no such clinician")
# --8<-- [end:explicit]
