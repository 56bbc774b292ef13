"""Booking, cancelling and listing appointments: the rules live here, once."""

import json
import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.appointment_status import AppointmentStatus
from app.domain.errors import AppointmentAlreadyCancelled, AppointmentNotFound, SlotTaken
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
    await _ensure_slot_is_free(session, clinician_id, starts_at, ends_at)
    appointment = Appointment(
        patient_id=patient_id,
        clinician_id=clinician_id,
        starts_at=starts_at,
        ends_at=ends_at,
        status=AppointmentStatus.BOOKED,
        reason=reason,
    )
    session.add(appointment)
    await session.flush()
    audit.info("booked %s", json.dumps(_audit_record(appointment)))
    return appointment


async def _ensure_slot_is_free(
    session: AsyncSession, clinician_id: int, starts_at: datetime, ends_at: datetime
) -> None:
    clash = await session.scalar(
        select(Appointment.id)
        .where(
            Appointment.clinician_id == clinician_id,
            Appointment.status == AppointmentStatus.BOOKED,
            Appointment.starts_at < ends_at,
            Appointment.ends_at > starts_at,
        )
        .limit(1)
    )
    if clash is not None:
        raise SlotTaken(clinician_id, starts_at, ends_at)


def _audit_record(appointment: Appointment) -> dict[str, object]:
    return {
        "appointment_id": appointment.id,
        "patient_id": appointment.patient_id,
        "clinician_id": appointment.clinician_id,
        "starts_at": appointment.starts_at.isoformat(),
        "ends_at": appointment.ends_at.isoformat(),
    }


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
    await session.flush()
    return appointment


async def change_reason(session: AsyncSession, appointment_id: int, reason: str) -> Appointment:
    appointment = await get_appointment(session, appointment_id)
    appointment.reason = reason
    await session.flush()
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
