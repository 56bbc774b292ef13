from datetime import datetime

from sqlalchemy import String, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NOW = text("(strftime('%Y-%m-%d %H:%M:%f', 'now'))")


class Base(DeclarativeBase):
    pass


# --8<-- [start:model]
class Appointment(Base):
    __tablename__ = "appointments"
    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(server_default=NOW, onupdate=NOW)
    version: Mapped[int] = mapped_column(server_default=text("1"),
                                         onupdate=text("version + 1"))
# --8<-- [end:model]


# --8<-- [start:change]
async def change_reason(session: AsyncSession, appointment_id: int, reason: str,
                        *, refresh: bool) -> Appointment:
    appointment = await session.get(Appointment, appointment_id)
    appointment.reason = reason
    await session.flush()  # the UPDATE ran; updated_at and version are now unloaded
    if refresh:
        await session.refresh(appointment)  # read back what the database generated
    return appointment
# --8<-- [end:change]


async def demo(refresh: bool) -> str:
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with sessions() as session:
            session.add(Appointment(id=1, reason="check-up"))
            await session.commit()
            changed = await change_reason(session, 1, "blood test", refresh=refresh)
            try:
                return f"version {changed.version}"
            except Exception as exc:  # reading an unloaded column, in async code
                return type(exc.__cause__ or exc).__name__
    finally:
        await engine.dispose()
