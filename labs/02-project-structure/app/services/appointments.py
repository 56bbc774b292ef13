"""Booking, cancelling and listing appointments."""

import json
import logging
from collections.abc import Sequence
from datetime import datetime

from fastapi.encoders import jsonable_encoder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.appointment_status import AppointmentStatus
from app.domain.errors import AppointmentAlreadyCancelled, AppointmentNotFound
from app.infra.models import Appointment
from app.services.clinicians import get_clinician
from app.services.patients import get_patient

audit = logging.getLogger("clinic.audit")


async def book(
    session: AsyncSession,
    *,
    patient_id: int,
    clinician_id: int,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
) -> Appointment:
    await get_patient(session, patient_id)
    await get_clinician(session, clinician_id)
    appointment = Appointment(
        patient_id=patient_id,
        clinician_id=clinician_id,
        starts_at=starts_at,
        ends_at=ends_at,
        status=AppointmentStatus.BOOKED,
        reason=reason,
    )
    session.add(appointment)
    await session.commit()
    audit.info("booked %s", json.dumps(_audit_record(appointment)))
    return appointment


def _audit_record(appointment: Appointment) -> dict[str, object]:
    return jsonable_encoder(
        {
            "appointment_id": appointment.id,
            "patient_id": appointment.patient_id,
            "clinician_id": appointment.clinician_id,
            "starts_at": appointment.starts_at,
            "ends_at": appointment.ends_at,
        }
    )


async def get_appointment(session: AsyncSession, appointment_id: int) -> Appointment:
    appointment = await session.get(Appointment, appointment_id)
    if appointment is None:
        raise AppointmentNotFound(appointment_id)
    return appointment


async def cancel(session: AsyncSession, appointment_id: int) -> Appointment:
    appointment = await get_appointment(session, appointment_id)
    if appointment.status == AppointmentStatus.CANCELLED:
        raise AppointmentAlreadyCancelled(appointment_id)
    appointment.status = AppointmentStatus.CANCELLED
    await session.commit()
    return appointment


async def list_for_patient(session: AsyncSession, patient_id: int) -> Sequence[Appointment]:
    await get_patient(session, patient_id)
    result = await session.scalars(
        select(Appointment)
        .where(Appointment.patient_id == patient_id)
        .order_by(Appointment.starts_at)
    )
    return result.all()


async def list_for_clinician(session: AsyncSession, clinician_id: int) -> Sequence[Appointment]:
    await get_clinician(session, clinician_id)
    result = await session.scalars(
        select(Appointment)
        .where(Appointment.clinician_id == clinician_id)
        .order_by(Appointment.starts_at)
    )
    return result.all()
