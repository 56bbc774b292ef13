"""The job queue: a table in the clinic's database, which the API adds jobs to and any number
of workers (`python -m app.worker`, app/worker.py) take them from.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import JobNotFound
from app.domain.job_status import JobStatus
from app.infra.models import Job


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # UTC, as the database's own clock


async def enqueue(session: AsyncSession, kind: str, payload: dict[str, Any]) -> Job:
    """A job for the workers, in the caller's transaction: it exists once that commits."""
    job = Job(kind=kind, payload=payload, status=JobStatus.QUEUED, attempts=0, run_after=_now())
    session.add(job)
    await session.flush()
    return job


async def claim(session: AsyncSession, worker_id: str) -> Job | None:
    """The next job due, now this worker's; None when no job is due. Commits: the claim
    holds before the job runs."""
    due = (select(Job.id)
           .where(Job.status == JobStatus.QUEUED, Job.run_after <= _now())
           .order_by(Job.run_after, Job.id).limit(1).scalar_subquery())
    # One statement picks the job and takes it, so two workers never take the same one.
    job = await session.scalar(
        update(Job).where(Job.id == due).values(
            status=JobStatus.RUNNING, attempts=Job.attempts + 1, worker=worker_id,
        ).returning(Job))
    await session.commit()
    return job


async def complete(session: AsyncSession, job: Job) -> Job | None:
    """Records that the job ran."""
    done = await session.scalar(
        update(Job).where(Job.id == job.id)
        .values(status=JobStatus.DONE, finished_at=_now()).returning(Job))
    await session.commit()
    return done


async def fail(session: AsyncSession, job: Job, error: str) -> Job | None:
    """Records that the attempt failed: queued again, to be tried again."""
    failed = await session.scalar(
        update(Job).where(Job.id == job.id)
        .values(status=JobStatus.QUEUED, run_after=_now(), last_error=error).returning(Job))
    await session.commit()
    return failed


async def list_jobs(session: AsyncSession) -> Sequence[Job]:
    result = await session.scalars(select(Job).order_by(Job.id))
    return result.all()


async def get_job(session: AsyncSession, job_id: int) -> Job:
    job = await session.get(Job, job_id)
    if job is None:
        raise JobNotFound(job_id)
    return job
