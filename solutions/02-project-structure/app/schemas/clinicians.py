"""Clinicians as the API sees them."""

from pydantic import BaseModel, ConfigDict, Field


class ClinicianCreate(BaseModel):
    full_name: str = Field(min_length=1, max_length=200)
    specialty: str = Field(min_length=1, max_length=100)


class ClinicianResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    full_name: str
    specialty: str
