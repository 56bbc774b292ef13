"""/api/v1/staff: the signed-in member of staff, and their own schedule."""

from fastapi import APIRouter

from app.api.deps import CurrentStaff, SessionDep
from app.core.errors import error_responses
from app.schemas.appointments import AppointmentResponse
from app.schemas.staff import StaffResponse
from app.services import appointments

router = APIRouter(prefix="/staff", tags=["staff"], responses=error_responses(401))


@router.get("/me")
async def read_me(me: CurrentStaff) -> StaffResponse:
    return StaffResponse.model_validate(me)


@router.get("/me/appointments")
async def list_my_appointments(me: CurrentStaff, session: SessionDep) -> list[AppointmentResponse]:
    found = await appointments.list_for_clinician(session, me.id)
    return [AppointmentResponse.model_validate(appointment) for appointment in found]
