"""/api/v1/patients: patients register, then read, change and close their own record."""

from fastapi import APIRouter, Request, Response

from app.api.deps import CurrentPatient, SessionDep
from app.core.errors import error_responses, forbidden
from app.infra.models import Patient
from app.schemas.appointments import AppointmentResponse
from app.schemas.fields import RowId
from app.schemas.patients import PatientCreate, PatientResponse, PatientUpdate
from app.services import appointments, patients

router = APIRouter(prefix="/patients", tags=["patients"])

SIGNED_IN = error_responses(401, 403, 404)
CREATED = {201: {"headers": {"Location": {"description": "The new patient's URL.",
                                          "schema": {"type": "string"}}}}}


def own(me: Patient, patient_id: int) -> int:
    if patient_id != me.id:
        raise forbidden("This is another patient's record.")
    return patient_id


@router.post("", status_code=201, responses={**CREATED, **error_responses(400, 409)})
async def register_patient(payload: PatientCreate, session: SessionDep, request: Request,
                           response: Response) -> PatientResponse:
    patient = await patients.register_patient(
        session,
        full_name=payload.full_name,
        email=payload.email,
        date_of_birth=payload.date_of_birth,
        phone=payload.phone,
        sms_reminders=payload.sms_reminders,
        password=payload.password,
    )
    response.headers["Location"] = str(request.url_for("read_patient", patient_id=patient.id))
    return PatientResponse.model_validate(patient)


@router.get("/me", responses=SIGNED_IN)
async def read_current_patient(me: CurrentPatient) -> PatientResponse:
    return PatientResponse.model_validate(me)


@router.get("/me/appointments", responses=SIGNED_IN)
async def list_my_appointments(me: CurrentPatient,
                               session: SessionDep) -> list[AppointmentResponse]:
    found = await appointments.list_for_patient(session, me.id)
    return [AppointmentResponse.model_validate(appointment) for appointment in found]


# `:int`: /me is never read as an id, so PATCH or DELETE /patients/me answers 405, not 422.
@router.get("/{patient_id:int}", responses=SIGNED_IN)
async def read_patient(patient_id: RowId, me: CurrentPatient,
                       session: SessionDep) -> PatientResponse:
    patient = await patients.get_patient(session, own(me, patient_id))
    return PatientResponse.model_validate(patient)


@router.patch("/{patient_id:int}", responses={**SIGNED_IN, **error_responses(400, 409)})
async def update_patient(patient_id: RowId, payload: PatientUpdate, me: CurrentPatient,
                         session: SessionDep) -> PatientResponse:
    patient = await patients.update_patient(session, own(me, patient_id), payload.changes())
    return PatientResponse.model_validate(patient)


@router.delete("/{patient_id:int}", status_code=204, responses=SIGNED_IN)
async def close_record(patient_id: RowId, me: CurrentPatient, session: SessionDep) -> None:
    await patients.close_record(session, own(me, patient_id))


@router.get("/{patient_id:int}/appointments", responses=SIGNED_IN)
async def list_patient_appointments(
    patient_id: RowId, me: CurrentPatient, session: SessionDep
) -> list[AppointmentResponse]:
    found = await appointments.list_for_patient(session, patient_id)
    return [AppointmentResponse.model_validate(appointment) for appointment in found]
