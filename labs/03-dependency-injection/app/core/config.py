"""Settings read from the environment (prefix CLINIC_), or from a `.env` file in the folder the
service starts in, once, when this module is imported."""

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "clinic-development-secret-never-in-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLINIC_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./clinic.db"
    # Optional, so that the service also runs on a laptop with no notifier around.
    notifier_url: str | None = None
    notifier_timeout: float = Field(default=5.0, gt=0)
    token_secret: str = DEVELOPMENT_SECRET  # set CLINIC_TOKEN_SECRET in production
    token_ttl_minutes: int = Field(default=60, ge=1)

    @property
    def signing_key(self) -> bytes:
        return self.token_secret.encode()


settings = Settings()


def get_settings() -> Settings:
    """The settings, for code that wants them as a dependency."""
    return settings
