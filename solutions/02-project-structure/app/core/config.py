"""Settings read from the environment (prefix CLINIC_)."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLINIC_")

    database_url: str = "sqlite+aiosqlite:///./clinic.db"


def get_settings() -> Settings:
    return Settings()
