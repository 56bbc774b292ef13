"""The insurer's plans and a patient's coverage, as the API answers them."""

from pydantic import BaseModel


class PlanResponse(BaseModel):
    code: str
    name: str
    copay_cents: int


class CoverageResponse(BaseModel):
    member_id: str
    active: bool
    plan: PlanResponse
