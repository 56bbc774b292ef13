"""/api/v1/appointments: booking, changing and cancelling. Each appointment has its own URL."""

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError

from app.api.deps import SessionDep
from app.core.errors import error_responses
from app.domain.errors import ClinicClosed, SlotTaken
from app.schemas.appointments import AppointmentCreate, AppointmentResponse, AppointmentUpdate
from app.schemas.fields import RowId
from app.services import appointments

router = APIRouter(prefix="/appointments", tags=["appointments"])

# The booking rules refuse the times the client asked for: the form shows it on starts_at.
BOOKING_RULES = (SlotTaken, ClinicClosed)


def refused_times(exc: SlotTaken | ClinicClosed) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ("body", "starts_at"), "msg": exc.message}])


@router.post("", status_code=201, responses=error_responses(400, 404, 409))
async def book_appointment(payload: AppointmentCreate, session: SessionDep) -> AppointmentResponse:
    try:
        appointment = await appointments.book(
            session,
            patient_id=payload.patient_id,
            clinician_id=payload.clinician_id,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            reason=payload.reason,
        )
    except BOOKING_RULES as exc:
        raise refused_times(exc) from exc
    return AppointmentResponse.model_validate(appointment)


@router.get("/{appointment_id}", responses=error_responses(404))
async def read_appointment(appointment_id: RowId, session: SessionDep) -> AppointmentResponse:
    appointment = await appointments.get_appointment(session, appointment_id)
    return AppointmentResponse.model_validate(appointment)


@router.patch("/{appointment_id}", responses=error_responses(400, 404, 409))
async def change_appointment(appointment_id: RowId, payload: AppointmentUpdate,
                             session: SessionDep) -> AppointmentResponse:
    try:
        appointment = await appointments.change(session, appointment_id, payload.changes())
    except BOOKING_RULES as exc:
        raise refused_times(exc) from exc
    return AppointmentResponse.model_validate(appointment)


@router.post("/{appointment_id}/cancel", responses=error_responses(404, 409))
async def cancel_appointment(appointment_id: RowId, session: SessionDep) -> AppointmentResponse:
    appointment = await appointments.cancel(session, appointment_id)
    return AppointmentResponse.model_validate(appointment)
