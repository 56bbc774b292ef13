"""Appointments as the API sees them."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.domain.appointment_status import AppointmentStatus
from app.schemas.fields import IsoDatetime, RowId


class AppointmentCreate(BaseModel):
    # Strict: JSON types as the OpenAPI schema states them, so "7" or true is not an id.
    model_config = ConfigDict(strict=True)

    patient_id: RowId
    clinician_id: RowId
    starts_at: IsoDatetime
    ends_at: IsoDatetime
    reason: str = Field(default="", max_length=500)


class AppointmentUpdate(BaseModel):
    model_config = ConfigDict(strict=True)

    reason: str = Field(max_length=500)


class AppointmentResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: int
    clinician_id: int
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus
    reason: str
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Goes up by one with every change.")
