from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    relationship,
    selectinload,
)


class Base(DeclarativeBase):
    pass


# --8<-- [start:entities]
class Patient(Base):
    __tablename__ = "patients"
    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    appointments: Mapped[list["Appointment"]] = relationship(lazy="raise")


class Appointment(Base):
    __tablename__ = "appointments"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    starts_at: Mapped[datetime]
# --8<-- [end:entities]


# --8<-- [start:dtos]
class AppointmentSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    starts_at: datetime


class PatientOverview(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    full_name: str
    appointments: list[AppointmentSummary]
# --8<-- [end:dtos]


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
        session.add(Patient(id=1, full_name="Ada Byrne"))
        session.add(Appointment(id=7, patient_id=1, starts_at=datetime(2027, 3, 1, 9)))
        await session.commit()
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


# --8<-- [start:entity-out]
@app.get("/entity/patients/{patient_id}")
async def overview_from_entity(patient_id: int, session: SessionDep) -> PatientOverview:
    return await session.get(Patient, patient_id)  # serialized later, by FastAPI
# --8<-- [end:entity-out]


# --8<-- [start:service]
async def patient_overview(session: AsyncSession, patient_id: int) -> PatientOverview:
    query = (select(Patient).where(Patient.id == patient_id)
             .options(selectinload(Patient.appointments)))
    patient = (await session.scalars(query)).one()
    return PatientOverview.model_validate(patient)  # inside the session, loaded


@app.get("/patients/{patient_id}")
async def read_overview(patient_id: int, session: SessionDep) -> PatientOverview:
    return await patient_overview(session, patient_id)
# --8<-- [end:service]
