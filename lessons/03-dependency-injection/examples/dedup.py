from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy import String, event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(100))


opened: list[int] = []
event.listen(Session, "after_begin", lambda session, *_: opened.append(id(session)))


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        yield session
        await session.commit()


# --8<-- [start:aliases]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
OwnSession = Annotated[AsyncSession, Depends(get_session, use_cache=False)]


class AddressBook:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def email_of(self, staff_id: int) -> str:
        found = select(Staff.email).where(Staff.id == staff_id)
        return await self.session.scalar(found)


def shared_book(session: SessionDep) -> AddressBook:
    return AddressBook(session)


def own_book(session: OwnSession) -> AddressBook:
    return AddressBook(session)
# --8<-- [end:aliases]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await open_database("sqlite+aiosqlite:///./dedup.db")
    yield
    await app.state.engine.dispose()


app = FastAPI(lifespan=lifespan)


# --8<-- [start:route]
async def change_email(staff_id: int, email: str, session: AsyncSession,
                       book: AddressBook) -> dict:
    staff = await session.get(Staff, staff_id)
    staff.email = email
    await session.flush()
    return {"notice_to": await book.email_of(staff_id)}


@app.put("/shared/{staff_id}")
async def with_shared(staff_id: int, email: str, session: SessionDep,
                      book: Annotated[AddressBook, Depends(shared_book)]) -> dict:
    return await change_email(staff_id, email, session, book)


@app.put("/own/{staff_id}")
async def with_own(staff_id: int, email: str, session: SessionDep,
                   book: Annotated[AddressBook, Depends(own_book)]) -> dict:
    return await change_email(staff_id, email, session, book)
# --8<-- [end:route]


async def open_database(url: str) -> None:
    """Two sessions are two connections: a file, so that both see one database."""
    engine = app.state.engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    app.state.sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with app.state.sessions() as session:
        await session.merge(Staff(id=1, email="ama@example.org"))
        await session.merge(Staff(id=2, email="kofi@example.org"))
        await session.commit()
