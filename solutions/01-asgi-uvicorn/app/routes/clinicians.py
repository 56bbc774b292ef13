"""The clinician directory, as loaded at startup."""

from fastapi import APIRouter, HTTPException

from app.dependencies import DirectoryDep
from app.models import Clinician

router = APIRouter(prefix="/api/clinicians", tags=["clinicians"])


@router.get("")
async def list_clinicians(directory: DirectoryDep) -> list[Clinician]:
    return directory.all()


@router.get("/{clinician_id}")
async def get_clinician(clinician_id: int, directory: DirectoryDep) -> Clinician:
    clinician = directory.get(clinician_id)
    if clinician is None:
        raise HTTPException(404, f"Clinician {clinician_id} does not exist.")
    return clinician
