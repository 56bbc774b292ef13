"""What routes receive: the shared objects the app holds in `app.state`, and the settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from app.directory import ClinicianDirectory
from app.models import Patient
from app.records import ClinicRecords
from app.settings import Settings, get_settings


def get_records(request: Request) -> ClinicRecords:
    return request.app.state.records


def get_directory(request: Request) -> ClinicianDirectory:
    return request.app.state.directory


def get_patient(patient_id: int, records: Annotated[ClinicRecords, Depends(get_records)]) -> Patient:
    patient = records.patient(patient_id)
    if patient is None:
        raise HTTPException(404, f"Patient {patient_id} does not exist.")
    return patient


RecordsDep = Annotated[ClinicRecords, Depends(get_records)]
DirectoryDep = Annotated[ClinicianDirectory, Depends(get_directory)]
PatientDep = Annotated[Patient, Depends(get_patient)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
