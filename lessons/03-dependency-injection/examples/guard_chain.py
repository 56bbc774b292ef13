from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

# token -> (staff id, role written into the token when it was issued)
TOKENS = {"t-ama": (1, "admin"), "t-kofi": (2, "clinician"), "t-old": (3, "admin")}
ACCOUNTS = {1: {"active": True}, 2: {"active": True}, 3: {"active": False}}

bearer = HTTPBearer(auto_error=False)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def unauthenticated() -> HTTPException:
    return HTTPException(401, "Sign in first.", headers={"WWW-Authenticate": "Bearer"})


# --8<-- [start:chain]
def token_claims(credentials: Credentials) -> tuple[int, str] | None:
    return TOKENS.get(credentials.credentials) if credentials else None


Claims = Annotated[tuple[int, str] | None, Depends(token_claims)]


def current_staff(claims: Claims) -> dict:
    if claims is None or not ACCOUNTS[claims[0]]["active"]:
        raise unauthenticated()
    return {"id": claims[0], "role": claims[1]}


def require_admin(staff: Annotated[dict, Depends(current_staff)]) -> dict:
    if staff["role"] != "admin":
        raise HTTPException(403, "Admins only.")
    return staff
# --8<-- [end:chain]


# --8<-- [start:shortcut]
def require_admin_from_token(claims: Claims) -> None:
    if claims is not None and claims[1] != "admin":
        raise HTTPException(403, "Admins only.")
# --8<-- [end:shortcut]


app = FastAPI()


@app.get("/chained", dependencies=[Depends(require_admin)])
async def chained() -> dict:
    return {"staff": "list"}


@app.get("/shortcut", dependencies=[Depends(require_admin_from_token)])
async def shortcut() -> dict:
    return {"staff": "list"}
