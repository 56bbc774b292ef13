"""/api/v1/appointments: booking and cancelling. Each appointment has its own URL."""

from fastapi import APIRouter
from sqlalchemy import select

from app.api.deps import SessionDep
from app.core.errors import error_responses
from app.domain.appointment_status import AppointmentStatus
from app.domain.errors import SlotTaken
from app.infra.models import Appointment
from app.schemas.appointments import AppointmentCreate, AppointmentResponse
from app.schemas.fields import RowId
from app.services import appointments

router = APIRouter(prefix="/appointments", tags=["appointments"])


@router.post("", status_code=201, responses=error_responses(400, 404, 409))
async def book_appointment(payload: AppointmentCreate, session: SessionDep) -> AppointmentResponse:
    clash = await session.scalar(
        select(Appointment.id)
        .where(
            Appointment.clinician_id == payload.clinician_id,
            Appointment.status == AppointmentStatus.BOOKED,
            Appointment.starts_at < payload.ends_at,
            Appointment.ends_at > payload.starts_at,
        )
        .limit(1)
    )
    if clash is not None:
        raise SlotTaken(payload.clinician_id, payload.starts_at, payload.ends_at)
    appointment = await appointments.book(
        session,
        patient_id=payload.patient_id,
        clinician_id=payload.clinician_id,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
    )
    return AppointmentResponse.model_validate(appointment)


@router.get("/{appointment_id}", responses=error_responses(404))
async def read_appointment(appointment_id: RowId, session: SessionDep) -> AppointmentResponse:
    appointment = await appointments.get_appointment(session, appointment_id)
    return AppointmentResponse.model_validate(appointment)


@router.post("/{appointment_id}/cancel", response_model=None)
async def cancel_appointment(
    appointment_id: RowId, session: SessionDep
) -> AppointmentResponse | dict[str, str]:
    try:
        appointment = await appointments.cancel(session, appointment_id)
    except Exception as exc:
        # The front desk app shows whatever comes back, so always hand it something readable.
        return {"error": str(exc)}
    return AppointmentResponse.model_validate(appointment)
