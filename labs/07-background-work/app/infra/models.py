"""The tables, as SQLAlchemy 2.x typed models."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The database's clock, to the millisecond: SQLite's CURRENT_TIMESTAMP stops at seconds.
NOW = text("(strftime('%Y-%m-%d %H:%M:%f', 'now'))")


class Base(DeclarativeBase):
    pass


class Patient(Base):
    __tablename__ = "patients"
    # Ids are never handed out again: a token of a closed record must not name the next patient.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    date_of_birth: Mapped[date]
    phone: Mapped[str | None] = mapped_column(String(32))
    sms_reminders: Mapped[bool] = mapped_column(default=True)
    insurance_member_id: Mapped[str | None] = mapped_column(String(32), default=None)
    # For the patient portal; what the patient typed is never stored.
    password_hash: Mapped[str] = mapped_column(String(200))
    # Written by clinicians, read by clinicians only.
    internal_notes: Mapped[str] = mapped_column(Text, default="")


class Clinician(Base):
    """A member of staff: a clinician patients book with, or an admin. Each signs in."""

    __tablename__ = "clinicians"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    specialty: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="clinician")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(server_default=NOW)


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="booked")
    reason: Mapped[str] = mapped_column(String(500), default="")
    # Filled in by the database on every insert and update; the apps sync on `version`.
    created_at: Mapped[datetime] = mapped_column(server_default=NOW)
    updated_at: Mapped[datetime] = mapped_column(server_default=NOW, onupdate=NOW)
    version: Mapped[int] = mapped_column(server_default=text("1"), onupdate=text("version + 1"))
    # Loaded only where a query asks for it (selectinload): async code cannot lazy-load.
    patient: Mapped[Patient] = relationship(lazy="raise")


class RefreshToken(Base):
    """A refresh token handed out, kept as a hash of it: the token itself is the client's.

    Every token a sign-in leads to, through each rotation, shares the sign-in's `family`.
    """

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "patient" or "staff"
    subject_id: Mapped[int]
    expires_at: Mapped[datetime]
    used: Mapped[bool] = mapped_column(default=False)
    revoked: Mapped[bool] = mapped_column(default=False)


class Job(Base):
    """Work the API queued for a worker (`python -m app.worker`), kept in the database: it
    outlives the process that queued it and any worker that dies running it."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    # Not taken before this time: a retry waits out its backoff.
    run_after: Mapped[datetime]
    # While running: the worker that holds it, and until when; a lease that runs out means
    # the worker died, and the job is taken up again.
    worker: Mapped[str | None] = mapped_column(String(100), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(server_default=NOW)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class Payment(Base):
    """A charge the processor made for a patient's appointment."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    amount_cents: Mapped[int]
    charge_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=NOW)

