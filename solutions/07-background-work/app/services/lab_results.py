"""A patient's lab results: the partner laboratory knows patients by their insurance member
id."""

from app.domain.errors import NoInsurance
from app.infra.lab_results import Laboratory, LabResult
from app.infra.models import Patient


async def results_of(patient: Patient, laboratory: Laboratory) -> list[LabResult]:
    if patient.insurance_member_id is None:
        raise NoInsurance(patient.id)
    return await laboratory.results(patient.insurance_member_id)
