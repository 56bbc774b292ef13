"""Settings read from the environment (prefix CLINIC_), or from a `.env` file in the folder the
service starts in. Every setting is typed; one that is required and missing stops the service
at startup, naming it."""

from functools import lru_cache
from typing import Literal, Self

from pydantic import AnyHttpUrl, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Signs tokens on a developer's machine only: production refuses to start with it, or without
# a secret of its own.
DEVELOPMENT_SECRET = "clinic-development-secret-never-in-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLINIC_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./clinic.db"
    notifier_url: AnyHttpUrl
    notifier_timeout: float = Field(default=5.0, gt=0)
    # The insurer's API: its plan catalogue, read at startup, and members' coverage.
    insurer_url: AnyHttpUrl
    insurer_timeout: float = Field(default=5.0, gt=0)
    # The partner laboratory, asked for a patient's results while the patient waits.
    lab_results_url: AnyHttpUrl
    # The payment processor, which charges a patient's card.
    payments_url: AnyHttpUrl
    payments_timeout: float = Field(default=10.0, gt=0)
    # How often an idle worker (`python -m app.worker`) looks for a job.
    worker_poll_seconds: float = Field(default=0.5, gt=0)
    token_secret: SecretStr | None = None
    # Access tokens are short-lived; a refresh token (stored, revocable) gets the next one.
    access_token_minutes: int = Field(default=15, ge=1, le=60)
    refresh_token_days: int = Field(default=14, ge=1)
    # The origins of the browser front ends (the patient portal) allowed to call the API.
    cors_origins: list[str] = ["https://portal.clinic.example"]

    @model_validator(mode="after")
    def a_secret_of_its_own_in_production(self) -> Self:
        if self.environment == "production":
            if self.token_secret is None or not self.token_secret.get_secret_value():
                raise ValueError("CLINIC_TOKEN_SECRET is required in production")
            if self.token_secret.get_secret_value() == DEVELOPMENT_SECRET:
                raise ValueError("CLINIC_TOKEN_SECRET is the development secret")
        elif self.token_secret is None:
            self.token_secret = SecretStr(DEVELOPMENT_SECRET)
        return self

    @property
    def signing_key(self) -> bytes:
        assert self.token_secret is not None  # set by the validator above
        return self.token_secret.get_secret_value().encode()


@lru_cache
def get_settings() -> Settings:
    """Read once, then cached. Routes take it as a dependency (`SettingsDep`), so a test can
    swap it with `app.dependency_overrides[get_settings]`."""
    return Settings()
