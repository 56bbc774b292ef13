import secrets
import time
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

SIGNING_KEY = secrets.token_bytes(32)
ISSUER, AUDIENCE = "clinic", "clinic-api"


@dataclass
class Account:
    id: int
    role: str
    active: bool = True


ACCOUNTS = {1: Account(1, "admin"), 2: Account(2, "clinician"),
            3: Account(3, "admin", active=False)}


def issue(account_id: int, role: str, lifetime: int = 900) -> str:
    now = int(time.time())
    claims = {"sub": str(account_id), "role": role, "iat": now, "exp": now + lifetime,
              "iss": ISSUER, "aud": AUDIENCE}
    return jwt.encode(claims, SIGNING_KEY, algorithm="HS256")


# --8<-- [start:credentials]
@dataclass(frozen=True)
class Claims:
    account_id: int


bearer = HTTPBearer(auto_error=False)


def read_claims(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Claims | None:
    if credentials is None:
        return None
    try:
        claims = jwt.decode(credentials.credentials, SIGNING_KEY, algorithms=["HS256"],
                            issuer=ISSUER, audience=AUDIENCE,
                            options={"require": ["sub", "exp", "iat", "iss", "aud"]})
        return Claims(account_id=int(claims["sub"]))
    except (jwt.PyJWTError, ValueError):
        return None
# --8<-- [end:credentials]


# --8<-- [start:principal]
def not_authenticated() -> HTTPException:
    return HTTPException(401, "Not authenticated",
                         headers={"WWW-Authenticate": "Bearer"})


def get_principal(claims: Annotated[Claims | None, Depends(read_claims)]) -> Account:
    account = ACCOUNTS.get(claims.account_id) if claims else None
    if account is None or not account.active:
        raise not_authenticated()
    return account


Principal = Annotated[Account, Depends(get_principal)]
# --8<-- [end:principal]


# --8<-- [start:policy]
def require_admin(principal: Principal) -> Account:
    if principal.role != "admin":
        raise HTTPException(403, "Only admins may do this.")
    return principal


AdminStaff = Annotated[Account, Depends(require_admin)]
# --8<-- [end:policy]


app = FastAPI()


# --8<-- [start:routes]
@app.get("/staff/me")
async def read_me(me: Principal) -> dict:
    return {"id": me.id, "role": me.role}


@app.post("/admin/staff/{staff_id}/deactivate")
async def deactivate(staff_id: int, me: AdminStaff) -> dict:
    return {"deactivated": staff_id, "by": me.id}
# --8<-- [end:routes]


# --8<-- [start:leaky]
def get_principal_leaky(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Account:
    if credentials is None:
        raise HTTPException(401, "Sign in first.")
    try:
        claims = jwt.decode(credentials.credentials, SIGNING_KEY, algorithms=["HS256"],
                            issuer=ISSUER, audience=AUDIENCE)
    except jwt.ExpiredSignatureError:
        raise HTTPException(401, "Token expired.") from None
    except jwt.PyJWTError:
        raise HTTPException(401, "Invalid token.") from None
    account = ACCOUNTS.get(int(claims["sub"]))
    if account is None:
        raise HTTPException(404, f"Account {claims['sub']} does not exist.")
    if not account.active:
        raise HTTPException(403, "This account is deactivated.")
    return account


def require_admin_leaky(
    principal: Annotated[Account, Depends(get_principal_leaky)],
) -> Account:
    if principal.role != "admin":
        raise HTTPException(401, "Admins only: sign in as an admin.")
    return principal
# --8<-- [end:leaky]


@app.get("/leaky/staff/me")
async def read_me_leaky(
    me: Annotated[Account, Depends(get_principal_leaky)],
) -> dict:
    return {"id": me.id, "role": me.role}


@app.post("/leaky/admin/staff/{staff_id}/deactivate")
async def deactivate_leaky(
    staff_id: int, me: Annotated[Account, Depends(require_admin_leaky)],
) -> dict:
    return {"deactivated": staff_id, "by": me.id}
