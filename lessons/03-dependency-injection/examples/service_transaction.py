from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(100))


class NotifierDown(Exception):
    pass


class Notifier:
    def __init__(self, up: bool) -> None:
        self.up = up

    async def welcome(self, email: str) -> None:
        if not self.up:
            raise NotifierDown


# --8<-- [start:service]
async def open_account(session: AsyncSession, notifier: Notifier,
                       email: str) -> Account:
    async with session.begin():
        account = Account(email=email)
        session.add(account)
        await session.flush()
        await notifier.welcome(email)
    return account
# --8<-- [end:service]


# --8<-- [start:dependency]
async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        yield session
# --8<-- [end:dependency]


def build(notifier: Notifier) -> FastAPI:
    app = FastAPI(lifespan=closing_the_engine)
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    # The objects stay readable after the commit, for the answer.
    app.state.engine = engine
    app.state.sessions = async_sessionmaker(engine, expire_on_commit=False)

    @app.post("/accounts", status_code=201)
    async def create_account(
        email: str, session: Annotated[AsyncSession, Depends(get_session)]
    ) -> dict:
        account = await open_account(session, notifier, email)
        return {"id": account.id}

    return app


@asynccontextmanager
async def closing_the_engine(app: FastAPI) -> AsyncIterator[None]:
    yield
    await app.state.engine.dispose()


async def create_tables(app: FastAPI) -> None:
    async with app.state.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
