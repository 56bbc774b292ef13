"""Paying for an appointment: the processor charges the card, and the payment is kept."""

from fastapi.testclient import TestClient

PAYMENTS = "/api/v1/payments"


def test_a_payment_charges_the_card_for_the_appointment(client: TestClient, processor,
                                                        sign_up, book) -> None:
    patient = sign_up()
    booked = book(patient, "2031-05-05T09:00")
    answer = client.post(PAYMENTS, headers={**patient.headers, "Idempotency-Key": "pay-first"},
                         json={"appointment_id": booked["id"], "amount_cents": 4500})
    assert answer.status_code == 201
    (charge,) = processor.charges
    assert charge["amount_cents"] == 4500
    body = answer.json()
    assert body["appointment_id"] == booked["id"] and body["amount_cents"] == 4500
    assert body["charge_id"] == charge["charge_id"]
    assert set(body) == {"id", "appointment_id", "amount_cents", "charge_id", "created_at"}


def test_nobody_pays_for_another_patients_appointment(client: TestClient, processor, sign_up,
                                                      book) -> None:
    owner, other = sign_up(), sign_up()
    booked = book(owner, "2031-05-05T09:00")
    answer = client.post(PAYMENTS, headers={**other.headers, "Idempotency-Key": "pay-theirs"},
                         json={"appointment_id": booked["id"], "amount_cents": 4500})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "appointment_not_found"
    assert processor.charges == []


def test_a_declined_charge_is_a_502(client: TestClient, processor, sign_up, book) -> None:
    patient = sign_up()
    booked = book(patient, "2031-05-05T09:00")
    processor.failing = True
    answer = client.post(PAYMENTS, headers={**patient.headers, "Idempotency-Key": "pay-declined"},
                         json={"appointment_id": booked["id"], "amount_cents": 4500})
    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "payment_failed"


def test_an_amount_must_be_a_positive_number_of_cents(client: TestClient, processor, sign_up,
                                                      book) -> None:
    patient = sign_up()
    booked = book(patient, "2031-05-05T09:00")
    for amount in [0, -100, 12.5, "4500"]:
        answer = client.post(PAYMENTS, headers={**patient.headers, "Idempotency-Key": "pay-bad"},
                             json={"appointment_id": booked["id"], "amount_cents": amount})
        assert answer.status_code == 422, amount
    assert processor.charges == []
