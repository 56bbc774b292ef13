"""/api/v1/admin/reminders and /api/v1/admin/jobs: admins send the day's reminders, and follow
the jobs that send them. Every route here is for admins only: the router itself requires it."""

from fastapi import APIRouter, Depends

from app.api.deps import SessionDep, require_admin
from app.core.errors import error_responses
from app.infra import jobs
from app.schemas.fields import RowId
from app.schemas.jobs import JobResponse, ReminderRequest, RemindersQueued
from app.services import reminders

router = APIRouter(prefix="/admin", tags=["jobs"], dependencies=[Depends(require_admin)],
                   responses=error_responses(401, 403))


@router.post("/reminders", status_code=202, responses=error_responses(400))
async def send_reminders(payload: ReminderRequest, session: SessionDep) -> RemindersQueued:
    """One reminder to every patient with an appointment booked that day, sent after the
    answer (202): each has its job, to follow at /admin/jobs/{id}."""
    queued = await reminders.enqueue_for(session, payload.day)
    return RemindersQueued(queued=len(queued), jobs=[job.id for job in queued])


@router.get("/jobs")
async def list_jobs(session: SessionDep) -> list[JobResponse]:
    return [JobResponse.model_validate(job) for job in await jobs.list_jobs(session)]


@router.get("/jobs/{job_id}", responses=error_responses(404))
async def read_job(job_id: RowId, session: SessionDep) -> JobResponse:
    return JobResponse.model_validate(await jobs.get_job(session, job_id))
