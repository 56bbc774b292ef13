"""Patients, and their insurance eligibility as the insurer reports it today."""

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool

from app.dependencies import PatientDep, RecordsDep, SettingsDep
from app.insurer import InsurerUnavailable, fetch_coverage
from app.models import Eligibility, ErrorDetail, Patient

router = APIRouter(prefix="/api/patients", tags=["patients"])

NO_SUCH_PATIENT = {"model": ErrorDetail, "description": "No patient has this id."}


@router.get("")
async def list_patients(records: RecordsDep) -> list[Patient]:
    return records.patients()


@router.get("/{patient_id}", responses={404: NO_SUCH_PATIENT})
async def get_patient(patient: PatientDep) -> Patient:
    return patient


@router.get(
    "/{patient_id}/eligibility",
    responses={
        404: NO_SUCH_PATIENT,
        502: {"model": ErrorDetail, "description": "The insurer did not answer."},
    },
)
async def check_eligibility(patient: PatientDep, settings: SettingsDep) -> Eligibility:
    try:
        # urllib blocks its thread until the insurer answers: keep that off the event loop.
        coverage = await run_in_threadpool(
            fetch_coverage, settings.insurer_url, settings.insurer_timeout, patient)
    except InsurerUnavailable as exc:
        raise HTTPException(502, "The insurer did not answer; try again shortly.") from exc
    return Eligibility(patient_id=patient.id, insurer_plan=coverage.plan, active=coverage.active,
                       checked_at=datetime.now(UTC))
