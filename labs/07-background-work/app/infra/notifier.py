"""The clinic's notification service, which emails staff and patients: one call,
`POST {CLINIC_NOTIFIER_URL}/v1/messages` with `{"to", "subject", "text"}`, answered 2xx once
the message is queued for delivery. With an `Idempotency-Key` header it delivers a message
once per key: a repeat answers 200 and delivers nothing new."""

import httpx2
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import ClinicianNotFound, NotificationFailed
from app.infra.models import Clinician


class Notifier:
    """Tells members of staff what happened to their account, and patients about their
    appointments. Any answer but a 2xx, or none within the timeout, is a NotificationFailed:
    a change to a staff account must not stand without its notice."""

    def __init__(self, client: httpx2.AsyncClient, base_url: str, timeout: float,
                 session: AsyncSession) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session

    async def send(self, to: str, subject: str, text: str,
                   idempotency_key: str | None = None) -> None:
        message = {"to": to, "subject": subject, "text": text}
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        try:
            answer = await self.client.post(f"{self.base_url}/v1/messages", json=message,
                                            headers=headers, timeout=self.timeout)
        except httpx2.HTTPError as exc:
            raise NotificationFailed("the notifier did not answer") from exc
        if not answer.is_success:
            raise NotificationFailed(f"the notifier answered {answer.status_code}")

    async def tell_staff(self, staff_id: int, subject: str, text: str) -> None:
        """To the address on file for this member of staff."""
        staff = await self.session.get(Clinician, staff_id)
        if staff is None:
            raise ClinicianNotFound(staff_id)
        await self.send(staff.email, subject, text)
