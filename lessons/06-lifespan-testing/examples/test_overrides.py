"""The clinic's tests, each on a database of its own, the insurer swapped through the
app's dependency overrides: the routes and the lifespan run their own code."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from clinic import Settings, app, get_insurer, get_settings
from fastapi.testclient import TestClient


# --8<-- [start:fake]
class FakeInsurer:
    """Stands where the insurer's client stands (`get_insurer`), with members the test
    chose: the route, the session and the database are the real ones."""

    def __init__(self, *active: str) -> None:
        self.active = set(active)
        self.asked: list[str] = []

    async def covers(self, member_id: str) -> bool:
        self.asked.append(member_id)
        return member_id in self.active


# --8<-- [end:fake]


# --8<-- [start:fixtures]
@pytest.fixture
def insurer() -> FakeInsurer:
    return FakeInsurer("M-1001")


@pytest.fixture
def client(tmp_path: Path, insurer: FakeInsurer) -> Iterator[TestClient]:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'clinic.db'}")
    app.dependency_overrides[get_settings] = lambda: (
        settings
    )  # the lifespan reads it too
    app.dependency_overrides[get_insurer] = lambda: insurer
    try:
        with TestClient(
            app
        ) as started:  # `with`: the lifespan runs, startup and shutdown
            yield started
    finally:
        app.dependency_overrides.clear()


# --8<-- [end:fixtures]


# --8<-- [start:tests]
def test_a_member_with_active_cover_is_covered(client: TestClient, insurer) -> None:
    patient = client.post(
        "/patients", json={"name": "Ana", "member_id": "M-1001"}
    ).json()
    answer = client.get(f"/patients/{patient['id']}/covered")
    assert answer.json() == {"covered": True}
    assert insurer.asked == ["M-1001"]


def test_a_member_without_cover_is_not(client: TestClient) -> None:
    patient = client.post(
        "/patients", json={"name": "Ben", "member_id": "M-2002"}
    ).json()
    assert client.get(f"/patients/{patient['id']}/covered").json() == {"covered": False}


def test_every_test_starts_with_an_empty_clinic(client: TestClient) -> None:
    assert client.get("/patients").json() == []


# --8<-- [end:tests]
