from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import String, func, select
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


# --8<-- [start:half-done]
async def half_done_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        try:
            yield session
        finally:
            await session.commit()
# --8<-- [end:half-done]


# --8<-- [start:unit-of-work]
async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        try:
            yield session
        except Exception:
            await session.rollback()
            raise
        else:
            await session.commit()
# --8<-- [end:unit-of-work]


def build(dependency: Callable[..., AsyncIterator[AsyncSession]]) -> FastAPI:
    app = FastAPI(lifespan=closing_the_engine)
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    app.state.engine, app.state.sessions = engine, async_sessionmaker(engine)
    Session = Annotated[AsyncSession, Depends(dependency)]

    @app.exception_handler(NotifierDown)
    async def notifier_down(request: Request, exc: NotifierDown) -> JSONResponse:
        return JSONResponse({"error": "notification_failed"}, status_code=502)

    # --8<-- [start:route]
    @app.post("/accounts")
    async def create_account(email: str, session: Session) -> dict:
        session.add(Account(email=email))
        await session.flush()
        raise NotifierDown  # the welcome message cannot be sent
    # --8<-- [end:route]

    @app.get("/accounts/count")
    async def count(session: Session) -> dict:
        return {"accounts": await session.scalar(select(func.count(Account.id)))}

    return app


@asynccontextmanager
async def closing_the_engine(app: FastAPI) -> AsyncIterator[None]:
    yield
    await app.state.engine.dispose()


async def create_tables(app: FastAPI) -> None:
    async with app.state.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
