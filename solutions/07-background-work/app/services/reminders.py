"""Reminders: one message to every patient with an appointment booked on a given day."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.appointment_status import AppointmentStatus
from app.infra import jobs
from app.infra.models import Appointment, Clinician, Job, Patient
from app.infra.notifier import Notifier

REMINDER = "reminder"


@dataclass(frozen=True)
class Reminder:
    patient_id: int
    to: str
    subject: str
    text: str

    def payload(self) -> dict[str, Any]:
        return {"patient_id": self.patient_id, "to": self.to, "subject": self.subject,
                "text": self.text}


async def due_on(session: AsyncSession, day: date) -> list[Reminder]:
    """One reminder per patient with an appointment booked that day, naming each of them."""
    opens = datetime.combine(day, time())
    rows = await session.execute(
        select(Patient.id, Patient.full_name, Patient.email, Appointment.starts_at,
               Clinician.full_name)
        .join(Appointment, Appointment.patient_id == Patient.id)
        .join(Clinician, Clinician.id == Appointment.clinician_id)
        .where(Appointment.status == AppointmentStatus.BOOKED,
               Appointment.starts_at >= opens, Appointment.starts_at < opens + timedelta(days=1))
        .order_by(Patient.id, Appointment.starts_at))
    visits: dict[int, tuple[str, str, list[str]]] = {}
    for patient_id, name, email, starts_at, clinician in rows:
        visit = f"at {starts_at.isoformat()} with {clinician}"
        visits.setdefault(patient_id, (name, email, []))[2].append(visit)
    return [Reminder(patient_id, email, f"A reminder of your appointment on {day.isoformat()}",
                     f"Hello {name}, a reminder that you are expected {'; and '.join(times)}.")
            for patient_id, (name, email, times) in visits.items()]


async def enqueue_for(session: AsyncSession, day: date) -> list[Job]:
    """A job per reminder due that day (kind "reminder"), in the caller's transaction: the
    worker sends them, and they outlive the API process, whatever becomes of it."""
    return [await jobs.enqueue(session, REMINDER, reminder.payload())
            for reminder in await due_on(session, day)]


async def deliver(job: Job, notifier: Notifier) -> None:
    """A reminder job's work. The key is the job's: a retried job (its worker died after the
    notifier took the message) delivers nothing new."""
    message = job.payload
    await notifier.send(str(message["to"]), str(message["subject"]), str(message["text"]),
                        idempotency_key=f"reminder-{job.id}")
