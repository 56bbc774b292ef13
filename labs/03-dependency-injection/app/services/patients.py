"""Registering and finding patients."""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import PatientNotFound
from app.infra.models import Patient


async def register_patient(
    session: AsyncSession, *, full_name: str, email: str, date_of_birth: date
) -> Patient:
    patient = Patient(full_name=full_name, email=email, date_of_birth=date_of_birth)
    session.add(patient)
    await session.flush()
    return patient


async def get_patient(session: AsyncSession, patient_id: int) -> Patient:
    patient = await session.get(Patient, patient_id)
    if patient is None:
        raise PatientNotFound(patient_id)
    return patient
