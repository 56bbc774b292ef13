"""/api/v1/patients: registering patients and reading them back."""

from fastapi import APIRouter

from app.api.deps import CurrentPatientId, SessionDep
from app.core.errors import error_responses
from app.schemas.appointments import AppointmentResponse
from app.schemas.fields import RowId
from app.schemas.patients import PatientCreate, PatientResponse
from app.services import appointments, patients

router = APIRouter(prefix="/patients", tags=["patients"])


@router.post("", status_code=201, responses=error_responses(400))
async def register_patient(payload: PatientCreate, session: SessionDep) -> PatientResponse:
    patient = await patients.register_patient(
        session,
        full_name=payload.full_name,
        email=payload.email,
        date_of_birth=payload.date_of_birth,
    )
    return PatientResponse.model_validate(patient)


@router.get("/me", responses=error_responses(404))
async def read_current_patient(
    patient_id: CurrentPatientId, session: SessionDep
) -> PatientResponse:
    patient = await patients.get_patient(session, patient_id)
    return PatientResponse.model_validate(patient)


@router.get("/{patient_id}", responses=error_responses(404))
async def read_patient(patient_id: RowId, session: SessionDep) -> PatientResponse:
    patient = await patients.get_patient(session, patient_id)
    return PatientResponse.model_validate(patient)


@router.get("/{patient_id}/appointments", responses=error_responses(404))
async def list_patient_appointments(
    patient_id: RowId, session: SessionDep
) -> list[AppointmentResponse]:
    found = await appointments.list_for_patient(session, patient_id)
    return [AppointmentResponse.model_validate(appointment) for appointment in found]
