"""/api/v1/payments: patients pay for their own appointments, once per payment, however often
a payment is retried."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.api.deps import (
    CurrentPatient,
    IdempotencyKeyDep,
    PaymentProcessorDep,
    SessionDep,
    SessionmakerDep,
)
from app.core.errors import error_responses
from app.infra.models import Payment
from app.schemas.payments import PaymentCreate, PaymentResponse
from app.services import payments

router = APIRouter(prefix="/payments", tags=["payments"], responses=error_responses(401, 403))


def answer_of(payment: Payment) -> dict[str, object]:
    return PaymentResponse.model_validate(payment).model_dump(mode="json")


@router.post("", status_code=201, response_model=PaymentResponse,
             responses=error_responses(400, 404, 409, 422, 502))
async def pay(payload: PaymentCreate, me: CurrentPatient, key: IdempotencyKeyDep,
              session: SessionDep, sessions: SessionmakerDep,
              processor: PaymentProcessorDep) -> JSONResponse:
    """Charges the patient's card for their appointment. A retry with the same
    `Idempotency-Key` and the same body answers what the first request did, and charges
    nothing: 409 `idempotency_key_in_use` while the first is still charging, 422
    `idempotency_key_reused` for the key sent with another body."""
    # The caller is known: the request's connection goes back to the pool before the key's
    # transactions take theirs, or a burst of payments would wait on the pool, not the keys.
    await session.commit()
    answer = await payments.pay_once(sessions, processor, patient_id=me.id, key=key,
                                     appointment_id=payload.appointment_id,
                                     amount_cents=payload.amount_cents, respond=answer_of)
    return JSONResponse(answer.body, status_code=answer.status_code)
