from datetime import datetime

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI()
calendar: list[dict] = []


class Booking(BaseModel):
    clinician_id: int
    starts_at: datetime
    ends_at: datetime


@app.post("/appointments", status_code=201)
async def book_appointment(booking: Booking) -> dict[str, int]:
    for other in calendar:
        if (
            other["clinician_id"] == booking.clinician_id
            and booking.starts_at < other["ends_at"]
            and booking.ends_at > other["starts_at"]
        ):
            raise HTTPException(status_code=409, detail="Slot taken")
    calendar.append(booking.model_dump())
    return {"booked": len(calendar)}


def import_bookings(rows: list[Booking]) -> None:
    for row in rows:
        calendar.append(row.model_dump())
