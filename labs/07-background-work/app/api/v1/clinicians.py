"""/api/v1/clinicians: the people patients book with, public. Admins add them (api/v1/admin.py);
a clinician's bookings are for staff only."""

from fastapi import APIRouter

from app.api.deps import CurrentStaff, SessionDep
from app.core.errors import error_responses
from app.schemas.appointments import AppointmentResponse
from app.schemas.clinicians import ClinicianResponse
from app.schemas.fields import RowId
from app.services import appointments, clinicians

router = APIRouter(prefix="/clinicians", tags=["clinicians"])


@router.get("")
async def list_clinicians(session: SessionDep) -> list[ClinicianResponse]:
    found = await clinicians.list_clinicians(session)
    return [ClinicianResponse.model_validate(clinician) for clinician in found]


@router.get("/{clinician_id}", responses=error_responses(404))
async def read_clinician(clinician_id: RowId, session: SessionDep) -> ClinicianResponse:
    clinician = await clinicians.get_clinician(session, clinician_id)
    return ClinicianResponse.model_validate(clinician)


@router.get("/{clinician_id}/appointments", responses=error_responses(401, 403, 404))
async def list_clinician_appointments(
    clinician_id: RowId, me: CurrentStaff, session: SessionDep
) -> list[AppointmentResponse]:
    found = await appointments.list_for_clinician(session, clinician_id)
    return [AppointmentResponse.model_validate(appointment) for appointment in found]
