import asyncio
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinician_id: Mapped[int]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class SlotTaken(Exception):
    pass


NINE, HALF_PAST = datetime(2031, 5, 5, 9, 0), datetime(2031, 5, 5, 9, 30)


# --8<-- [start:race]
async def check_free(session: AsyncSession, clinician_id: int) -> None:
    clash = await session.scalar(select(Appointment.id).where(
        Appointment.clinician_id == clinician_id,
        Appointment.starts_at < HALF_PAST, Appointment.ends_at > NINE))
    if clash is not None:
        raise SlotTaken(f"Clinician {clinician_id} already has an appointment then.")


async def insert(session: AsyncSession, clinician_id: int) -> None:
    slot = Appointment(clinician_id=clinician_id, starts_at=NINE, ends_at=HALF_PAST)
    session.add(slot)
    try:
        await session.commit()
    except IntegrityError as exc:  # the database refused the write
        raise SlotTaken(f"Clinician {clinician_id} was booked a moment ago.") from exc


async def two_desks_at_once(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as first, sessions() as second:
        await check_free(first, 7)   # desk 1: the slot is free
        await check_free(second, 7)  # desk 2, before desk 1 has written: free too
        results = []
        for desk in (first, second):
            try:
                await insert(desk, 7)
                results.append("booked")
            except SlotTaken as refused:
                results.append(f"refused: {refused}")
        return results
# --8<-- [end:race]


# --8<-- [start:guard]
ONE_BOOKING_PER_START = text(
    "CREATE UNIQUE INDEX one_booking_per_start"
    " ON appointments (clinician_id, starts_at)"
)
# --8<-- [end:guard]


async def run(database: Path, *, guarded: bool) -> list[str]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        if guarded:
            await connection.execute(ONE_BOOKING_PER_START)
    try:
        return await two_desks_at_once(async_sessionmaker(engine))
    finally:
        await engine.dispose()


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        service_only = await run(Path(folder, "a.db"), guarded=False)
        print(f"the rule in the service only: {service_only}")
        with_index = await run(Path(folder, "b.db"), guarded=True)
        print(f"and in the database:          {with_index}")


if __name__ == "__main__":
    asyncio.run(main())
