"""The suite's fixtures: one clinic for the whole run, on a test database, with the insurer
patched out so that the tests need no network."""

import os
from collections.abc import Iterator
from unittest.mock import AsyncMock, patch

os.environ["CLINIC_DATABASE_URL"] = "sqlite+aiosqlite:///./test-clinic.db"
os.environ.setdefault("CLINIC_NOTIFIER_URL", "http://127.0.0.1:8061")
os.environ.setdefault("CLINIC_INSURER_URL", "http://127.0.0.1:8062")

import pytest
from fastapi.testclient import TestClient

from app.infra.insurer import Insurer, Plan
from app.main import app

PLANS = [Plan("BASIC", "Basic care", 2500), Plan("PLUS", "Care plus", 1000)]


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    with patch.object(Insurer, "plans", AsyncMock(return_value=PLANS)), TestClient(app) as started:
        yield started


@pytest.fixture(scope="session")
def ana_headers(client: TestClient) -> dict[str, str]:
    signed_in = client.post("/api/v1/auth/patients/token",
                            json={"email": "ana@example.org", "password": "portal-pw-1"})
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
