"""Request-scoped dependencies, as `Annotated` aliases so signatures read like sentences.

They wire things (a session, the settings, the notifier, the caller) and decide nothing about
the clinic: the rules live in the services. The caller takes three steps, each its own
dependency: the credentials (a bearer token, verified), the principal (the account it names,
as it is now) and the policy (who may call a route, stated in the route's signature).
"""

import re
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings, get_settings
from app.core.errors import forbidden, not_authenticated
from app.core.tokens import AccessClaims, read_access_token
from app.domain.errors import IdempotencyKeyRequired
from app.domain.plans import PlanCatalog
from app.domain.roles import Role
from app.infra.followups import Followups
from app.infra.insurer import Insurer
from app.infra.lab_results import Laboratory
from app.infra.models import Clinician, Patient
from app.infra.notifier import Notifier
from app.infra.payments import PaymentProcessor
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


def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    """For a route whose service commits transactions of its own, beside the request's."""
    return request.app.state.sessionmaker


SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

bearer = HTTPBearer(auto_error=False, description="The access_token from signing in.")


async def read_claims(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    settings: SettingsDep,
) -> AccessClaims | None:
    """Credentials: what the caller's bearer token says, if it is a valid one of ours."""
    if credentials is None:
        return None
    return read_access_token(credentials.credentials, settings)


ClaimsDep = Annotated[AccessClaims | None, Depends(read_claims)]


async def get_principal(claims: ClaimsDep, session: SessionDep) -> Patient | Clinician:
    """The principal: who the token names, as the database knows them now. A patient who
    closed their record, or a member of staff deactivated since, signs nothing in; every
    failure answers the same 401."""
    principal: Patient | Clinician | None = None
    if claims is not None and claims.kind == "patient":
        principal = await session.get(Patient, claims.subject_id)
    elif claims is not None:
        principal = await staff_service.find_active(session, claims.subject_id)
    if principal is None:
        raise not_authenticated()
    return principal


Principal = Annotated[Patient | Clinician, Depends(get_principal)]


# Policy: who may call a route, stated in its signature. A route with none of these is public.
async def get_current_patient(principal: Principal) -> Patient:
    if not isinstance(principal, Patient):
        raise forbidden("Only patients may do this.")
    return principal


async def get_current_staff(principal: Principal) -> Clinician:
    if not isinstance(principal, Clinician):
        raise forbidden("Only staff may do this.")
    return principal


CurrentPatient = Annotated[Patient, Depends(get_current_patient)]
CurrentStaff = Annotated[Clinician, Depends(get_current_staff)]


async def require_admin(staff: CurrentStaff) -> Clinician:
    if staff.role != Role.ADMIN:
        raise forbidden("Only admins may do this.")
    return staff


AdminStaff = Annotated[Clinician, Depends(require_admin)]


async def get_notifier(request: Request, settings: SettingsDep, session: SessionDep) -> Notifier:
    return Notifier(request.app.state.http, str(settings.notifier_url),
                    settings.notifier_timeout, session)


NotifierDep = Annotated[Notifier, Depends(get_notifier)]


def get_insurer(request: Request) -> Insurer:
    """The one insurer client the lifespan opened: its pool keeps connections for the next
    request. A test swaps it with `app.dependency_overrides[get_insurer]`."""
    return request.app.state.insurer


def get_plans(request: Request) -> PlanCatalog:
    return request.app.state.plans


InsurerDep = Annotated[Insurer, Depends(get_insurer)]
PlansDep = Annotated[PlanCatalog, Depends(get_plans)]


def get_followups(request: Request) -> Followups:
    return request.app.state.followups


FollowupsDep = Annotated[Followups, Depends(get_followups)]


def get_laboratory(request: Request) -> Laboratory:
    return request.app.state.laboratory


def get_payment_processor(request: Request) -> PaymentProcessor:
    return request.app.state.payments


LaboratoryDep = Annotated[Laboratory, Depends(get_laboratory)]
PaymentProcessorDep = Annotated[PaymentProcessor, Depends(get_payment_processor)]

IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


def read_idempotency_key(idempotency_key: Annotated[str | None, Header(
        description="Required: 1 to 64 letters, digits, dashes and underscores, chosen by the "
                    "client for this payment and sent again, the same, with every retry of it.",
        examples=["pay-7-2031-05-05"])] = None) -> str:
    # Read by hand, not required by FastAPI: a missing key is the 400 this contract names,
    # not a 422 about a header.
    if idempotency_key is None or not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise IdempotencyKeyRequired()
    return idempotency_key


IdempotencyKeyDep = Annotated[str, Depends(read_idempotency_key)]
