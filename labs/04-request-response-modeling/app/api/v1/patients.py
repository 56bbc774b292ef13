"""/api/v1/patients: patients register, read, change and close their own record."""

from fastapi import APIRouter

from app.api.deps import CurrentPatientId, SessionDep
from app.core.errors import error_responses
from app.schemas.appointments import AppointmentResponse
from app.schemas.fields import RowId
from app.schemas.patients import PatientCreate, PatientResponse, PatientUpdate
from app.services import appointments, patients

router = APIRouter(prefix="/patients", tags=["patients"])

@router.post("", responses=error_responses(400))
async def register_patient(payload: PatientCreate, session: SessionDep) -> PatientResponse:
    patient = await patients.register_patient(
        session,
        full_name=payload.full_name,
        email=payload.email,
        date_of_birth=payload.date_of_birth,
        phone=payload.phone,
        sms_reminders=payload.sms_reminders,
        password=payload.password,
    )
    return PatientResponse.model_validate(patient)


@router.get("/me", responses=error_responses(404))
async def read_current_patient(
    patient_id: CurrentPatientId, session: SessionDep
) -> PatientResponse:
    patient = await patients.get_patient(session, patient_id)
    return PatientResponse.model_validate(patient)


# `:int`: /me is never read as an id, so PATCH or DELETE /patients/me answers 405, not 422.
@router.get("/{patient_id:int}", responses=error_responses(404))
async def read_patient(patient_id: RowId, session: SessionDep) -> PatientResponse:
    patient = await patients.get_patient(session, patient_id)
    return PatientResponse.model_validate(patient)


@router.patch("/{patient_id:int}", responses=error_responses(400, 404))
async def update_patient(patient_id: RowId, payload: PatientUpdate,
                         session: SessionDep) -> PatientResponse:
    patient = await patients.update_patient(session, patient_id, payload.changes())
    return PatientResponse.model_validate(patient)


@router.delete("/{patient_id:int}", responses=error_responses(404))
async def close_record(patient_id: RowId, session: SessionDep) -> dict[str, bool]:
    await patients.close_record(session, patient_id)
    return {"deleted": True}


@router.get("/{patient_id:int}/appointments", responses=error_responses(404))
async def list_patient_appointments(
    patient_id: RowId, session: SessionDep
) -> list[AppointmentResponse]:
    found = await appointments.list_for_patient(session, patient_id)
    return [AppointmentResponse.model_validate(appointment) for appointment in found]
