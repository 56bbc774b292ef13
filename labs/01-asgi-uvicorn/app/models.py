"""The shapes the API accepts and returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


def iso_8601_text(value: object) -> object:
    # JSON has no date type: the schema says a time is a string. Pydantic would also read a
    # number as a Unix timestamp (0 is 1970-01-01); the API refuses it rather than guess.
    if isinstance(value, int | float):
        raise ValueError("expected an ISO 8601 string")
    return value


# Not strict, even in a strict model: FastAPI validates the decoded JSON, where a time is
# still text, and a strict datetime takes datetime objects only.
IsoDatetime = Annotated[datetime, Field(strict=False), BeforeValidator(iso_8601_text)]


class ErrorDetail(BaseModel):
    """FastAPI's default error body, as an HTTPException answers: `{"detail": "..."}`."""

    detail: str = Field(examples=["Patient 42 does not exist."])


class Clinician(BaseModel):
    id: int
    full_name: str
    specialty: str


class Patient(BaseModel):
    id: int
    full_name: str
    email: str
    date_of_birth: date


class AppointmentCreate(BaseModel):
    # Strict: JSON types as the OpenAPI schema states them, so "7" or true is not an id.
    model_config = ConfigDict(strict=True)

    patient_id: int
    clinician_id: int
    starts_at: IsoDatetime
    ends_at: IsoDatetime
    reason: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def ends_after_it_starts(self) -> AppointmentCreate:
        # A time with a UTC offset and one without cannot be compared (a TypeError, a 500).
        if (self.starts_at.utcoffset() is None) != (self.ends_at.utcoffset() is None):
            raise ValueError("starts_at and ends_at must both have a UTC offset, or neither")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class Appointment(AppointmentCreate):
    id: int
    status: Literal["booked", "cancelled"] = "booked"


class Eligibility(BaseModel):
    patient_id: int
    insurer_plan: str
    active: bool
    checked_at: datetime


class Health(BaseModel):
    status: Literal["ok"] = "ok"
