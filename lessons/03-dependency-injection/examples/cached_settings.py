from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLINIC_")

    token_ttl_minutes: int = 60


# --8<-- [start:module-level]
settings = Settings()


def token_lifetime() -> int:
    return settings.token_ttl_minutes * 60
# --8<-- [end:module-level]


# --8<-- [start:dependency]
@lru_cache
def get_settings() -> Settings:
    return Settings()


SettingsDep = Annotated[Settings, Depends(get_settings)]
# --8<-- [end:dependency]

app = FastAPI()


@app.get("/module-level")
async def from_the_module() -> dict:
    return {"expires_in": token_lifetime()}


@app.get("/dependency")
async def from_the_dependency(settings: SettingsDep) -> dict:
    return {"expires_in": settings.token_ttl_minutes * 60}
