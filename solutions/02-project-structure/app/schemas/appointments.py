"""Appointments as the API sees them."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.domain.appointment_status import AppointmentStatus


class AppointmentCreate(BaseModel):
    patient_id: int
    clinician_id: int
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(default="", max_length=500)


class AppointmentResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: int
    clinician_id: int
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus
    reason: str
