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
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
