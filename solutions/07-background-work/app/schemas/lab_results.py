"""A patient's lab results, as the partner laboratory reports them."""

from datetime import datetime

from pydantic import BaseModel, Field


class LabResultResponse(BaseModel):
    test: str = Field(examples=["HbA1c"])
    value: int | float | str = Field(examples=[5.4])
    unit: str = Field(examples=["%"])
    taken_at: datetime


class LabResultsResponse(BaseModel):
    results: list[LabResultResponse]
