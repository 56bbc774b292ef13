"""Registering patients, changing and closing their records, and the clinicians' notes."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import PatientNotFound
from app.infra.models import Appointment, Patient
from app.infra.passwords import hash_password


async def register_patient(
    session: AsyncSession, *, full_name: str, email: str, date_of_birth: date,
    phone: str | None, sms_reminders: bool, password: str,
) -> Patient:
    patient = Patient(full_name=full_name, email=email, date_of_birth=date_of_birth,
                      phone=phone, sms_reminders=sms_reminders,
                      password_hash=hash_password(password), internal_notes="")
    session.add(patient)
    await session.flush()
    return patient


async def get_patient(session: AsyncSession, patient_id: int) -> Patient:
    patient = await session.get(Patient, patient_id)
    if patient is None:
        raise PatientNotFound(patient_id)
    return patient


async def list_patients(session: AsyncSession) -> Sequence[Patient]:
    result = await session.scalars(select(Patient).order_by(Patient.id))
    return result.all()


async def update_patient(session: AsyncSession, patient_id: int,
                         changes: dict[str, object]) -> Patient:
    """Applies the fields the client sent, one by one, to the stored record."""
    patient = await get_patient(session, patient_id)
    for name, value in changes.items():
        setattr(patient, name, value)
    await session.flush()
    return patient


async def write_notes(session: AsyncSession, patient_id: int, notes: str) -> Patient:
    patient = await get_patient(session, patient_id)
    patient.internal_notes = notes
    await session.flush()
    return patient


async def close_record(session: AsyncSession, patient_id: int) -> None:
    """The patient and their appointments are gone."""
    patient = await get_patient(session, patient_id)
    await session.execute(delete(Appointment).where(Appointment.patient_id == patient_id))
    await session.delete(patient)
    await session.flush()
