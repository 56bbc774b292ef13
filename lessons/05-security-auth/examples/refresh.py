import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

SIGNING_KEY = secrets.token_bytes(32)
ACCESS_SECONDS = 5 * 60
REFRESH_SECONDS = 14 * 24 * 3600
clock = time.time


class RefreshRefused(Exception):
    """Unknown, expired, spent or revoked: the caller signs in again."""


# --8<-- [start:store]
@dataclass
class RefreshRecord:
    patient_id: int
    family: str
    expires_at: float
    spent: bool = False


records: dict[str, RefreshRecord] = {}
revoked_families: set[str] = set()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_refresh_token(patient_id: int, family: str | None = None) -> str:
    token = secrets.token_urlsafe(32)
    records[digest(token)] = RefreshRecord(
        patient_id, family or secrets.token_hex(8), clock() + REFRESH_SECONDS)
    return token
# --8<-- [end:store]


# --8<-- [start:rotate]
def rotate(token: str) -> tuple[int, str]:
    record = records.get(digest(token))
    if record is None or record.family in revoked_families:
        raise RefreshRefused
    if record.spent:
        revoked_families.add(record.family)
        raise RefreshRefused
    if record.expires_at <= clock():
        raise RefreshRefused
    record.spent = True
    return record.patient_id, issue_refresh_token(record.patient_id, record.family)


def revoke(token: str) -> None:
    record = records.get(digest(token))
    if record is not None:
        revoked_families.add(record.family)
# --8<-- [end:rotate]


app = FastAPI()


class TokenPair(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str


class RefreshRequest(BaseModel):
    refresh_token: str


def not_authenticated() -> HTTPException:
    return HTTPException(401, "Not authenticated",
                         headers={"WWW-Authenticate": "Bearer"})


def access_token(patient_id: int) -> str:
    now = int(time.time())
    claims = {"sub": str(patient_id), "iat": now, "exp": now + ACCESS_SECONDS}
    return jwt.encode(claims, SIGNING_KEY, algorithm="HS256")


def sign_in(patient_id: int) -> TokenPair:
    return TokenPair(access_token=access_token(patient_id), expires_in=ACCESS_SECONDS,
                     refresh_token=issue_refresh_token(patient_id))


# --8<-- [start:routes]
@app.post("/auth/refresh")
async def refresh(body: RefreshRequest) -> TokenPair:
    try:
        patient_id, next_refresh = rotate(body.refresh_token)
    except RefreshRefused:
        raise not_authenticated() from None
    return TokenPair(access_token=access_token(patient_id), expires_in=ACCESS_SECONDS,
                     refresh_token=next_refresh)


@app.post("/auth/logout", status_code=204)
async def logout(body: RefreshRequest) -> None:
    revoke(body.refresh_token)
# --8<-- [end:routes]


bearer = HTTPBearer(auto_error=False)


def current_patient_id(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> int:
    try:
        claims = jwt.decode(credentials.credentials if credentials else "", SIGNING_KEY,
                            algorithms=["HS256"], options={"require": ["sub", "exp"]})
    except jwt.PyJWTError:
        raise not_authenticated() from None
    return int(claims["sub"])


@app.get("/patients/me")
async def read_me(patient_id: Annotated[int, Depends(current_patient_id)]) -> dict:
    return {"id": patient_id}
