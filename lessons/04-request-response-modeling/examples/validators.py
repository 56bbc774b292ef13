from datetime import datetime, timedelta
from typing import Self

from fastapi import FastAPI
from pydantic import BaseModel, Field, field_validator, model_validator

LONGEST_VISIT = timedelta(hours=2)


# --8<-- [start:field]
class AppointmentCreate(BaseModel):
    patient_id: int = Field(gt=0)
    clinician_id: int = Field(gt=0)
    starts_at: datetime
    ends_at: datetime
    room: str = Field(default="A1", max_length=10)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def with_a_time_zone(cls, value: datetime) -> datetime:
        if value.utcoffset() is None:
            raise ValueError("give the time with its offset, e.g. 09:00:00+01:00")
        return value

    @field_validator("room")
    @classmethod
    def a_room_code(cls, value: str) -> str:
        code = value.strip().upper()  # " b12 " is room B12
        if not (code[:1].isalpha() and code[1:].isdigit()):
            raise ValueError("a room is a letter and a number, e.g. B12")
        return code
# --8<-- [end:field]

    # --8<-- [start:model]
    @model_validator(mode="after")
    def a_sensible_slot(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.ends_at - self.starts_at > LONGEST_VISIT:
            raise ValueError("a visit lasts two hours at most")
        return self
    # --8<-- [end:model]


# --8<-- [start:unguarded]
class Slot(BaseModel):
    starts_at: datetime
    ends_at: datetime

    @model_validator(mode="after")
    def in_order(self) -> Self:
        if self.ends_at <= self.starts_at:  # one with an offset, one without?
            raise ValueError("ends_at must be after starts_at")
        return self
# --8<-- [end:unguarded]


app = FastAPI()


@app.post("/appointments", status_code=201)
async def book(payload: AppointmentCreate) -> AppointmentCreate:
    return payload
