from datetime import datetime
from itertools import count
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict

TOKENS = {"token-of-ada": 1, "token-of-ben": 2}
bearer = HTTPBearer(auto_error=False)


def current_patient_id(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> int:
    patient_id = TOKENS.get(credentials.credentials) if credentials else None
    if patient_id is None:
        raise HTTPException(401, "Not authenticated",
                            headers={"WWW-Authenticate": "Bearer"})
    return patient_id


Me = Annotated[int, Depends(current_patient_id)]


class Appointment(BaseModel):
    id: int
    patient_id: int
    starts_at: datetime
    reason: str


APPOINTMENTS = {
    1: Appointment(id=1, patient_id=1, starts_at=datetime(2027, 3, 1, 9),
                   reason="check-up"),
    2: Appointment(id=2, patient_id=2, starts_at=datetime(2027, 3, 1, 10),
                   reason="test results"),
}
ids = count(3)
app = FastAPI()


# --8<-- [start:idor]
class BookingLoose(BaseModel):
    patient_id: int
    starts_at: datetime
    reason: str


@app.get("/idor/appointments/{appointment_id}")
async def read_any(appointment_id: int, me: Me) -> Appointment:
    if appointment_id not in APPOINTMENTS:
        raise HTTPException(404, "No such appointment.")
    return APPOINTMENTS[appointment_id]


@app.get("/idor/appointments")
async def list_for(patient_id: int, me: Me) -> list[Appointment]:
    return [a for a in APPOINTMENTS.values() if a.patient_id == patient_id]


@app.post("/idor/appointments", status_code=201)
async def book_for(body: BookingLoose, me: Me) -> Appointment:
    appointment = Appointment(id=next(ids), **body.model_dump())
    APPOINTMENTS[appointment.id] = appointment
    return appointment
# --8<-- [end:idor]


# --8<-- [start:leaky]
@app.get("/leaky/appointments/{appointment_id}")
async def read_telling(appointment_id: int, me: Me) -> Appointment:
    appointment = APPOINTMENTS.get(appointment_id)
    if appointment is None:
        raise HTTPException(404, "No such appointment.")
    if appointment.patient_id != me:
        raise HTTPException(403, "This is another patient's appointment.")
    return appointment
# --8<-- [end:leaky]


# --8<-- [start:owned]
def find_appointment(appointment_id: int, owner: int) -> Appointment:
    appointment = APPOINTMENTS.get(appointment_id)
    if appointment is None or appointment.patient_id != owner:
        raise HTTPException(404, "No such appointment.")
    return appointment


@app.get("/appointments/{appointment_id}")
async def read_appointment(appointment_id: int, me: Me) -> Appointment:
    return find_appointment(appointment_id, owner=me)


@app.get("/patients/me/appointments")
async def list_mine(me: Me) -> list[Appointment]:
    return [a for a in APPOINTMENTS.values() if a.patient_id == me]
# --8<-- [end:owned]


# --8<-- [start:booking]
class Booking(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: datetime
    reason: str


@app.post("/appointments", status_code=201)
async def book(body: Booking, me: Me) -> Appointment:
    appointment = Appointment(id=next(ids), patient_id=me, **body.model_dump())
    APPOINTMENTS[appointment.id] = appointment
    return appointment
# --8<-- [end:booking]
