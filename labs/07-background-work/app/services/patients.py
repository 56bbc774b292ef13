"""Registering patients, changing and closing their records, and the clinicians' notes."""

from collections.abc import Sequence
from datetime import date

from anyio import to_thread
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import PatientEmailTaken, PatientNotFound
from app.infra.models import Appointment, Patient
from app.infra.passwords import hash_password, password_matches


async def register_patient(
    session: AsyncSession, *, full_name: str, email: str, date_of_birth: date,
    phone: str | None, sms_reminders: bool, password: str, insurance_member_id: str | None = None,
) -> Patient:
    await _ensure_email_free(session, email)
    patient = Patient(full_name=full_name, email=email, date_of_birth=date_of_birth,
                      phone=phone, sms_reminders=sms_reminders,
                      insurance_member_id=insurance_member_id,
                      password_hash=await to_thread.run_sync(hash_password, password),
                      internal_notes="")
    session.add(patient)
    await session.flush()
    return patient


async def _ensure_email_free(session: AsyncSession, email: str, keep: int | None = None) -> None:
    holder = await session.scalar(select(Patient.id).where(Patient.email == email))
    if holder is not None and holder != keep:
        raise PatientEmailTaken(email)


async def authenticate(session: AsyncSession, email: str, password: str) -> Patient | None:
    """The patient with these credentials, or None."""
    patient = await session.scalar(select(Patient).where(Patient.email == email))
    stored = patient.password_hash if patient is not None else None
    return patient if await to_thread.run_sync(password_matches, password, stored) else None


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
    if "email" in changes:
        await _ensure_email_free(session, str(changes["email"]), keep=patient_id)
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
