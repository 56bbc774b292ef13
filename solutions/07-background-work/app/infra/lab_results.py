"""The partner laboratory's API: a patient's results, by their insurance member id
(`GET {CLINIC_LAB_RESULTS_URL}/v1/results?member=<member_id>`), asked while the patient waits."""

from dataclasses import dataclass
from datetime import datetime

import httpx2

from app.domain.errors import LabResultsFailed, LabResultsTimeout


@dataclass(frozen=True)
class LabResult:
    test: str
    value: float | str
    unit: str
    taken_at: datetime


class Laboratory:
    """One client for the laboratory, kept for the life of the service. No answer within the
    client's timeout is a LabResultsTimeout; any other answer but the documented one is a
    LabResultsFailed."""

    def __init__(self, client: httpx2.AsyncClient) -> None:
        self.client = client

    async def results(self, member_id: str) -> list[LabResult]:
        try:
            answer = await self.client.get("/v1/results", params={"member": member_id})
        except httpx2.TimeoutException as exc:
            raise LabResultsTimeout() from exc
        except httpx2.HTTPError as exc:
            raise LabResultsFailed("the laboratory did not answer") from exc
        if not answer.is_success:
            raise LabResultsFailed(f"the laboratory answered {answer.status_code}")
        try:
            return [LabResult(str(item["test"]), _value(item["value"]), str(item["unit"]),
                              datetime.fromisoformat(str(item["taken_at"])))
                    for item in answer.json()["results"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise LabResultsFailed("the laboratory's answer is not what it documents") from exc


def _value(value: object) -> float | str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"a result's value is a number or a text, not {value!r}")
    return value


def lab_results_client(base_url: str, timeout: float) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
