from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from pydantic import MISSING, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import String, event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


# --8<-- [start:entity]
class Patient(Base):
    __tablename__ = "patients"
    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))  # NOT NULL
    phone: Mapped[str | None] = mapped_column(String(40))  # may be empty
    emergency_contact: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
# --8<-- [end:entity]


class PatientResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    full_name: str
    phone: str | None
    emergency_contact: str | None


# --8<-- [start:loose]
class PatientPatchLoose(BaseModel):
    full_name: str | None = None
    phone: str | None = None
    emergency_contact: str | None = None
# --8<-- [end:loose]


# --8<-- [start:patch]
class PatientPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")  # "ful_name" is a typo, not a no-op

    full_name: str | MISSING = Field(MISSING, min_length=1, max_length=200)
    phone: str | MISSING | None = Field(MISSING, max_length=40)
    emergency_contact: str | MISSING | None = Field(MISSING, max_length=200)
# --8<-- [end:patch]


# --8<-- [start:checked]
class PatientPatchChecked(BaseModel):
    full_name: str | None = None
    phone: str | None = None

    @field_validator("full_name")
    @classmethod
    def not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value
# --8<-- [end:checked]


engine = create_async_engine("sqlite+aiosqlite:///:memory:")
sessions = async_sessionmaker(engine, expire_on_commit=False)
statements: list[str] = []
event.listen(engine.sync_engine, "before_cursor_execute",
             lambda conn, cursor, sql, *_: statements.append(sql))


async def get_session() -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session
        await session.commit()


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def load(session: AsyncSession, patient_id: int) -> Patient:
    patient = await session.get(Patient, patient_id)
    if patient is None:
        raise HTTPException(404, "no such patient")
    return patient


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with sessions() as session:
        session.add(Patient(id=1, full_name="Ada Byrne", phone="+44 20 7946 0001",
                            emergency_contact="Kofi Byrne",
                            password_hash="$argon2id$v=19$m=65536,t=3,p=4$..."))
        await session.commit()
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/patients/{patient_id}")
async def read_patient(patient_id: int, session: SessionDep) -> PatientResponse:
    return PatientResponse.model_validate(await load(session, patient_id))


# --8<-- [start:overwrite]
@app.patch("/overwrite/patients/{patient_id}")
async def update_overwriting(patient_id: int, payload: PatientPatchLoose,
                             session: SessionDep) -> PatientResponse:
    patient = await load(session, patient_id)
    for field, value in payload.model_dump().items():  # every field, sent or not
        setattr(patient, field, value)
    await session.flush()
    return PatientResponse.model_validate(patient)
# --8<-- [end:overwrite]


# --8<-- [start:unset]
@app.patch("/unset/patients/{patient_id}")
async def update_sent_fields(patient_id: int, payload: PatientPatchLoose,
                             session: SessionDep) -> PatientResponse:
    patient = await load(session, patient_id)
    for field, value in payload.model_dump(exclude_unset=True).items():
        setattr(patient, field, value)  # {"full_name": null} gets here too
    await session.flush()
    return PatientResponse.model_validate(patient)
# --8<-- [end:unset]


# --8<-- [start:route]
@app.patch("/patients/{patient_id}")
async def update_patient(patient_id: int, payload: PatientPatch,
                         session: SessionDep) -> PatientResponse:
    patient = await load(session, patient_id)
    for field, value in payload.model_dump(exclude_unset=True).items():
        setattr(patient, field, value)
    await session.flush()
    return PatientResponse.model_validate(patient)
# --8<-- [end:route]
