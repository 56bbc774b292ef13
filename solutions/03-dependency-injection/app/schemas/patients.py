"""Patients as the API sees them."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.fields import IsoDate


class PatientCreate(BaseModel):
    # Strict: JSON types as the OpenAPI schema states them.
    model_config = ConfigDict(strict=True)

    full_name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=320)
    date_of_birth: IsoDate


class PatientResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    full_name: str
    email: str
    date_of_birth: date
