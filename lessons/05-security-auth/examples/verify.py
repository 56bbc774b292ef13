import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import jwt

SIGNING_KEY = secrets.token_bytes(32)
ISSUER, AUDIENCE = "clinic", "clinic-api"


def issue(**changes: Any) -> str:
    now = int(time.time())
    claims = {"sub": "1", "role": "patient", "iat": now, "exp": now + 900,
              "iss": ISSUER, "aud": AUDIENCE, **changes}
    return jwt.encode({k: v for k, v in claims.items() if v is not None},
                      SIGNING_KEY, algorithm="HS256")


# --8<-- [start:trusting]
def read_claims_trusting(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})
# --8<-- [end:trusting]


# --8<-- [start:read]
def read_claims(token: str) -> dict[str, Any]:
    return jwt.decode(
        token,
        SIGNING_KEY,
        algorithms=["HS256"],
        issuer=ISSUER,
        audience=AUDIENCE,
        options={"require": ["sub", "exp", "iat", "iss", "aud"]},
        leeway=10,
    )
# --8<-- [end:read]


# --8<-- [start:forge]
def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict, claims: dict, key: bytes | None = None) -> str:
    signing_input = ".".join(
        b64url(json.dumps(part).encode()) for part in (header, claims))
    signature = b""
    if key is not None:
        signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def with_payload(token: str, claims: dict) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"
# --8<-- [end:forge]


# --8<-- [start:weak]
TUTORIAL_KEY = "secret"


def read_claims_tutorial_key(token: str) -> dict[str, Any]:
    return jwt.decode(token, TUTORIAL_KEY, algorithms=["HS256"], audience=AUDIENCE)


def read_claims_long_keys_only(token: str, key: str | bytes) -> dict[str, Any]:
    return jwt.decode(token, key, algorithms=["HS256"], audience=AUDIENCE,
                      options={"enforce_minimum_key_length": True})
# --8<-- [end:weak]
