from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI
from pydantic import AnyHttpUrl
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLINIC_")

    notifier_url: AnyHttpUrl


@lru_cache
def get_settings() -> Settings:
    return Settings()


SettingsDep = Annotated[Settings, Depends(get_settings)]


def routes(app: FastAPI) -> FastAPI:
    @app.get("/notifier")
    async def notifier(settings: SettingsDep) -> dict:
        return {"notifier": str(settings.notifier_url)}

    return app


# --8<-- [start:lazy]
lazy = routes(FastAPI())
# --8<-- [end:lazy]


# --8<-- [start:eager]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    get_settings()  # validated now: a missing setting stops the start, naming it
    yield


eager = routes(FastAPI(lifespan=lifespan))
# --8<-- [end:eager]
