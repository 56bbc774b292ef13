"""Payments for appointments: what a patient sends to pay, and the payment made."""

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.fields import SQLITE_INTEGER_MAX, RowId, UtcDatetime


class PaymentCreate(BaseModel):
    model_config = ConfigDict(strict=True)

    appointment_id: RowId
    amount_cents: int = Field(gt=0, le=SQLITE_INTEGER_MAX)


class PaymentResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    appointment_id: int
    amount_cents: int
    charge_id: str = Field(description="The payment processor's id of the charge.")
    created_at: UtcDatetime
