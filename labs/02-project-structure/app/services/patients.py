"""Registering and finding patients."""

from datetime import date

from fastapi import HTTPException
from sqlalchemy.ext.asyncio import AsyncSession

from app.infra.models import Patient


async def register_patient(
    session: AsyncSession, *, full_name: str, email: str, date_of_birth: date
) -> Patient:
    patient = Patient(full_name=full_name, email=email, date_of_birth=date_of_birth)
    session.add(patient)
    await session.commit()
    return patient


async def get_patient(session: AsyncSession, patient_id: int) -> Patient:
    patient = await session.get(Patient, patient_id)
    if patient is None:
        raise HTTPException(status_code=404, detail=f"Patient {patient_id} does not exist.")
    return patient
