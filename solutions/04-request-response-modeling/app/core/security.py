"""Bearer tokens for the staff side: a signed, expiring claim of who the caller is.

A token is `<claims>.<signature>`: the claims as base64url JSON (staff id, role, expiry), the
signature an HMAC-SHA256 of them with the token secret. It is a minimal stand-in for a JWT,
which chapter 05 brings with everything a JWT needs verified.
"""

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from app.core.config import Settings


@dataclass(frozen=True)
class TokenClaims:
    staff_id: int
    role: str
    expires_at: int  # Unix time


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str, settings: Settings) -> str:
    digest = hmac.new(settings.signing_key, payload.encode(), hashlib.sha256).digest()
    return _encode(digest)


def issue_token(staff_id: int, role: str, settings: Settings) -> tuple[str, int]:
    """A token for this staff member, and how many seconds it lives."""
    lifetime = settings.token_ttl_minutes * 60
    claims = {"sub": staff_id, "role": role, "exp": int(time.time()) + lifetime}
    payload = _encode(json.dumps(claims, separators=(",", ":")).encode())
    return f"{payload}.{_signature(payload, settings)}", lifetime


def read_token(token: str, settings: Settings) -> TokenClaims | None:
    """The claims of a token this service signed and that has not expired; None otherwise."""
    payload, _, signature = token.partition(".")
    if not hmac.compare_digest(signature.encode(), _signature(payload, settings).encode()):
        return None
    try:
        claims = json.loads(_decode(payload))
        found = TokenClaims(int(claims["sub"]), str(claims["role"]), int(claims["exp"]))
    except (ValueError, KeyError, TypeError):
        return None
    return found if found.expires_at > time.time() else None
