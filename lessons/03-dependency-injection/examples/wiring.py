from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLINIC_")

    notifier_url: str = "http://127.0.0.1:8031"


@lru_cache
def get_settings() -> Settings:
    return Settings()


class Notifier:
    def __init__(self, base_url: str, outbox: list[str]) -> None:
        self.base_url = base_url
        self.outbox = outbox

    async def send(self, to: str, text: str) -> None:
        self.outbox.append(f"{self.base_url} <- {to}: {text}")


# --8<-- [start:deps]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_notifier(request: Request, settings: SettingsDep) -> Notifier:
    return Notifier(settings.notifier_url, request.app.state.outbox)


def get_caller(x_staff_id: Annotated[int, Header()]) -> int:
    return x_staff_id


NotifierDep = Annotated[Notifier, Depends(get_notifier)]
CallerDep = Annotated[int, Depends(get_caller)]
# --8<-- [end:deps]

app = FastAPI()
app.state.outbox = []


# --8<-- [start:route]
@app.post("/reminders/{patient}")
async def remind(patient: str, caller: CallerDep, notifier: NotifierDep) -> dict:
    await notifier.send(patient, f"a reminder from staff member {caller}")
    return {"sent_to": patient}
# --8<-- [end:route]
