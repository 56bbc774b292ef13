"""A booking's confirmation: sent to the patient after the answer, and never in its way."""

from fastapi.testclient import TestClient

SUBJECT = "Your appointment is booked"


def confirmations(notifier) -> list[dict]:
    return [message for message in notifier.delivered if message["subject"] == SUBJECT]


def test_a_booking_sends_the_patient_a_confirmation(client: TestClient, notifier, sign_up,
                                                    book) -> None:
    patient = sign_up()
    before = len(notifier.delivered)
    booked = book(patient, "2031-05-05T09:00")
    assert notifier.wait_for(before + 1)
    (message,) = confirmations(notifier)
    assert message["to"] == patient.email
    assert booked["starts_at"] == "2031-05-05T09:00:00"
    assert booked["starts_at"] in message["text"]


def test_each_booking_confirms_itself_to_its_own_patient(client: TestClient, notifier, sign_up,
                                                         book) -> None:
    first, second = sign_up(), sign_up()
    before = len(notifier.delivered)
    book(first, "2031-05-05T09:00")
    book(second, "2031-05-05T10:00")
    assert notifier.wait_for(before + 2)
    sent = {message["to"]: message["text"] for message in confirmations(notifier)}
    assert "2031-05-05T09:00:00" in sent[first.email]
    assert "2031-05-05T10:00:00" in sent[second.email]


def test_a_notifier_that_is_down_never_fails_a_booking(client: TestClient, notifier, sign_up,
                                                       book) -> None:
    patient = sign_up()
    notifier.failing = True
    booked = book(patient, "2031-05-05T09:00")
    stored = client.get(f"/api/v1/appointments/{booked['id']}", headers=patient.headers)
    assert stored.status_code == 200
    assert stored.json()["status"] == "booked"
