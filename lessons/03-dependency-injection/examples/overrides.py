from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLINIC_")

    token_ttl_minutes: int = 60


@lru_cache
def get_settings() -> Settings:
    return Settings()


SettingsDep = Annotated[Settings, Depends(get_settings)]


class Notifier:
    async def send(self, to: str, text: str) -> None:
        raise RuntimeError("the real notifier is not reachable from a test")


def get_notifier() -> Notifier:
    return Notifier()


app = FastAPI()


@app.post("/welcome/{email}")
async def welcome(email: str, settings: SettingsDep,
                  notifier: Annotated[Notifier, Depends(get_notifier)]) -> dict:
    await notifier.send(email, f"your token lives {settings.token_ttl_minutes} minutes")
    return {"welcomed": email}


# --8<-- [start:test]
class FakeNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, to: str, text: str) -> None:
        self.sent.append((to, text))


def test_welcome_mentions_the_token_lifetime() -> None:
    fake = FakeNotifier()
    app.dependency_overrides[get_settings] = lambda: Settings(token_ttl_minutes=5)
    app.dependency_overrides[get_notifier] = lambda: fake
    try:
        with TestClient(app) as client:
            assert client.post("/welcome/ama@example.org").status_code == 200
    finally:
        app.dependency_overrides.clear()
    assert fake.sent == [("ama@example.org", "your token lives 5 minutes")]
# --8<-- [end:test]
