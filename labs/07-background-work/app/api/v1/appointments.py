"""/api/v1/appointments: patients book, change and cancel their own appointments. Each
appointment has its own URL; another patient's answers 404, as one that does not exist."""

import asyncio

from fastapi import APIRouter, Request, Response

from app.api.deps import CurrentPatient, NotifierDep, SessionDep
from app.core.errors import error_responses
from app.schemas.appointments import AppointmentCreate, AppointmentResponse, AppointmentUpdate
from app.schemas.fields import RowId
from app.services import appointments

router = APIRouter(prefix="/appointments", tags=["appointments"],
                   responses=error_responses(401, 403))

CREATED = {201: {"headers": {"Location": {"description": "The new appointment's URL.",
                                          "schema": {"type": "string"}}}}}


@router.post("", status_code=201, responses={**CREATED, **error_responses(400, 404, 409)})
async def book_appointment(payload: AppointmentCreate, me: CurrentPatient, session: SessionDep,
                           notifier: NotifierDep, request: Request,
                           response: Response) -> AppointmentResponse:
    appointment = await appointments.book(
        session,
        patient_id=me.id,
        clinician_id=payload.clinician_id,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
    )
    # Stored before the patient hears of it; then told beside the answer, best effort: a
    # notifier that is slow or down never fails a booking.
    await session.commit()
    confirmation = notifier.send(me.email, appointments.CONFIRMATION_SUBJECT,
                                 appointments.confirmation_text(me, appointment))
    asyncio.get_running_loop().create_task(confirmation)
    response.headers["Location"] = str(
        request.url_for("read_appointment", appointment_id=appointment.id))
    return AppointmentResponse.model_validate(appointment)


@router.get("/{appointment_id}", responses=error_responses(404))
async def read_appointment(appointment_id: RowId, me: CurrentPatient,
                           session: SessionDep) -> AppointmentResponse:
    appointment = await appointments.get_appointment(session, appointment_id, me.id)
    return AppointmentResponse.model_validate(appointment)


@router.patch("/{appointment_id}", responses=error_responses(400, 404, 409))
async def change_appointment(appointment_id: RowId, payload: AppointmentUpdate,
                             me: CurrentPatient, session: SessionDep) -> AppointmentResponse:
    appointment = await appointments.change(session, appointment_id, me.id, payload.changes())
    return AppointmentResponse.model_validate(appointment)


@router.post("/{appointment_id}/cancel", responses=error_responses(404, 409))
async def cancel_appointment(appointment_id: RowId, me: CurrentPatient,
                             session: SessionDep) -> AppointmentResponse:
    appointment = await appointments.cancel(session, appointment_id, me.id)
    return AppointmentResponse.model_validate(appointment)
