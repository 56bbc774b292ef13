"""/api/v1/staff: the signed-in member of staff, their own schedule, and the patients' records
as clinicians see them."""

from fastapi import APIRouter

from app.api.deps import CurrentStaff, SessionDep
from app.core.errors import error_responses
from app.schemas.appointments import StaffAppointment
from app.schemas.fields import RowId
from app.schemas.patients import NotesUpdate, PatientRecord
from app.schemas.staff import StaffResponse
from app.services import appointments, patients

router = APIRouter(prefix="/staff", tags=["staff"], responses=error_responses(401, 403))


@router.get("/me")
async def read_me(me: CurrentStaff) -> StaffResponse:
    return StaffResponse.model_validate(me)


@router.get("/me/appointments")
async def list_my_appointments(me: CurrentStaff, session: SessionDep) -> list[StaffAppointment]:
    found = await appointments.list_for_clinician(session, me.id)
    return [StaffAppointment.model_validate(appointment) for appointment in found]


@router.get("/patients")
async def list_patients(me: CurrentStaff, session: SessionDep) -> list[PatientRecord]:
    found = await patients.list_patients(session)
    return [PatientRecord.model_validate(patient) for patient in found]


@router.get("/patients/{patient_id}", responses=error_responses(404))
async def read_patient_record(patient_id: RowId, me: CurrentStaff,
                              session: SessionDep) -> PatientRecord:
    patient = await patients.get_patient(session, patient_id)
    return PatientRecord.model_validate(patient)


@router.put("/patients/{patient_id}/notes", responses=error_responses(400, 404))
async def write_notes(patient_id: RowId, payload: NotesUpdate, me: CurrentStaff,
                      session: SessionDep) -> PatientRecord:
    patient = await patients.write_notes(session, patient_id, payload.internal_notes)
    return PatientRecord.model_validate(patient)
