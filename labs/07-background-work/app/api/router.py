"""Every resource router, mounted under the versioned prefix."""

from fastapi import APIRouter

from app.api.v1 import (
    admin,
    appointments,
    auth,
    clinicians,
    jobs,
    lab_results,
    patients,
    payments,
    plans,
    staff,
)
from app.core.errors import error_responses

api_router = APIRouter(prefix="/api/v1", responses=error_responses(422, 500))
api_router.include_router(patients.router)
api_router.include_router(clinicians.router)
api_router.include_router(appointments.router)
api_router.include_router(auth.router)
api_router.include_router(staff.router)
api_router.include_router(admin.router)
api_router.include_router(plans.router)
api_router.include_router(jobs.router)
api_router.include_router(lab_results.router)
api_router.include_router(payments.router)
