"""Registering and signing in."""

from fastapi.testclient import TestClient


def test_register(client: TestClient) -> None:
    answer = client.post("/api/v1/patients", json={
        "full_name": "Ana Lima", "email": "ana@example.org", "date_of_birth": "1990-04-02",
        "password": "portal-pw-1", "insurance_member_id": "NHI-1001"})
    assert answer.status_code == 201


def test_duplicate_email(client: TestClient) -> None:
    answer = client.post("/api/v1/patients", json={
        "full_name": "Ana Other", "email": "ana@example.org", "date_of_birth": "1991-01-01",
        "password": "another-pw-1"})
    assert answer.status_code == 409


def test_sign_in(client: TestClient, ana_headers: dict[str, str]) -> None:
    answer = client.get("/api/v1/patients/me", headers=ana_headers)
    assert answer.status_code == 200
