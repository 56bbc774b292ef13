"""Appointments as the API sees them."""

from datetime import datetime, timedelta
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.domain.appointment_status import AppointmentStatus
from app.schemas.fields import IsoDatetime, LocalDatetime, RowId, UtcDatetime
from app.schemas.patients import PatientResponse

LONGEST = timedelta(hours=2)


def check_times(starts_at: datetime, ends_at: datetime) -> None:
    # Comparing a time with an offset to one without raises TypeError, which is no 422.
    if (starts_at.utcoffset() is None) != (ends_at.utcoffset() is None):
        raise ValueError("starts_at and ends_at must both have a UTC offset, or neither")
    if ends_at <= starts_at:
        raise ValueError("ends_at must be after starts_at")
    if ends_at - starts_at > LONGEST:
        raise ValueError(f"an appointment lasts at most {LONGEST.seconds // 60} minutes")


class AppointmentCreate(BaseModel):
    # Strict: JSON types as the OpenAPI schema states them, so "7" or true is not an id.
    model_config = ConfigDict(strict=True)

    clinician_id: RowId
    starts_at: IsoDatetime
    ends_at: IsoDatetime
    reason: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def times_make_sense(self) -> Self:
        check_times(self.starts_at, self.ends_at)
        return self


class AppointmentUpdate(BaseModel):
    """A new reason, new times (both of them), or both. Only what is sent changes."""

    model_config = ConfigDict(strict=True)

    reason: str | None = Field(default=None, max_length=500)
    starts_at: IsoDatetime | None = None
    ends_at: IsoDatetime | None = None

    @model_validator(mode="after")
    def times_make_sense(self) -> Self:
        nulls = [name for name in ("reason", "starts_at", "ends_at")
                 if name in self.model_fields_set and getattr(self, name) is None]
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null")
        if ("starts_at" in self.model_fields_set) != ("ends_at" in self.model_fields_set):
            raise ValueError("a new time needs both starts_at and ends_at")
        if self.starts_at is not None and self.ends_at is not None:
            check_times(self.starts_at, self.ends_at)
        return self

    def changes(self) -> dict[str, object]:
        return self.model_dump(exclude_unset=True)


class AppointmentResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: int
    clinician_id: int
    starts_at: LocalDatetime
    ends_at: LocalDatetime
    status: AppointmentStatus
    reason: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
    version: int = Field(description="Goes up by one with every change.")


class StaffAppointment(AppointmentResponse):
    """An appointment in a clinician's schedule, with who comes."""

    patient: PatientResponse
