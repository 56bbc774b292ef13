"""A small clinic to test: patients in a database, and an insurer asked whether a member
is covered. Its resources are the lifespan's, handed to each request as the lifespan's
state (what it yields); its routes reach them through dependencies."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx2
from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel
from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class PatientRow(Base):
    __tablename__ = "patients"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    member_id: Mapped[str] = mapped_column(String(32))


class Settings(BaseModel):
    database_url: str = "sqlite+aiosqlite:///./clinic.db"
    insurer_url: str = "https://insurer.example"


def get_settings() -> Settings:
    return Settings()


class Insurer:
    def __init__(self, client: httpx2.AsyncClient) -> None:
        self.client = client

    async def covers(self, member_id: str) -> bool:
        answer = await self.client.get(f"/v1/members/{member_id}/coverage")
        return answer.status_code == 200 and answer.json()["active"]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.dependency_overrides.get(get_settings, get_settings)()
    engine = create_async_engine(settings.database_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    insurer = Insurer(httpx2.AsyncClient(base_url=settings.insurer_url, timeout=5))
    try:
        # Each request finds these in request.state, and only while this lifespan
        # runs: a test never sees what an earlier test's lifespan opened.
        yield {
            "sessionmaker": async_sessionmaker(engine, expire_on_commit=False),
            "insurer": insurer,
        }
    finally:
        await insurer.client.aclose()
        await engine.dispose()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.state.sessionmaker() as session, session.begin():
        yield session


def get_insurer(request: Request) -> Insurer:
    return request.state.insurer


Session = Annotated[AsyncSession, Depends(get_session)]
InsurerDep = Annotated[Insurer, Depends(get_insurer)]
app = FastAPI(lifespan=lifespan)


class PatientIn(BaseModel):
    name: str
    member_id: str


class PatientOut(PatientIn):
    id: int


@app.post("/patients", status_code=201)
async def register(payload: PatientIn, session: Session) -> PatientOut:
    row = PatientRow(name=payload.name, member_id=payload.member_id)
    session.add(row)
    await session.flush()
    return PatientOut(id=row.id, name=row.name, member_id=row.member_id)


@app.get("/patients")
async def patients(session: Session) -> list[PatientOut]:
    rows = await session.scalars(select(PatientRow).order_by(PatientRow.id))
    return [PatientOut(id=r.id, name=r.name, member_id=r.member_id) for r in rows]


@app.get("/patients/{patient_id}/covered")
async def covered(
    patient_id: int, session: Session, insurer: InsurerDep
) -> dict[str, bool]:
    row = await session.get(PatientRow, patient_id)
    return {"covered": row is not None and await insurer.covers(row.member_id)}
