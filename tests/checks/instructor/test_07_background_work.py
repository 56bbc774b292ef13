"""Lab 07 · Lost after the response: the instructor-only check (see instructor/__init__.py).

The learner-side payment checks send one payment three times in a row and eight times at once,
against a processor that always charges. Here the grading run's processor refuses the first
charge, and the payment is retried with its key (the brief: a payment whose charge failed may
be retried), then twelve of another payment arrive at once, against a slower processor. A
key store written to the learner-side numbers (a lock held for a fixed moment, a failed
answer kept as the key's for ever) fails here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from test_04_request_response_modeling.clinic import error_of
from test_07_background_work.clinic import (
    PAYMENTS,
    Clinic,
    Insurer,
    LabPartner,
    Notifier,
    Processor,
    Staff,
    failed,
    json_of,
    open_clinic,
    served,
    settings_for,
    shown,
    start_create_admin,
)
from test_07_background_work.test_payments import body_for, key, pay

from harness.labs import Lab

pytestmark = pytest.mark.timeout(90)
AT_ONCE = 12  # fewer than the 15 connections of a default SQLAlchemy pool: the topic is keys, not pools


@pytest.fixture(scope="module")
def grading(lab: Lab, scratch: Path) -> Iterator[tuple[Clinic, Processor, dict[str, str]]]:
    notifier, insurer, partner = Notifier(), Insurer(), LabPartner()
    processor = Processor(slow=0.8)
    admin = Staff.of_this_run("admin")
    settings = settings_for(scratch / "clinic.db", notifier.url, insurer.url, partner.url,
                            processor.url)
    job = start_create_admin(lab, scratch / "admin", settings, admin)
    for stand_in in (insurer, partner, processor):
        stand_in.start()
    try:
        with open_clinic(lab, job, admin, settings, notifier) as clinic:
            yield clinic, processor, settings
    finally:
        for stand_in in (notifier, insurer, partner, processor):
            stand_in.stop()


def test_payments_hold_under_the_grading_runs_own_retries(
        lab: Lab, grading: tuple[Clinic, Processor, dict[str, str]]) -> None:
    clinic, processor, settings = grading
    with served(lab, settings, clinic) as server:
        patient = clinic.register()
        body, retried = body_for(clinic, patient), key()
        processor.failing_next = 1
        refused = pay(clinic, patient, body, retried)
        if refused.status_code != 502 or error_of(refused).get("code") != "payment_failed":
            failed(f"POST {PAYMENTS} while the processor refused the charge (500) answered "
                   f"{shown(refused)}; 502 with the error code payment_failed was expected")
        again = pay(clinic, patient, body, retried)
        if again.status_code != 201 or len(processor.charges) != 1:
            failed(f"a payment whose charge the processor had refused, sent again with its "
                   f"Idempotency-Key, answered {shown(again)}, with {len(processor.charges)} "
                   "charges made; the retry was to charge it, once (201)")
        other = body_for(clinic, patient)
        headers = {"Authorization": f"Bearer {patient.token}", "Idempotency-Key": key()}
        answers: list[Any] = []
        gate = threading.Barrier(AT_ONCE)

        def send() -> None:
            with httpx2.Client(base_url=server.base_url, timeout=60) as client:
                gate.wait()
                answers.append(client.post(PAYMENTS, json=other, headers=headers))

        senders = [threading.Thread(target=send) for _ in range(AT_ONCE)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(80)
        made = [json_of(answer) for answer in answers if answer.status_code == 201]
        statuses = sorted(answer.status_code for answer in answers)
        if len(processor.charges) != 2 or not made or any(m != made[0] for m in made) \
                or any(status not in (201, 409) for status in statuses):
            failed(f"one payment sent {AT_ONCE} times at once with one Idempotency-Key, against "
                   f"a processor taking 0.8 s a charge, got {statuses} and made "
                   f"{len(processor.charges) - 1} charges; one charge was expected, each answer "
                   f"the payment (201, the same) or 409 (the server said: {server.tail(3)})")
