"""The insurer's API, the clinic's one upstream for coverage: its plan catalogue
(`GET {CLINIC_INSURER_URL}/v1/plans`) and a member's coverage
(`GET {CLINIC_INSURER_URL}/v1/members/{member_id}/coverage`)."""

from dataclasses import dataclass

import httpx2

from app.domain.errors import InsurerFailed


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    copay_cents: int


@dataclass(frozen=True)
class Membership:
    member_id: str
    plan_code: str
    active: bool


class Insurer:
    """One client for the insurer, kept for the life of the service: its connection pool is
    what makes the thousandth request as cheap as the second. Any answer but the documented
    ones, or none within the client's timeout, is an InsurerFailed."""

    def __init__(self, client: httpx2.AsyncClient) -> None:
        self.client = client

    async def plans(self) -> list[Plan]:
        body = await self._get("/v1/plans")
        try:
            return [Plan(str(item["code"]), str(item["name"]), int(item["copay_cents"]))
                    for item in body["plans"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise InsurerFailed("the insurer's plan catalogue is not what it documents") from exc

    async def membership(self, member_id: str) -> Membership | None:
        """The member's plan and whether it is active now; None when the insurer does not
        know the member."""
        body = await self._get(f"/v1/members/{member_id}/coverage", missing_ok=True)
        if body is None:
            return None
        try:
            return Membership(member_id, str(body["plan"]), bool(body["active"]))
        except (KeyError, TypeError) as exc:
            raise InsurerFailed("the insurer's coverage answer is not what it documents") from exc

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _get(self, path: str, *, missing_ok: bool = False) -> dict | None:
        try:
            answer = await self.client.get(path)
        except httpx2.HTTPError as exc:
            raise InsurerFailed("the insurer did not answer") from exc
        if missing_ok and answer.status_code == 404:
            return None
        if not answer.is_success:
            raise InsurerFailed(f"the insurer answered {answer.status_code}")
        try:
            body = answer.json()
        except ValueError as exc:
            raise InsurerFailed("the insurer answered something that is not JSON") from exc
        if not isinstance(body, dict):
            raise InsurerFailed("the insurer answered something that is not an object")
        return body


def insurer_client(base_url: str, timeout: float) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
