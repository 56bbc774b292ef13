"""/api/v1/auth: patients and staff sign in, keep signed in, and sign out."""

from fastapi import APIRouter

from app.api.deps import SessionDep, SettingsDep
from app.core.errors import error_responses, not_authenticated
from app.schemas.auth import LoginRequest, RefreshRequest, TokenPair
from app.services import auth
from app.services.auth import IssuedTokens

router = APIRouter(prefix="/auth", tags=["auth"])

WRONG_CREDENTIALS = "Wrong email or password, or the account is deactivated."


def pair(tokens: IssuedTokens) -> TokenPair:
    return TokenPair(access_token=tokens.access_token, expires_in=tokens.expires_in,
                     refresh_token=tokens.refresh_token)


@router.post("/patients/token", responses=error_responses(400, 401))
async def sign_in_patient(credentials: LoginRequest, session: SessionDep,
                          settings: SettingsDep) -> TokenPair:
    tokens = await auth.sign_in_patient(session, settings, credentials.email,
                                        credentials.password)
    if tokens is None:
        raise not_authenticated(WRONG_CREDENTIALS)
    return pair(tokens)


@router.post("/token", responses=error_responses(400, 401))
async def sign_in_staff(credentials: LoginRequest, session: SessionDep,
                        settings: SettingsDep) -> TokenPair:
    tokens = await auth.sign_in_staff(session, settings, credentials.email, credentials.password)
    if tokens is None:
        raise not_authenticated(WRONG_CREDENTIALS)
    return pair(tokens)


@router.post("/refresh", responses=error_responses(400, 401))
async def refresh(payload: RefreshRequest, session: SessionDep,
                  settings: SettingsDep) -> TokenPair:
    tokens = await auth.rotate(session, settings, payload.refresh_token)
    if tokens is None:
        await session.commit()  # a family revoked for a reused token stays revoked
        raise not_authenticated("This refresh token is not valid; sign in again.")
    return pair(tokens)


@router.post("/logout", status_code=204, responses=error_responses(400))
async def sign_out(payload: RefreshRequest, session: SessionDep) -> None:
    await auth.sign_out(session, payload.refresh_token)
