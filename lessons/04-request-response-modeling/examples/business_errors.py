from datetime import datetime

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field


class Booking(BaseModel):
    clinician_id: int = Field(gt=0)
    starts_at: datetime


class ErrorBody(BaseModel):
    error: str
    message: str


# --8<-- [start:domain]
class BookingRefused(Exception):
    """The request was well formed; the clinic cannot do what it asks."""

    code = "booking_refused"


class SlotTaken(BookingRefused):
    code = "slot_taken"


class ClinicianOnLeave(BookingRefused):
    code = "clinician_on_leave"
# --8<-- [end:domain]


app = FastAPI()
app.state.taken = {(2, datetime(2027, 3, 1, 9))}
app.state.on_leave = {3}


def book(booking: Booking) -> None:
    if booking.clinician_id in app.state.on_leave:
        raise ClinicianOnLeave(f"clinician {booking.clinician_id} is on leave")
    slot = (booking.clinician_id, booking.starts_at)
    if slot in app.state.taken:
        raise SlotTaken(f"{booking.starts_at:%H:%M} is taken")
    app.state.taken.add(slot)


# --8<-- [start:hand-raised]
@app.post("/hand-raised/appointments", status_code=201)
async def book_hand_raised(booking: Booking) -> Booking:
    try:
        book(booking)
    except BookingRefused as refused:
        raise HTTPException(422, str(refused)) from None  # "the body is wrong"?
    return booking
# --8<-- [end:hand-raised]


# --8<-- [start:mapped]
STATUS = {SlotTaken: 409}  # a conflict with the diary; other refusals: 400


@app.exception_handler(BookingRefused)
async def booking_refused(request: Request, exc: BookingRefused) -> JSONResponse:
    body = ErrorBody(error=exc.code, message=str(exc))
    return JSONResponse(body.model_dump(), status_code=STATUS.get(type(exc), 400))


@app.post("/appointments", status_code=201,
          responses={400: {"model": ErrorBody}, 409: {"model": ErrorBody}})
async def book_appointment(booking: Booking) -> Booking:
    book(booking)
    return booking
# --8<-- [end:mapped]


# --8<-- [start:client]
def field_errors(answer: dict) -> dict[str, str]:
    """What a form does with a 422: puts each message next to its field."""
    return {".".join(map(str, error["loc"][1:])): error["msg"]
            for error in answer["detail"]}
# --8<-- [end:client]
