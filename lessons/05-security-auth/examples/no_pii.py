import base64
import json
import secrets
import time
from datetime import date
from typing import Any

import jwt

SIGNING_KEY = secrets.token_bytes(32)


# --8<-- [start:profile]
def issue_with_profile(patient_id: int, name: str, email: str, born: date) -> str:
    now = int(time.time())
    claims = {"sub": str(patient_id), "role": "patient", "iat": now, "exp": now + 900,
              "name": name, "email": email, "birthdate": born.isoformat()}
    return jwt.encode(claims, SIGNING_KEY, algorithm="HS256")
# --8<-- [end:profile]


# --8<-- [start:read]
def read_without_key(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    padded = payload + "=" * (-len(payload) % 4)
    return json.loads(base64.urlsafe_b64decode(padded))
# --8<-- [end:read]


# --8<-- [start:lean]
def issue(patient_id: int) -> str:
    now = int(time.time())
    claims = {"sub": str(patient_id), "role": "patient", "iat": now, "exp": now + 900,
              "jti": secrets.token_urlsafe(12)}
    return jwt.encode(claims, SIGNING_KEY, algorithm="HS256")
# --8<-- [end:lean]
