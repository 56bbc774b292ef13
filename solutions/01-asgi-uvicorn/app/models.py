"""The shapes the API accepts and returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator


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
    patient_id: int
    clinician_id: int
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def ends_after_it_starts(self) -> AppointmentCreate:
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
