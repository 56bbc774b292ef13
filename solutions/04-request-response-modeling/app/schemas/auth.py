"""Signing in: credentials in, a bearer token out."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.staff import StaffResponse


class LoginRequest(BaseModel):
    model_config = ConfigDict(strict=True)

    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=200)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token stops working.")
    staff: StaffResponse
