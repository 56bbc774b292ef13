"""The clinician directory, as loaded at startup."""

from fastapi import APIRouter, HTTPException

from app.dependencies import DirectoryDep
from app.models import Clinician, ErrorDetail

router = APIRouter(prefix="/api/clinicians", tags=["clinicians"])


@router.get("")
async def list_clinicians(directory: DirectoryDep) -> list[Clinician]:
    return directory.all()


@router.get(
    "/{clinician_id}",
    responses={404: {"model": ErrorDetail, "description": "No clinician has this id."}},
)
async def get_clinician(clinician_id: int, directory: DirectoryDep) -> Clinician:
    clinician = directory.get(clinician_id)
    if clinician is None:
        raise HTTPException(404, f"Clinician {clinician_id} does not exist.")
    return clinician
