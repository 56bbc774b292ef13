"""Coverage, with the insurer's answers patched in."""

from unittest.mock import AsyncMock, patch

from fastapi.testclient import TestClient

from app.infra.insurer import Plan
from app.services.coverage import Coverage


def test_plans(client: TestClient) -> None:
    assert client.get("/api/v1/plans").status_code == 200


def test_coverage(client: TestClient, ana_headers: dict[str, str]) -> None:
    found = Coverage("NHI-1001", True, Plan("BASIC", "Basic care", 2500))
    with patch("app.api.v1.patients.coverage.coverage_of", AsyncMock(return_value=found)):
        answer = client.get("/api/v1/patients/me/coverage", headers=ana_headers)
    assert answer.status_code == 200


def test_coverage_when_the_insurer_fails(client: TestClient, ana_headers: dict[str, str]) -> None:
    from app.domain.errors import InsurerFailed

    failing = AsyncMock(side_effect=InsurerFailed("down"))
    with patch("app.api.v1.patients.coverage.coverage_of", failing):
        answer = client.get("/api/v1/patients/me/coverage", headers=ana_headers)
    assert answer.status_code >= 500
