import asyncio
from datetime import datetime

from sqlalchemy import String, select
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
    status: Mapped[str] = mapped_column(String(20), default="booked")


class ClinicError(Exception):
    code = "clinic_error"


class SlotTaken(ClinicError):
    code = "slot_taken"


# --8<-- [start:book]
async def book(
    session: AsyncSession, *, clinician_id: int, starts_at: datetime, ends_at: datetime
) -> Appointment:
    clash = await session.scalar(
        select(Appointment.id).where(
            Appointment.clinician_id == clinician_id,
            Appointment.status == "booked",
            Appointment.starts_at < ends_at,
            Appointment.ends_at > starts_at,
        )
    )
    if clash is not None:
        raise SlotTaken(f"Clinician {clinician_id} already has an appointment then.")
    appointment = Appointment(
        clinician_id=clinician_id, starts_at=starts_at, ends_at=ends_at
    )
    session.add(appointment)
    await session.commit()
    return appointment
# --8<-- [end:book]


# --8<-- [start:job]
async def main() -> list[str]:
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    rows = [
        (7, datetime(2031, 5, 5, 9, 0), datetime(2031, 5, 5, 9, 30)),
        (7, datetime(2031, 5, 5, 9, 15), datetime(2031, 5, 5, 9, 45)),
    ]
    report = []
    for number, (clinician, starts, ends) in enumerate(rows, start=1):
        async with sessions() as session:
            try:
                await book(
                    session, clinician_id=clinician, starts_at=starts, ends_at=ends
                )
            except ClinicError as exc:
                report.append(f"row {number}: skipped: {exc}")
                continue
        report.append(f"row {number}: booked")
    await engine.dispose()
    return report


if __name__ == "__main__":
    print("\n".join(asyncio.run(main())))
# --8<-- [end:job]
