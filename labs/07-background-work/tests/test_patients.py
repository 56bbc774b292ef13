"""Registering and signing in, each test on a database of its own."""

from fastapi.testclient import TestClient


def test_registering_answers_the_new_record(client: TestClient) -> None:
    sent = {"full_name": "Ana Lima", "email": "ana@example.org", "date_of_birth": "1990-04-02",
            "password": "portal-pw-1", "insurance_member_id": "NHI-1001"}
    answer = client.post("/api/v1/patients", json=sent)
    assert answer.status_code == 201
    body = answer.json()
    assert answer.headers["location"].endswith(f"/api/v1/patients/{body['id']}")
    assert body["insurance_member_id"] == "NHI-1001"
    assert "password" not in body and "password_hash" not in body


def test_an_email_signs_up_once(client: TestClient, sign_up) -> None:
    patient = sign_up()
    again = client.post("/api/v1/patients", json={
        "full_name": "Someone Else", "email": patient.email, "date_of_birth": "1991-01-01",
        "password": "another-pw-1"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "email_taken"


def test_signing_in_takes_the_right_password_only(client: TestClient, sign_up) -> None:
    patient = sign_up()
    wrong = client.post("/api/v1/auth/patients/token",
                        json={"email": patient.email, "password": "not-the-password"})
    assert wrong.status_code == 401
    me = client.get("/api/v1/patients/me", headers=patient.headers)
    assert me.json()["email"] == patient.email
