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
    reason: str = Field(default="", max_length=500)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def with_a_time_zone(cls, value: datetime) -> datetime:
        if value.utcoffset() is None:
            raise ValueError("give the time with its offset, e.g. 09:00:00+01:00")
        return value

    @field_validator("reason")
    @classmethod
    def tidy(cls, value: str) -> str:
        return " ".join(value.split())
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


app = FastAPI()


@app.post("/appointments", status_code=201)
async def book(payload: AppointmentCreate) -> AppointmentCreate:
    return payload
