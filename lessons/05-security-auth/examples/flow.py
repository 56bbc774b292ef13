import secrets
import time
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import BaseModel

SIGNING_KEY = secrets.token_bytes(32)
ALGORITHM = "HS256"
ISSUER, AUDIENCE = "clinic", "clinic-api"
ACCESS_SECONDS = 15 * 60

hasher = PasswordHash((Argon2Hasher(memory_cost=19456, time_cost=2, parallelism=1),))


@dataclass
class Patient:
    id: int
    email: str
    password_hash: str


PATIENTS = {1: Patient(1, "ada@example.org", hasher.hash("portal-pw-1"))}
DUMMY_HASH = hasher.hash("nobody has this password")


def check_password(email: str, password: str) -> Patient | None:
    patient = next((p for p in PATIENTS.values() if p.email == email), None)
    valid = hasher.verify(password, patient.password_hash if patient else DUMMY_HASH)
    return patient if patient is not None and valid else None


def not_authenticated() -> HTTPException:
    return HTTPException(401, "Not authenticated",
                         headers={"WWW-Authenticate": "Bearer"})


class SignIn(BaseModel):
    email: str
    password: str


class PatientOut(BaseModel):
    id: int
    email: str


# --8<-- [start:issue]
class TokenAnswer(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


def issue_access_token(patient: Patient) -> TokenAnswer:
    now = int(time.time())
    claims = {"sub": str(patient.id), "role": "patient", "iat": now,
              "exp": now + ACCESS_SECONDS, "iss": ISSUER, "aud": AUDIENCE,
              "jti": secrets.token_urlsafe(12)}
    token = jwt.encode(claims, SIGNING_KEY, algorithm=ALGORITHM)
    return TokenAnswer(access_token=token, expires_in=ACCESS_SECONDS)
# --8<-- [end:issue]


app = FastAPI()


# --8<-- [start:sign-in]
@app.post("/auth/token")
def sign_in(body: SignIn) -> TokenAnswer:
    patient = check_password(body.email, body.password)
    if patient is None:
        raise not_authenticated()
    return issue_access_token(patient)
# --8<-- [end:sign-in]


# --8<-- [start:current]
bearer = HTTPBearer(auto_error=False)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def current_patient(credentials: Credentials) -> Patient:
    if credentials is None:
        raise not_authenticated()
    try:
        claims = jwt.decode(credentials.credentials, SIGNING_KEY,
                            algorithms=[ALGORITHM], issuer=ISSUER, audience=AUDIENCE,
                            options={"require": ["sub", "exp", "iat"]})
    except jwt.PyJWTError:
        raise not_authenticated() from None
    patient = PATIENTS.get(int(claims["sub"]))
    if patient is None:
        raise not_authenticated()
    return patient


CurrentPatient = Annotated[Patient, Depends(current_patient)]


@app.get("/patients/me")
async def read_me(me: CurrentPatient) -> PatientOut:
    return PatientOut(id=me.id, email=me.email)
# --8<-- [end:current]
