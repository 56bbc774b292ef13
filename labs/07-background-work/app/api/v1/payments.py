"""/api/v1/payments: patients pay for their own appointments, once per payment, however often
a payment is retried."""

from fastapi import APIRouter

from app.api.deps import CurrentPatient, PaymentProcessorDep, SessionDep
from app.core.errors import error_responses
from app.schemas.payments import PaymentCreate, PaymentResponse
from app.services import payments

router = APIRouter(prefix="/payments", tags=["payments"], responses=error_responses(401, 403))


@router.post("", status_code=201, responses=error_responses(400, 404, 409, 422, 502))
async def pay(payload: PaymentCreate, me: CurrentPatient, session: SessionDep,
              processor: PaymentProcessorDep) -> PaymentResponse:
    """Charges the patient's card for their appointment. A retry with the same
    `Idempotency-Key` and the same body answers what the first request did, and charges
    nothing: 409 `idempotency_key_in_use` while the first is still charging, 422
    `idempotency_key_reused` for the key sent with another body."""
    payment = await payments.charge(session, processor, patient_id=me.id,
                                    appointment_id=payload.appointment_id,
                                    amount_cents=payload.amount_cents)
    return PaymentResponse.model_validate(payment)
