"""One database for the whole run, and each test inside a transaction that is rolled
back when it ends: what a test wrote is gone before the next one starts, in any
order."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from asgi_lifespan import LifespanManager
from clinic import Base, Settings, app, get_session, get_settings
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
async def engine(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[AsyncEngine]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'clinic.db'}"
    engine = create_async_engine(url)
    # Python's sqlite3 driver begins transactions its own way, and a SAVEPOINT in
    # one then commits for good. SQLAlchemy's documented fix: it says BEGIN itself.
    event.listen(
        engine.sync_engine,
        "connect",
        lambda connection, _: setattr(connection, "isolation_level", None),
    )
    event.listen(
        engine.sync_engine,
        "begin",
        lambda connection: connection.exec_driver_sql("BEGIN"),
    )
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    app.dependency_overrides[get_settings] = lambda: Settings(database_url=url)
    yield engine
    app.dependency_overrides.clear()
    await engine.dispose()


# --8<-- [start:rollback]
@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with engine.connect() as connection:
        outer = await connection.begin()  # the test's own transaction...
        # ...which the app's `session.begin()` joins as a savepoint
        session = AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint"
        )
        try:
            yield session
        finally:
            await session.close()
            await outer.rollback()  # ...and nothing of the test stays


@pytest.fixture
async def client(session: AsyncSession) -> AsyncIterator[httpx2.AsyncClient]:
    async def the_tests_session() -> AsyncIterator[AsyncSession]:
        async with session.begin():
            yield session

    app.dependency_overrides[get_session] = the_tests_session
    async with LifespanManager(app) as started:
        transport = httpx2.ASGITransport(app=started.app)
        async with httpx2.AsyncClient(
            transport=transport, base_url="http://clinic"
        ) as client:
            yield client
    del app.dependency_overrides[get_session]


# --8<-- [end:rollback]


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["Ana", "Ben", "Caro"])
async def test_each_test_sees_only_its_own_patient(
    client: httpx2.AsyncClient, name
) -> None:
    await client.post("/patients", json={"name": name, "member_id": "M-1"})
    assert [p["name"] for p in (await client.get("/patients")).json()] == [name]


def test_the_tests_share_one_file(tmp_path_factory: pytest.TempPathFactory) -> None:
    assert Path(tmp_path_factory.getbasetemp()).is_dir()
