"""A patient's insurance coverage: the insurer says which plan and whether it is active, the
catalogue read at startup says what the plan is."""

from dataclasses import dataclass

from app.domain.errors import MemberUnknown, NoInsurance
from app.domain.plans import PlanCatalog
from app.infra.insurer import Insurer, Plan
from app.infra.models import Patient


@dataclass(frozen=True)
class Coverage:
    member_id: str
    active: bool
    plan: Plan


async def coverage_of(patient: Patient, insurer: Insurer, catalog: PlanCatalog) -> Coverage:
    if patient.insurance_member_id is None:
        raise NoInsurance(patient.id)
    membership = await insurer.membership(patient.insurance_member_id)
    if membership is None:
        raise MemberUnknown(patient.insurance_member_id)
    return Coverage(membership.member_id, membership.active, catalog.plan(membership.plan_code))
