"""The same app driven by an async test: httpx's AsyncClient over ASGITransport sends
requests straight to the app, and runs no lifespan; asgi-lifespan's LifespanManager runs
it."""

from pathlib import Path

import httpx2
import pytest
from asgi_lifespan import LifespanManager
from clinic import Settings, app, get_settings


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(tmp_path: Path):
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'clinic.db'}")
    app.dependency_overrides[get_settings] = lambda: settings
    yield settings
    app.dependency_overrides.clear()


# --8<-- [start:no-lifespan]
@pytest.mark.anyio
async def test_the_transport_alone_runs_no_lifespan(settings) -> None:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(
        transport=transport, base_url="http://clinic"
    ) as client:
        with pytest.raises(AttributeError, match="sessionmaker"):
            await client.get("/patients")  # no lifespan ran: no state to hand on


# --8<-- [end:no-lifespan]


# --8<-- [start:with-lifespan]
@pytest.mark.anyio
async def test_with_the_lifespan_started_it_answers(settings) -> None:
    async with LifespanManager(app) as started:
        transport = httpx2.ASGITransport(app=started.app)
        async with httpx2.AsyncClient(
            transport=transport, base_url="http://clinic"
        ) as client:
            created = await client.post(
                "/patients", json={"name": "Ana", "member_id": "M-1"}
            )
            assert created.status_code == 201
            assert [p["name"] for p in (await client.get("/patients")).json()] == [
                "Ana"
            ]


# --8<-- [end:with-lifespan]
