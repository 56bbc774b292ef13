"""Signing in, and the refresh tokens that keep a sign-in going.

A refresh token is opaque and single-use: the database keeps a hash of each, and using one
(`rotate`) spends it and hands out the next in the same family. A spent token used again means
two parties hold the family (one of them stole it), so the whole family is revoked: the thief
and the patient both sign in again, and only one of them can. Signing out revokes the family.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.tokens import Kind, issue_access_token
from app.infra.models import Clinician, Patient, RefreshToken
from app.services import patients
from app.services import staff as staff_service

PATIENT_ROLE = "patient"


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


async def _issue(session: AsyncSession, settings: Settings, kind: Kind, subject_id: int,
                 role: str, family: str) -> IssuedTokens:
    access, lifetime = issue_access_token(kind, subject_id, role, settings)
    refresh = secrets.token_urlsafe(32)
    session.add(RefreshToken(token_hash=_hashed(refresh), family=family, kind=kind,
                             subject_id=subject_id,
                             expires_at=_now() + timedelta(days=settings.refresh_token_days)))
    await session.flush()
    return IssuedTokens(access, lifetime, refresh)


async def sign_in_patient(session: AsyncSession, settings: Settings, email: str,
                          password: str) -> IssuedTokens | None:
    patient = await patients.authenticate(session, email, password)
    if patient is None:
        return None
    return await _issue(session, settings, "patient", patient.id, PATIENT_ROLE,
                        secrets.token_hex(16))


async def sign_in_staff(session: AsyncSession, settings: Settings, email: str,
                        password: str) -> IssuedTokens | None:
    staff = await staff_service.authenticate(session, email, password)
    if staff is None:
        return None
    return await _issue(session, settings, "staff", staff.id, staff.role, secrets.token_hex(16))


async def _revoke_family(session: AsyncSession, family: str) -> None:
    await session.execute(update(RefreshToken).where(RefreshToken.family == family)
                          .values(revoked=True))


async def rotate(session: AsyncSession, settings: Settings, token: str) -> IssuedTokens | None:
    """New tokens for a live refresh token, which is spent; None for any other token, and a
    spent one used again revokes its family.

    The caller commits even when this returns None: a revoked family must stay revoked.
    """
    stored = await session.scalar(select(RefreshToken).where(
        RefreshToken.token_hash == _hashed(token)))
    if stored is None or stored.revoked or stored.expires_at <= _now():
        return None
    if stored.used:
        await _revoke_family(session, stored.family)
        return None
    role = await _role_of(session, stored.kind, stored.subject_id)
    if role is None:
        await _revoke_family(session, stored.family)
        return None
    stored.used = True
    return await _issue(session, settings, stored.kind, stored.subject_id, role,  # type: ignore[arg-type]
                        stored.family)


async def _role_of(session: AsyncSession, kind: str, subject_id: int) -> str | None:
    """The role to put in a new access token, or None when the account is gone or inactive."""
    if kind == "patient":
        return PATIENT_ROLE if await session.get(Patient, subject_id) is not None else None
    staff = await session.get(Clinician, subject_id)
    return staff.role if staff is not None and staff.is_active else None


async def sign_out(session: AsyncSession, token: str) -> None:
    """Revokes the refresh token's family, if it is one of ours; says nothing either way."""
    stored = await session.scalar(select(RefreshToken).where(
        RefreshToken.token_hash == _hashed(token)))
    if stored is not None:
        await _revoke_family(session, stored.family)
