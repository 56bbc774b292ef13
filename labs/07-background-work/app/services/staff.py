"""Staff accounts: signing in, and what admins do to clinicians' accounts.

Every function here writes through the caller's session and flushes; the caller owns the
transaction (the API's session dependency commits a request, a job commits its own work), so
a notification that fails after a write takes the write down with it.
"""

from collections.abc import Sequence

from anyio import to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import CannotDeactivateYourself, ClinicianNotFound, EmailTaken
from app.domain.roles import Role
from app.infra.models import Clinician
from app.infra.notifier import Notifier
from app.infra.passwords import hash_password, password_matches


async def authenticate(session: AsyncSession, email: str, password: str) -> Clinician | None:
    """The active member of staff with these credentials, or None."""
    staff = await session.scalar(select(Clinician).where(Clinician.email == email))
    stored = staff.password_hash if staff is not None else None
    matches = await to_thread.run_sync(password_matches, password, stored)
    if not matches or staff is None or not staff.is_active:
        return None
    return staff


async def find_active(session: AsyncSession, staff_id: int) -> Clinician | None:
    staff = await session.get(Clinician, staff_id)
    return staff if staff is not None and staff.is_active else None


async def list_staff(session: AsyncSession) -> Sequence[Clinician]:
    result = await session.scalars(select(Clinician).order_by(Clinician.id))
    return result.all()


async def get_staff(session: AsyncSession, staff_id: int) -> Clinician:
    staff = await session.get(Clinician, staff_id)
    if staff is None:
        raise ClinicianNotFound(staff_id)
    return staff


async def _ensure_email_free(session: AsyncSession, email: str, keep: int | None = None) -> None:
    holder = await session.scalar(select(Clinician.id).where(Clinician.email == email))
    if holder is not None and holder != keep:
        raise EmailTaken(email)


async def add_staff(session: AsyncSession, *, full_name: str, specialty: str, email: str,
                    password: str, role: Role = Role.CLINICIAN) -> Clinician:
    await _ensure_email_free(session, email)
    staff = Clinician(full_name=full_name, specialty=specialty, email=email, role=role,
                      password_hash=await to_thread.run_sync(hash_password, password), is_active=True)
    session.add(staff)
    await session.flush()
    return staff


async def create_clinician(session: AsyncSession, notifier: Notifier, *, full_name: str,
                           specialty: str, email: str, password: str,
                           role: Role = Role.CLINICIAN) -> Clinician:
    staff = await add_staff(session, full_name=full_name, specialty=specialty, email=email,
                            password=password, role=role)
    await notifier.send(email, "Welcome to Clinic",
                        f"Hello {full_name}, you can now sign in as {email}.")
    return staff


async def update_clinician(session: AsyncSession, notifier: Notifier, staff_id: int,
                           changes: dict[str, object]) -> Clinician:
    staff = await get_staff(session, staff_id)
    if "email" in changes:
        await _ensure_email_free(session, str(changes["email"]), keep=staff_id)
    for name, value in changes.items():
        setattr(staff, name, value)
    await session.flush()
    await notifier.tell_staff(staff.id, "Your Clinic account changed",
                              f"Your account now reads: {staff.full_name}, {staff.specialty}, "
                              f"{staff.role}, signing in as {staff.email}.")
    return staff


async def deactivate(session: AsyncSession, notifier: Notifier, staff_id: int,
                     actor: Clinician) -> Clinician:
    staff = await get_staff(session, staff_id)
    if staff.id == actor.id:
        raise CannotDeactivateYourself()
    staff.is_active = False
    await session.flush()
    await notifier.tell_staff(staff.id, "Your Clinic account was deactivated",
                              "You can no longer sign in; ask an admin if this is a mistake.")
    return staff
