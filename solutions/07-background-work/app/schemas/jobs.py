"""Reminders asked for, and the jobs that send them, as admins see them."""

from pydantic import BaseModel, ConfigDict, Field

from app.domain.job_status import JobStatus
from app.schemas.fields import IsoDate, UtcDatetime


class ReminderRequest(BaseModel):
    model_config = ConfigDict(strict=True)

    day: IsoDate = Field(description="Every patient with an appointment booked that day gets "
                                     "a reminder.", examples=["2031-05-05"])


class RemindersQueued(BaseModel):
    queued: int = Field(description="How many reminders are on their way.")
    jobs: list[int] = Field(description="The job that sends each of them (GET /admin/jobs/{id}).")


class JobResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: JobStatus
    attempts: int = Field(description="How many times a worker has taken it up.")
    last_error: str | None = Field(description="Why its last attempt failed, if it did.")
    created_at: UtcDatetime
    finished_at: UtcDatetime | None
