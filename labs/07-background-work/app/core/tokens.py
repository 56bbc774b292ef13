"""Access tokens: short-lived JWTs (HS256) saying who the caller is, and nothing else.

A JWT is signed, not encrypted: anyone holding one can read its claims. So it carries an
opaque subject (`patient:12`, `staff:3`), the role, and the times, never a name or an email.
Reading one verifies everything a forger could change: the signature with our key and our
algorithm only, who issued it and for whom, and when it is valid.
"""

import secrets
import time
from dataclasses import dataclass
from typing import Literal

import jwt

from app.core.config import Settings

ALGORITHM = "HS256"
ISSUER = "clinic"
AUDIENCE = "clinic-api"
REQUIRED_CLAIMS = ["sub", "role", "exp", "iat", "iss", "aud"]

Kind = Literal["patient", "staff"]


@dataclass(frozen=True)
class AccessClaims:
    kind: Kind
    subject_id: int
    role: str


def issue_access_token(kind: Kind, subject_id: int, role: str,
                       settings: Settings) -> tuple[str, int]:
    """A token for this patient or member of staff, and how many seconds it lives."""
    lifetime = settings.access_token_minutes * 60
    now = int(time.time())
    claims = {"sub": f"{kind}:{subject_id}", "role": role, "iat": now, "nbf": now,
              "exp": now + lifetime, "iss": ISSUER, "aud": AUDIENCE,
              "jti": secrets.token_urlsafe(12)}
    return jwt.encode(claims, settings.signing_key, algorithm=ALGORITHM), lifetime


def read_access_token(token: str, settings: Settings) -> AccessClaims | None:
    """The claims of a valid access token this service issued; None for anything else."""
    try:
        claims = jwt.decode(token, settings.signing_key, algorithms=[ALGORITHM],
                            audience=AUDIENCE, issuer=ISSUER,
                            options={"require": REQUIRED_CLAIMS})
        kind, _, subject_id = str(claims["sub"]).partition(":")
        if kind not in ("patient", "staff"):
            return None
        return AccessClaims(kind, int(subject_id), str(claims["role"]))  # type: ignore[arg-type]
    except (jwt.PyJWTError, ValueError):
        return None
