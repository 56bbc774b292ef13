"""The suite's fixtures. Every test gets a clinic of its own: a database file in its own
temporary folder and a stand-in insurer it controls, swapped in through the app's dependency
overrides (`get_settings`), so that the service runs its real code, lifespan included. Nothing
is patched, and no test sees what another one wrote: the tests pass in any order, and in
parallel."""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# app.main reads the settings once on import (the CORS origins): any values do, each test's
# settings replace them.
os.environ.setdefault("CLINIC_NOTIFIER_URL", "http://127.0.0.1:9")
os.environ.setdefault("CLINIC_INSURER_URL", "http://127.0.0.1:9")

import pytest
from fastapi.testclient import TestClient
from insurer_sandbox import InsurerSandbox

from app.core.config import Settings, get_settings
from app.main import app


@pytest.fixture
def insurer() -> Iterator[InsurerSandbox]:
    """The insurer, as the clinic will find it when it starts: change its plans or members
    before the test takes `client`, its members or `failing` at any time."""
    with InsurerSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def settings(tmp_path: Path, insurer: InsurerSandbox) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'clinic.db'}",
                    notifier_url="http://127.0.0.1:9", insurer_url=insurer.url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The clinic, started (its lifespan runs on entering) on this test's settings."""
    app.dependency_overrides[get_settings] = lambda: settings
    try:
        with TestClient(app) as started:
            yield started
    finally:
        app.dependency_overrides.clear()


@dataclass
class SignedUp:
    id: int
    email: str
    password: str
    headers: dict[str, str]


@pytest.fixture
def sign_up(client: TestClient):
    """Registers a patient (any fields given replace the defaults) and signs them in."""
    count = 0

    def register(**fields: object) -> SignedUp:
        nonlocal count
        count += 1
        sent = {"full_name": f"Patient {count}", "email": f"patient{count}@example.org",
                "date_of_birth": "1990-04-02", "password": f"portal-pw-{count}", **fields}
        answer = client.post("/api/v1/patients", json=sent)
        assert answer.status_code == 201, answer.text
        signed_in = client.post("/api/v1/auth/patients/token",
                                json={"email": sent["email"], "password": sent["password"]})
        assert signed_in.status_code == 200, signed_in.text
        token = signed_in.json()["access_token"]
        return SignedUp(answer.json()["id"], str(sent["email"]), str(sent["password"]),
                        {"Authorization": f"Bearer {token}"})

    return register
