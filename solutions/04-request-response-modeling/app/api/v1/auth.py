"""/api/v1/auth: staff sign in and get a bearer token."""

from fastapi import APIRouter

from app.api.deps import SessionDep, SettingsDep
from app.core.errors import error_responses, not_authenticated
from app.core.security import issue_token
from app.schemas.auth import LoginRequest, TokenResponse
from app.schemas.staff import StaffResponse
from app.services import staff as staff_service

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", responses=error_responses(400, 401))
async def sign_in(credentials: LoginRequest, session: SessionDep,
                  settings: SettingsDep) -> TokenResponse:
    staff = await staff_service.authenticate(session, credentials.email, credentials.password)
    if staff is None:
        raise not_authenticated("Wrong email or password, or the account is deactivated.")
    token, lifetime = issue_token(staff.id, staff.role, settings)
    return TokenResponse(access_token=token, expires_in=lifetime,
                         staff=StaffResponse.model_validate(staff))
