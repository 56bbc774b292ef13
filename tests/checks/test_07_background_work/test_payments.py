"""A payment a client retries charges once: the same Idempotency-Key and body get the first
answer again, in sequence, at once and after a restart, and nothing more is charged; the key
with another body is refused, one whose charge failed may be retried; each patient's keys are
their own."""

from __future__ import annotations

import secrets
import threading
from typing import Any

import httpx2
from test_04_request_response_modeling.clinic import error_of

from harness.labs import Lab

from .clinic import PAYMENTS, Clinic, Patient, failed, json_of, served, shown
from .conftest import Started

AT_ONCE = 8


def key() -> str:
    return f"pay-{secrets.token_hex(8)}"


def body_for(clinic: Clinic, patient: Patient) -> dict[str, Any]:
    appointment = clinic.book(patient)
    return {"appointment_id": appointment["id"], "amount_cents": 100 * (10 + secrets.randbelow(90))}


def pay(clinic: Clinic, patient: Patient, body: dict[str, Any], idempotency_key: str) -> Any:
    return clinic.call("POST", PAYMENTS, json=body, token=patient.token,
                       headers={"Idempotency-Key": idempotency_key})


def paid(answer: Any, body: dict[str, Any], what: str) -> dict[str, Any]:
    found = json_of(answer)
    if answer.status_code != 201 or not isinstance(found, dict) \
            or found.get("appointment_id") != body["appointment_id"] \
            or found.get("amount_cents") != body["amount_cents"]:
        failed(f"{what} answered {shown(answer)}; the payment was expected (201)")
    return found


def test_a_retried_payment_charges_once(lab: Lab, clinic: Clinic, started: Started) -> None:
    processor = started.processor
    with served(lab, started.settings, clinic):
        patient, other = clinic.register(), clinic.register()
        body, first_key = body_for(clinic, patient), key()
        before = len(processor.charges)
        first = paid(pay(clinic, patient, body, first_key), body,
                     f"POST {PAYMENTS} as {patient} with a new Idempotency-Key")
        for attempt in (2, 3):
            again = pay(clinic, patient, body, first_key)
            if again.status_code != 201 or json_of(again) != first:
                failed(f"the same POST {PAYMENTS} by {patient}, sent again with the same "
                       f"Idempotency-Key (attempt {attempt}), answered {shown(again)}; the first "
                       f"answer was expected again (201, {first})")
        charged = len(processor.charges) - before
        if charged != 1:
            failed(f"one payment of {body['amount_cents']} cents, sent three times with the same "
                   f"Idempotency-Key by {patient}, was charged {charged} times")
    with served(lab, started.settings, clinic):  # the service restarted meanwhile
        later = pay(clinic, patient, body, first_key)
        if later.status_code != 201 or json_of(later) != first \
                or len(processor.charges) - before != 1:
            failed(f"after the service was restarted, the same POST {PAYMENTS} by {patient} "
                   f"with its Idempotency-Key answered {shown(later)}, and "
                   f"{len(processor.charges) - before} charges had been made in all; the first "
                   f"answer was expected again (201, {first}), and no new charge")
        second = paid(pay(clinic, patient, body, key()), body,
                      f"POST {PAYMENTS} as {patient} with another new key")
        theirs_body = body_for(clinic, other)
        theirs = paid(pay(clinic, other, theirs_body, first_key), theirs_body,
                      f"POST {PAYMENTS} as {other}, with a key {patient} had used")
        charged = len(processor.charges) - before
        if charged != 3 or len({first["id"], second["id"], theirs["id"]}) != 3:
            failed(f"three payments, each under a key of its own (a new one, another new one, "
                   f"and another patient's key {patient} had used too), were charged {charged} "
                   f"times, as payments {[first['id'], second['id'], theirs['id']]}; each was "
                   "to be charged once, as a payment of its own")


def test_concurrent_retries_charge_once(lab: Lab, clinic: Clinic, started: Started) -> None:
    processor = started.processor
    with served(lab, started.settings, clinic) as server:
        patient = clinic.register()
        body, same = body_for(clinic, patient), key()
        answers: list[Any] = []
        gate = threading.Barrier(AT_ONCE)
        headers = {"Authorization": f"Bearer {patient.token}", "Idempotency-Key": same}

        def send() -> None:
            with httpx2.Client(base_url=server.base_url, timeout=30) as client:
                gate.wait()
                answers.append(client.post(PAYMENTS, json=body, headers=headers))

        before = len(processor.charges)
        senders = [threading.Thread(target=send) for _ in range(AT_ONCE)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(60)
        statuses = sorted(answer.status_code for answer in answers)
        made = [json_of(answer) for answer in answers if answer.status_code == 201]
        charged = len(processor.charges) - before
        if charged != 1:
            failed(f"one payment sent {AT_ONCE} times at once with the same Idempotency-Key (a "
                   f"client retrying on a bad network) was charged {charged} times; the answers "
                   f"were {statuses}")
        if not made or any(status not in (201, 409) for status in statuses) \
                or any(found != made[0] for found in made):
            failed(f"one payment sent {AT_ONCE} times at once with the same Idempotency-Key got "
                   f"the answers {statuses}: each was to be the payment (201, the same one each "
                   "time) or, while the first was still being made, 409")
        later = pay(clinic, patient, body, same)
        if later.status_code != 201 or json_of(later) != made[0]:
            failed(f"once it was made, the same payment sent again with its key answered "
                   f"{shown(later)}; the payment was expected again (201, {made[0]})")


def test_a_reused_key_with_another_body_is_refused(lab: Lab, clinic: Clinic,
                                                   started: Started) -> None:
    processor = started.processor
    with served(lab, started.settings, clinic):
        patient = clinic.register()
        body, reused = body_for(clinic, patient), key()
        before = len(processor.charges)
        processor.failing_next = 1
        try:
            refused = pay(clinic, patient, body, reused)
        finally:
            processor.failing_next = 0
        if refused.status_code != 502 or error_of(refused).get("code") != "payment_failed":
            failed(f"POST {PAYMENTS} while the processor refused the charge (500) answered "
                   f"{shown(refused)}; 502 with the error code payment_failed was expected")
        paid(pay(clinic, patient, body, reused), body,
             f"POST {PAYMENTS} as {patient}, again with the key of a payment whose charge the "
             "processor had refused")
        other = {**body, "amount_cents": body["amount_cents"] + 100}
        answer = pay(clinic, patient, other, reused)
        if answer.status_code != 422 or error_of(answer).get("code") != "idempotency_key_reused":
            failed(f"POST {PAYMENTS} with an Idempotency-Key already used for another amount "
                   f"answered {shown(answer)}; 422 with the error code idempotency_key_reused "
                   "was expected")
        unkeyed = clinic.call("POST", PAYMENTS, json=other, token=patient.token)
        if unkeyed.status_code != 400 or error_of(unkeyed).get("code") != "idempotency_key_required":
            failed(f"POST {PAYMENTS} without an Idempotency-Key answered {shown(unkeyed)}; 400 "
                   "with the error code idempotency_key_required was expected")
        charged = len(processor.charges) - before
        if charged != 1:
            failed(f"a payment whose charge was refused, the same again once the processor "
                   f"charged, then the same key with another amount, then no key at all, were "
                   f"charged {charged} times; only the second was to be")
