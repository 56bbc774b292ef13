"""Booking, cancelling and listing appointments: the rules live here, once."""

import json
import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.domain.appointment_status import AppointmentStatus
from app.domain.errors import (
    AppointmentAlreadyCancelled,
    AppointmentNotFound,
    ClinicClosed,
    SlotTaken,
)
from app.domain.opening_hours import is_open
from app.infra.models import Appointment, Patient
from app.services.clinicians import get_clinician
from app.services.patients import get_patient

audit = logging.getLogger("clinic.audit")

CONFIRMATION_SUBJECT = "Your appointment is booked"


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
    _ensure_clinic_is_open(starts_at, ends_at)
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


def confirmation_text(patient: Patient, appointment: Appointment) -> str:
    """The message that tells the patient their booking stands, naming when it starts."""
    starts_at = appointment.starts_at.replace(tzinfo=None)  # the clinic's wall clock
    return (f"Hello {patient.full_name}, your appointment {appointment.id} is booked: it "
            f"starts at {starts_at.isoformat()}.")


def _ensure_clinic_is_open(starts_at: datetime, ends_at: datetime) -> None:
    if not is_open(starts_at, ends_at):
        raise ClinicClosed(starts_at, ends_at)


async def _ensure_slot_is_free(
    session: AsyncSession, clinician_id: int, starts_at: datetime, ends_at: datetime,
    moving: int | None = None,
) -> None:
    """`moving`: the appointment being rescheduled, which never clashes with itself."""
    clash = await session.scalar(
        select(Appointment.id)
        .where(
            Appointment.clinician_id == clinician_id,
            Appointment.status == AppointmentStatus.BOOKED,
            Appointment.starts_at < ends_at,
            Appointment.ends_at > starts_at,
            Appointment.id != moving,
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


async def get_appointment(session: AsyncSession, appointment_id: int,
                          patient_id: int) -> Appointment:
    """The patient's appointment; another patient's is not found, as if it did not exist."""
    appointment = await session.get(Appointment, appointment_id)
    if appointment is None or appointment.patient_id != patient_id:
        raise AppointmentNotFound(appointment_id)
    return appointment


async def cancel(session: AsyncSession, appointment_id: int, patient_id: int) -> Appointment:
    appointment = await get_appointment(session, appointment_id, patient_id)
    if appointment.status == AppointmentStatus.CANCELLED:
        raise AppointmentAlreadyCancelled(appointment_id)
    appointment.status = AppointmentStatus.CANCELLED
    return await _written(session, appointment)


async def change(session: AsyncSession, appointment_id: int, patient_id: int,
                 changes: dict[str, object]) -> Appointment:
    """Applies what the client sent (a reason, new times), field by field."""
    appointment = await get_appointment(session, appointment_id, patient_id)
    starts_at, ends_at = changes.get("starts_at"), changes.get("ends_at")
    if isinstance(starts_at, datetime) and isinstance(ends_at, datetime):
        _ensure_clinic_is_open(starts_at, ends_at)
        if appointment.status == AppointmentStatus.BOOKED:
            await _ensure_slot_is_free(session, appointment.clinician_id, starts_at, ends_at,
                                       moving=appointment.id)
    for name, value in changes.items():
        setattr(appointment, name, value)
    return await _written(session, appointment)


async def _written(session: AsyncSession, appointment: Appointment) -> Appointment:
    """Flushes the change and reads back what the database filled in (`updated_at`,
    `version`): the flush leaves those columns unloaded, and reading one later would need
    a query nobody awaits."""
    await session.flush()
    await session.refresh(appointment)
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
    """With each appointment's patient, for the clinician's schedule."""
    await get_clinician(session, clinician_id)
    result = await session.scalars(
        select(Appointment)
        .where(Appointment.clinician_id == clinician_id)
        .order_by(Appointment.starts_at)
        .options(selectinload(Appointment.patient))
    )
    return result.all()
