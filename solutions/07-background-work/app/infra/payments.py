"""The payment processor, which charges the patient's card:
`POST {CLINIC_PAYMENTS_URL}/v1/charges` with `{"amount_cents", "reference"}`, answered
`201 {"charge_id"}` once it has charged."""

import httpx2

from app.domain.errors import PaymentFailed


class PaymentProcessor:
    """One client for the processor, kept for the life of the service. Any answer but the
    documented one, or none within the client's timeout, is a PaymentFailed."""

    def __init__(self, client: httpx2.AsyncClient) -> None:
        self.client = client

    async def charge(self, amount_cents: int, reference: str) -> str:
        """Charges the amount; the processor's id of the charge."""
        try:
            answer = await self.client.post(
                "/v1/charges", json={"amount_cents": amount_cents, "reference": reference})
        except httpx2.HTTPError as exc:
            raise PaymentFailed("the processor did not answer") from exc
        if answer.status_code != 201:
            raise PaymentFailed(f"the processor answered {answer.status_code}")
        try:
            return str(answer.json()["charge_id"])
        except (KeyError, TypeError, ValueError) as exc:
            raise PaymentFailed("the processor's answer is not what it documents") from exc


def payments_client(base_url: str, timeout: float) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
