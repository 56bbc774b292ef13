"""Paying for an appointment: the payment processor charges the patient's card."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.infra.models import Payment
from app.infra.payments import PaymentProcessor
from app.services.appointments import get_appointment


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

