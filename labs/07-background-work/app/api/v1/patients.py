"""/api/v1/patients: patients register, then read, change and close their own record.

A signed-in patient reaches their own record only: another patient's answers 404, exactly
as one that does not exist, so that nobody learns which ids are taken.
"""

from fastapi import APIRouter, Request, Response

from app.api.deps import CurrentPatient, InsurerDep, PlansDep, SessionDep
from app.core.errors import error_responses
from app.domain.errors import PatientNotFound
from app.infra.models import Patient
from app.schemas.appointments import AppointmentResponse
from app.schemas.coverage import CoverageResponse, PlanResponse
from app.schemas.fields import RowId
from app.schemas.patients import PatientCreate, PatientResponse, PatientUpdate
from app.services import appointments, coverage, patients

router = APIRouter(prefix="/patients", tags=["patients"])

SIGNED_IN = error_responses(401, 403, 404)
CREATED = {201: {"headers": {"Location": {"description": "The new patient's URL.",
                                          "schema": {"type": "string"}}}}}


def own(me: Patient, patient_id: int) -> int:
    if patient_id != me.id:
        raise PatientNotFound(patient_id)
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
        insurance_member_id=payload.insurance_member_id,
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


@router.get("/me/coverage", responses={**SIGNED_IN, **error_responses(502)})
async def read_my_coverage(me: CurrentPatient, insurer: InsurerDep,
                           catalog: PlansDep) -> CoverageResponse:
    """The signed-in patient's coverage, as the insurer states it now: 404 `no_insurance`
    without a member id on file, 404 `member_unknown` when the insurer knows no such member,
    502 `insurer_failed` when the insurer cannot be asked."""
    found = await coverage.coverage_of(me, insurer, catalog)
    plan = PlanResponse(code=found.plan.code, name=found.plan.name,
                        copay_cents=found.plan.copay_cents)
    return CoverageResponse(member_id=found.member_id, active=found.active, plan=plan)


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
    found = await appointments.list_for_patient(session, own(me, patient_id))
    return [AppointmentResponse.model_validate(appointment) for appointment in found]
