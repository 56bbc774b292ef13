from datetime import datetime
from typing import Annotated, Literal

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt


# --8<-- [start:lax]
class LaxBooking(BaseModel):
    clinician_id: int
    urgent: bool
    minutes: int
# --8<-- [end:lax]


# --8<-- [start:strict]
class Booking(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clinician_id: Annotated[StrictInt, Field(gt=0)]
    urgent: StrictBool = False
    minutes: Annotated[StrictInt, Field(ge=10, le=120, multiple_of=5)] = 15
    kind: Literal["in_person", "video"] = "in_person"
    starts_at: datetime  # JSON carries a time as text: lax here, on purpose
# --8<-- [end:strict]


# --8<-- [start:all-strict]
class AllStrictBooking(BaseModel):
    model_config = ConfigDict(strict=True)

    clinician_id: int
    starts_at: datetime  # strict: a datetime object, and JSON has none
# --8<-- [end:all-strict]


app = FastAPI()


@app.post("/lax/bookings")
async def book_lax(booking: LaxBooking) -> LaxBooking:
    return booking


@app.post("/bookings")
async def book(booking: Booking) -> Booking:
    return booking


@app.post("/all-strict/bookings")
async def book_all_strict(booking: AllStrictBooking) -> AllStrictBooking:
    return booking
