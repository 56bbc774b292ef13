"""Signing in, and the refresh tokens that keep a sign-in going.

Tokens are stateless: everything the API needs is in the signed token, so nothing about a
sign-in is stored, and any number of API workers can check any token.
"""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.tokens import Kind, Profile, issue_access_token, issue_refresh_token, read_refresh_token
from app.infra.models import Clinician, Patient
from app.services import patients
from app.services import staff as staff_service

PATIENT_ROLE = "patient"


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str


def _issue(settings: Settings, account: Patient | Clinician) -> IssuedTokens:
    if isinstance(account, Patient):
        kind: Kind = "patient"
        role = PATIENT_ROLE
        profile = Profile(account.full_name, account.email, account.date_of_birth)
    else:
        kind, role, profile = "staff", account.role, Profile(account.full_name, account.email)
    access, lifetime = issue_access_token(kind, account.id, role, profile, settings)
    return IssuedTokens(access, lifetime, issue_refresh_token(kind, account.id, settings))


async def sign_in_patient(session: AsyncSession, settings: Settings, email: str,
                          password: str) -> IssuedTokens | None:
    patient = await patients.authenticate(session, email, password)
    if patient is None:
        return None
    return _issue(settings, patient)


async def sign_in_staff(session: AsyncSession, settings: Settings, email: str,
                        password: str) -> IssuedTokens | None:
    staff = await staff_service.authenticate(session, email, password)
    if staff is None:
        return None
    return _issue(settings, staff)


async def rotate(session: AsyncSession, settings: Settings, token: str) -> IssuedTokens | None:
    """New tokens for a valid refresh token of an account that still signs in; None else."""
    found = read_refresh_token(token, settings)
    if found is None:
        return None
    kind, subject_id = found
    account: Patient | Clinician | None
    if kind == "patient":
        account = await session.get(Patient, subject_id)
    else:
        account = await staff_service.find_active(session, subject_id)
    return _issue(settings, account) if account is not None else None


async def sign_out(session: AsyncSession, token: str) -> None:
    """Nothing to forget: the portal drops its tokens, and they expire."""
