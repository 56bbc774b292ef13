from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


# --8<-- [start:settings]
class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLINIC_", env_file=".env",
                                      extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./clinic.db"
    notifier_url: AnyHttpUrl
    notifier_timeout: float = Field(default=5.0, gt=0)
    token_secret: SecretStr | None = None
# --8<-- [end:settings]


def problems(environment: dict[str, str]) -> list[str]:
    """What a start with this environment (and no .env file) would be refused for."""
    import os

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(environment)
    try:
        Settings(_env_file=None)
    except ValidationError as exc:
        return [f"{error['loc'][0]}: {error['msg']}" for error in exc.errors()]
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return []


if __name__ == "__main__":
    import os

    print(problems({k: v for k, v in os.environ.items() if k.startswith("CLINIC_")}))
