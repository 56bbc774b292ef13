"""Paying for an appointment: the payment processor charges the patient's card."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from app.infra.models import IdempotencyKey, Payment
from app.infra.payments import PaymentProcessor
from app.services.appointments import get_appointment

IN_FLIGHT, DONE = "in_flight", "done"


@dataclass(frozen=True)
class Answer:
    """What the first request with a key was answered: every retry with it gets the same."""

    status_code: int
    body: dict[str, Any]


async def charge(session: AsyncSession, processor: PaymentProcessor, *, patient_id: int,
                 appointment_id: int, amount_cents: int) -> Payment:
    """Charges for the patient's own appointment, and keeps the payment."""
    await get_appointment(session, appointment_id, patient_id)
    charge_id = await processor.charge(amount_cents, reference=f"appointment-{appointment_id}")
    payment = Payment(patient_id=patient_id, appointment_id=appointment_id,
                      amount_cents=amount_cents, charge_id=charge_id)
    session.add(payment)
    await session.flush()
    return payment


async def pay_once(sessions: async_sessionmaker[AsyncSession], processor: PaymentProcessor, *,
                   patient_id: int, key: str, appointment_id: int, amount_cents: int,
                   respond: Callable[[Payment], dict[str, Any]]) -> Answer:
    """Charges once per `Idempotency-Key`: the first request with the key charges, and what
    `respond` makes of its payment is the answer to it and to every retry with the key.

    A client that hears nothing back sends the payment again with the same key, maybe while
    the first request is still charging. So the key is taken in a transaction of its own,
    committed before the processor is asked: the unique (patient, key) constraint lets one
    request take it, however many arrive at once. A charge that fails gives the key back, so
    that a retry can try again.
    """
    asked = _fingerprint(appointment_id, amount_cents)
    earlier = await _take_key(sessions, patient_id, key, asked)
    if earlier is not None:
        return earlier
    try:
        async with sessions() as session:
            payment = await charge(session, processor, patient_id=patient_id,
                                   appointment_id=appointment_id, amount_cents=amount_cents)
            answer = Answer(201, respond(payment))
            await session.execute(
                update(IdempotencyKey)
                .where(IdempotencyKey.patient_id == patient_id, IdempotencyKey.key == key)
                .values(status=DONE, status_code=answer.status_code,
                        response_json=json.dumps(answer.body)))
            await session.commit()
    except BaseException:
        with anyio.CancelScope(shield=True):  # given back even when the request is cancelled
            await _give_back(sessions, patient_id, key)
        raise
    return answer


def _fingerprint(appointment_id: int, amount_cents: int) -> str:
    asked = {"appointment_id": appointment_id, "amount_cents": amount_cents}
    return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()


async def _take_key(sessions: async_sessionmaker[AsyncSession], patient_id: int, key: str,
                    asked: str) -> Answer | None:
    """None when this request took the key; else the answer of the request that took it."""
    async with sessions() as session:
        session.add(IdempotencyKey(patient_id=patient_id, key=key, request_hash=asked,
                                   status=IN_FLIGHT))
        try:
            await session.commit()
            return None
        except IntegrityError:
            await session.rollback()
        taken = await session.scalar(select(IdempotencyKey).where(
            IdempotencyKey.patient_id == patient_id, IdempotencyKey.key == key))
    if taken is not None and taken.request_hash != asked:
        raise IdempotencyKeyReused(key)
    if taken is None or taken.status != DONE:
        # Still charging; or its charge just failed and gave the key back: try again.
        raise IdempotencyKeyInUse(key)
    assert taken.status_code is not None and taken.response_json is not None  # kept with DONE
    return Answer(taken.status_code, json.loads(taken.response_json))


async def _give_back(sessions: async_sessionmaker[AsyncSession], patient_id: int,
                     key: str) -> None:
    async with sessions() as session:
        await session.execute(delete(IdempotencyKey).where(
            IdempotencyKey.patient_id == patient_id, IdempotencyKey.key == key,
            IdempotencyKey.status == IN_FLIGHT))
        await session.commit()
