"""/api/v1/admin: admins manage the staff accounts (clinicians' and other admins'). Every route here
is for admins only: the router itself requires it."""

from fastapi import APIRouter, Depends, Request, Response

from app.api.deps import AdminStaff, NotifierDep, SessionDep, require_admin
from app.core.errors import error_responses
from app.schemas.fields import RowId
from app.schemas.staff import StaffCreate, StaffResponse, StaffUpdate
from app.services import staff as staff_service

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)],
                   responses=error_responses(401, 403))


@router.get("/staff")
async def list_staff(session: SessionDep) -> list[StaffResponse]:
    found = await staff_service.list_staff(session)
    return [StaffResponse.model_validate(staff) for staff in found]


CREATED = {201: {"headers": {"Location": {"description": "The new account's URL.",
                                          "schema": {"type": "string"}}}}}


@router.post("/staff", status_code=201,
             responses={**CREATED, **error_responses(400, 409, 502)})
async def create_clinician(payload: StaffCreate, session: SessionDep, notifier: NotifierDep,
                           request: Request, response: Response) -> StaffResponse:
    staff = await staff_service.create_clinician(
        session, notifier, full_name=payload.full_name, specialty=payload.specialty,
        email=payload.email, password=payload.password, role=payload.role)
    response.headers["Location"] = str(request.url_for("read_staff", staff_id=staff.id))
    return StaffResponse.model_validate(staff)


@router.get("/staff/{staff_id}", responses=error_responses(404))
async def read_staff(staff_id: RowId, session: SessionDep) -> StaffResponse:
    staff = await staff_service.get_staff(session, staff_id)
    return StaffResponse.model_validate(staff)


@router.patch("/staff/{staff_id}", responses=error_responses(400, 404, 409, 502))
async def update_clinician(staff_id: RowId, payload: StaffUpdate, session: SessionDep,
                           notifier: NotifierDep) -> StaffResponse:
    staff = await staff_service.update_clinician(session, notifier, staff_id, payload.changes())
    return StaffResponse.model_validate(staff)


@router.post("/staff/{staff_id}/deactivate", responses=error_responses(404, 409, 502))
async def deactivate_clinician(staff_id: RowId, me: AdminStaff, session: SessionDep,
                               notifier: NotifierDep) -> StaffResponse:
    staff = await staff_service.deactivate(session, notifier, staff_id, me)
    return StaffResponse.model_validate(staff)
