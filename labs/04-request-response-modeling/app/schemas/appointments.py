"""Appointments as the API sees them."""

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.domain.appointment_status import AppointmentStatus
from app.schemas.fields import IsoDatetime, LocalDatetime, RowId, UtcDatetime
from app.schemas.patients import PatientResponse


class AppointmentCreate(BaseModel):
    # Strict: JSON types as the OpenAPI schema states them, so "7" or true is not an id.
    model_config = ConfigDict(strict=True)

    patient_id: RowId
    clinician_id: RowId
    starts_at: IsoDatetime
    ends_at: IsoDatetime
    reason: str = Field(default="", max_length=500)


class AppointmentUpdate(BaseModel):
    """A new reason, new times (both of them), or both. Only what is sent changes."""

    model_config = ConfigDict(strict=True)

    reason: str | None = Field(default=None, max_length=500)
    starts_at: IsoDatetime | None = None
    ends_at: IsoDatetime | None = None

    @model_validator(mode="after")
    def times_make_sense(self) -> Self:
        if ("starts_at" in self.model_fields_set) != ("ends_at" in self.model_fields_set):
            raise ValueError("a new time needs both starts_at and ends_at")
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
