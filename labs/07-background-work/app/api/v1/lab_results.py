"""/api/v1/patients/me/lab-results: the signed-in patient's results, asked of the partner
laboratory while the patient waits."""

import asyncio

from fastapi import APIRouter

from app.api.deps import CurrentPatient, LaboratoryDep
from app.core.errors import error_responses
from app.schemas.lab_results import LabResultResponse, LabResultsResponse
from app.services import lab_results

router = APIRouter(prefix="/patients", tags=["lab results"])


@router.get("/me/lab-results", responses=error_responses(401, 403, 404, 502, 504))
async def read_my_lab_results(me: CurrentPatient, laboratory: LaboratoryDep) -> LabResultsResponse:
    """The results the laboratory holds for the patient's member id: 404 `no_insurance`
    without one on file, 504 `lab_results_timeout` when the laboratory does not answer in
    time, 502 `lab_results_failed` when it fails."""
    # A call cut off halfway leaves the laboratory's session open on its side: let it finish.
    found = await asyncio.shield(lab_results.results_of(me, laboratory))
    return LabResultsResponse(results=[
        LabResultResponse(test=result.test, value=result.value, unit=result.unit,
                          taken_at=result.taken_at) for result in found])
