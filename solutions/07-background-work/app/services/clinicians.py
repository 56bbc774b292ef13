"""Finding clinicians, as patients see them."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import ClinicianNotFound
from app.infra.models import Clinician


async def get_clinician(session: AsyncSession, clinician_id: int) -> Clinician:
    clinician = await session.get(Clinician, clinician_id)
    if clinician is None:
        raise ClinicianNotFound(clinician_id)
    return clinician


async def list_clinicians(session: AsyncSession) -> Sequence[Clinician]:
    result = await session.scalars(select(Clinician).order_by(Clinician.full_name))
    return result.all()
