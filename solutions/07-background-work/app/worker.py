"""The clinic's worker, which runs the jobs the API queues (app/infra/jobs.py):

    python -m app.worker

It reads the service's own settings (the same CLINIC_DATABASE_URL as the API, the notifier)
and runs beside the API; any number of workers may run at once. SIGTERM or Ctrl-C stops it
once the job in hand is done.

A worker killed outright leaves the job it held to the next worker that finds its lease run
out; a job that fails is tried again, backed off, a bounded number of times.
"""

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable

import httpx2
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings, get_settings
from app.domain.job_status import JobStatus
from app.infra import jobs
from app.infra.db import create_tables, make_engine, make_sessionmaker
from app.infra.models import Job
from app.infra.notifier import Notifier
from app.services import reminders

logger = logging.getLogger("clinic.worker")

# What runs a job, by its kind.
HANDLERS: dict[str, Callable[[Job, Notifier], Awaitable[None]]] = {
    reminders.REMINDER: reminders.deliver,
}


async def work(settings: Settings, stop: asyncio.Event) -> None:
    """Runs the jobs that are due, one at a time, until `stop` is set."""
    worker_id = f"{socket.gethostname()}:{os.getpid()}"
    policy = jobs.RetryPolicy(settings.job_lease_seconds, settings.job_max_attempts,
                              settings.job_backoff_seconds)
    engine = make_engine(settings.database_url)
    try:
        await create_tables(engine)
        sessions = make_sessionmaker(engine)
        async with httpx2.AsyncClient() as http:
            logger.info("worker %s started", worker_id)
            while not stop.is_set():
                async with sessions() as session:
                    job = await jobs.claim(session, worker_id, policy)
                if job is None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), settings.worker_poll_seconds)
                    continue
                async with sessions() as session:
                    notifier = Notifier(http, str(settings.notifier_url),
                                        settings.notifier_timeout, session)
                    await run(job, notifier, sessions, policy)
    finally:
        await engine.dispose()
    logger.info("worker %s stopped", worker_id)


async def run(job: Job, notifier: Notifier, sessions: async_sessionmaker[AsyncSession],
              policy: jobs.RetryPolicy) -> None:
    """Runs a job this worker claimed, then records how it went."""
    logger.info("job %s (%s): attempt %s of %s", job.id, job.kind, job.attempts,
                policy.max_attempts)
    try:
        handler = HANDLERS.get(job.kind)
        if handler is None:
            raise LookupError(f"no worker runs jobs of kind {job.kind!r}")
        await handler(job, notifier)
    except Exception as exc:
        async with sessions() as session:
            failed = await jobs.fail(session, job, f"{type(exc).__name__}: {exc}", policy)
        if failed is None:
            logger.warning("job %s failed, but another worker had taken it up", job.id)
        elif failed.status == JobStatus.FAILED:
            logger.error("job %s failed for good after %s attempts", job.id, job.attempts,
                         exc_info=exc)
        else:
            logger.warning("job %s failed (%s); attempt %s after %s UTC", job.id, exc,
                           job.attempts + 1, failed.run_after)
        return
    async with sessions() as session:
        done = await jobs.complete(session, job)
    if done is None:
        logger.warning("job %s ran, but another worker had taken it up", job.id)
    else:
        logger.info("job %s done", job.id)


async def serve() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, stop.set)
        except NotImplementedError:  # Windows: no signal handlers in the event loop
            signal.signal(signum, lambda *_: loop.call_soon_threadsafe(stop.set))
    await work(get_settings(), stop)


def main() -> int:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
