"""The database engine and session factory, shared by the API and the jobs."""

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.infra.models import Base


def make_engine(database_url: str) -> AsyncEngine:
    return create_async_engine(database_url)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Whoever owns a transaction commits it (the API's session dependency, a job its own);
    # after a commit the objects stay readable for logs and reports.
    return async_sessionmaker(engine, expire_on_commit=False)


async def create_tables(engine: AsyncEngine) -> None:
    # The API and its workers may start at the same moment on a new database file: each makes
    # the tables in an immediate transaction, so the second waits for the first, then finds
    # them made, instead of failing on "table already exists".
    async with engine.begin() as connection:
        await connection.exec_driver_sql("BEGIN IMMEDIATE")
        await connection.run_sync(Base.metadata.create_all)
