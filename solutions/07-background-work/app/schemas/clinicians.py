"""Clinicians as patients see them."""

from pydantic import BaseModel, ConfigDict


class ClinicianResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    full_name: str
    specialty: str
