"""The job queue: a table in the clinic's database, which the API adds jobs to and any number
of workers (`python -m app.worker`, app/worker.py) take them from.

A job runs at least once. A worker claims it with a lease and records the outcome only once
it has run it: a worker that dies holding a job lets its lease run out, and another worker
takes the job up again, so what a job does must be safe to repeat (a reminder carries an
idempotency key). A job that fails is retried after a backoff that doubles with each failure,
and fails for good after its last attempt.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import JobNotFound
from app.domain.job_status import JobStatus
from app.infra.models import Job

# However many attempts failed, a job waits at most this long before the next one.
LONGEST_BACKOFF_SECONDS = 600.0
GAVE_UP = "its worker stopped during its last attempt (the lease ran out)"


@dataclass(frozen=True)
class RetryPolicy:
    lease_seconds: float
    max_attempts: int
    backoff_seconds: float

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after attempt number `attempts` failed: the backoff, doubled with
        each failure, plus a random share of it up to as much again, so that jobs that failed
        together do not all come back together."""
        doubled = min(self.backoff_seconds * 2 ** (attempts - 1), LONGEST_BACKOFF_SECONDS)
        return min(doubled * (1 + random.random()), LONGEST_BACKOFF_SECONDS)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # UTC, as the database's own clock


async def enqueue(session: AsyncSession, kind: str, payload: dict[str, Any]) -> Job:
    """A job for the workers, in the caller's transaction: it exists once that commits."""
    job = Job(kind=kind, payload=payload, status=JobStatus.QUEUED, attempts=0, run_after=_now())
    session.add(job)
    await session.flush()
    return job


async def claim(session: AsyncSession, worker_id: str, policy: RetryPolicy) -> Job | None:
    """The next job due (queued and past its backoff, or running on a lease that ran out),
    now this worker's until its lease ends; None when no job is due. Commits: the claim
    holds before the job runs."""
    while True:
        now = _now()
        due = (select(Job.id)
               .where(or_(and_(Job.status == JobStatus.QUEUED, Job.run_after <= now),
                          and_(Job.status == JobStatus.RUNNING, Job.lease_until < now)))
               .order_by(Job.run_after, Job.id).limit(1).scalar_subquery())
        # A job whose worker died in its last attempt has none left: it fails instead.
        used_up = and_(Job.status == JobStatus.RUNNING, Job.attempts >= policy.max_attempts)
        # One statement picks the job and takes it, so two workers never take the same one.
        job = await session.scalar(
            update(Job).where(Job.id == due).values(
                status=case((used_up, JobStatus.FAILED), else_=JobStatus.RUNNING),
                attempts=case((used_up, Job.attempts), else_=Job.attempts + 1),
                worker=worker_id,
                lease_until=case((used_up, null()),
                                 else_=now + timedelta(seconds=policy.lease_seconds)),
                last_error=case((used_up, GAVE_UP), else_=Job.last_error),
                finished_at=case((used_up, now), else_=null()),
            ).returning(Job))
        await session.commit()
        if job is None or job.status == JobStatus.RUNNING:
            return job


def _this_attempt(job: Job) -> Any:
    # A worker whose lease ran out while it ran must not record over the attempt that took
    # the job up after it: each claim counts one more attempt.
    return and_(Job.id == job.id, Job.status == JobStatus.RUNNING, Job.attempts == job.attempts)


async def complete(session: AsyncSession, job: Job) -> Job | None:
    """Records that the job ran; None when the job is no longer this attempt's."""
    done = await session.scalar(
        update(Job).where(_this_attempt(job))
        .values(status=JobStatus.DONE, lease_until=None, finished_at=_now()).returning(Job))
    await session.commit()
    return done


async def fail(session: AsyncSession, job: Job, error: str, policy: RetryPolicy) -> Job | None:
    """Records that the attempt failed: queued again after its backoff, or failed for good
    after the last attempt. None when the job is no longer this attempt's."""
    now = _now()
    if job.attempts < policy.max_attempts:
        outcome: dict[str, Any] = {
            "status": JobStatus.QUEUED,
            "run_after": now + timedelta(seconds=policy.backoff(job.attempts))}
    else:
        outcome = {"status": JobStatus.FAILED, "finished_at": now}
    failed = await session.scalar(
        update(Job).where(_this_attempt(job))
        .values(lease_until=None, last_error=error, **outcome).returning(Job))
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
