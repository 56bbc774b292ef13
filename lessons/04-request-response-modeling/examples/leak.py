from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict
from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


# --8<-- [start:entity]
class Patient(Base):
    __tablename__ = "patients"
    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(200))
    internal_notes: Mapped[str] = mapped_column(default="")
# --8<-- [end:entity]


engine = create_async_engine("sqlite+aiosqlite:///:memory:")
sessions = async_sessionmaker(engine, expire_on_commit=False)


async def get_session() -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with sessions() as session:
        session.add(Patient(
            id=1, full_name="Ada Byrne", email="ada@example.org",
            password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
            internal_notes="Anxious about needles; book a longer slot."))
        await session.commit()
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


# --8<-- [start:leak]
@app.get("/leaky/patients/{patient_id}")
async def read_patient_leaky(patient_id: int, session: SessionDep):
    return await session.get(Patient, patient_id)  # every column goes out
# --8<-- [end:leak]


# --8<-- [start:plain]
class PatientPlain(BaseModel):
    id: int
    full_name: str
    email: str


@app.get("/plain/patients/{patient_id}")
async def read_patient_plain(patient_id: int, session: SessionDep) -> PatientPlain:
    patient = await session.get(Patient, patient_id)
    return PatientPlain.model_validate(patient)  # a Patient is not a dict: 500
# --8<-- [end:plain]


# --8<-- [start:dto]
class PatientResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    full_name: str
    email: str


@app.get("/patients/{patient_id}")
async def read_patient(patient_id: int, session: SessionDep) -> PatientResponse:
    patient = await session.get(Patient, patient_id)
    return PatientResponse.model_validate(patient)
# --8<-- [end:dto]


# --8<-- [start:filter]
class PatientChart(PatientResponse):
    internal_notes: str


@app.get("/portal/patients/{patient_id}")
async def read_own_record(patient_id: int, session: SessionDep) -> PatientResponse:
    patient = await session.get(Patient, patient_id)
    return PatientChart.model_validate(patient)  # more than the annotation promises
# --8<-- [end:filter]
