"""Request-scoped dependencies, as `Annotated` aliases so signatures read like sentences.

They wire things (a session, the settings, the notifier, the caller) and decide nothing about
the clinic: the rules live in the services.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings, get_settings
from app.core.errors import forbidden, not_authenticated
from app.core.security import TokenClaims, read_token
from app.domain.roles import Role
from app.infra.models import Clinician
from app.infra.notifier import Notifier
from app.schemas.fields import RowId
from app.services import staff as staff_service


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's one session and its one transaction: committed when the route returns,
    rolled back when anything in the request raised."""
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
        except Exception:
            await session.rollback()
            raise
        else:
            await session.commit()


# "function" scope: the commit above runs before the answer is sent, so a commit that fails
# still answers 500 instead of a 201 for nothing.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]

bearer = HTTPBearer(auto_error=False, description="The access_token from POST /api/v1/auth/token.")


async def read_claims(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    settings: SettingsDep,
) -> TokenClaims | None:
    """What the caller's bearer token says, if it is one of ours and still valid."""
    if credentials is None:
        return None
    return read_token(credentials.credentials, settings)


ClaimsDep = Annotated[TokenClaims | None, Depends(read_claims)]


async def get_current_staff(claims: ClaimsDep, session: SessionDep) -> Clinician:
    """The signed-in member of staff, as the database knows them now: an account deactivated
    since the token was issued no longer signs anything in."""
    staff = await staff_service.find_active(session, claims.staff_id) if claims else None
    if staff is None:
        raise not_authenticated()
    return staff


CurrentStaff = Annotated[Clinician, Depends(get_current_staff)]


async def require_admin(staff: CurrentStaff) -> Clinician:
    if staff.role != Role.ADMIN:
        raise forbidden("Only admins may do this.")
    return staff


async def get_notifier(request: Request, settings: SettingsDep, session: SessionDep) -> Notifier:
    return Notifier(request.app.state.http, str(settings.notifier_url),
                    settings.notifier_timeout, session)


NotifierDep = Annotated[Notifier, Depends(get_notifier)]

# A stand-in for patients' authentication until chapter 05: the caller says who they are.
CurrentPatientId = Annotated[
    RowId, Header(alias="X-Patient-Id", description="The calling patient (demo identity).")
]
