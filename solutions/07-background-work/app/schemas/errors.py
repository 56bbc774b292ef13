"""The one error shape every endpoint answers with."""

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str = Field(examples=["patient_not_found"])
    message: str = Field(examples=["Patient 42 does not exist."])


class ErrorEnvelope(BaseModel):
    error: ErrorBody
