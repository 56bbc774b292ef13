"""/api/v1/plans: the insurer's plans, public, as the catalogue read at startup lists them."""

from fastapi import APIRouter

from app.api.deps import PlansDep
from app.schemas.coverage import PlanResponse

router = APIRouter(prefix="/plans", tags=["insurance"])


@router.get("")
async def list_plans(catalog: PlansDep) -> list[PlanResponse]:
    return [PlanResponse(code=plan.code, name=plan.name, copay_cents=plan.copay_cents)
            for plan in catalog]
