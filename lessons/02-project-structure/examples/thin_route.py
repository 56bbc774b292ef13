from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel


# --8<-- [start:service]
class SlotTaken(Exception):
    pass


@dataclass(frozen=True)
class Slot:
    clinician_id: int
    starts_at: datetime
    ends_at: datetime

    def overlaps(self, other: "Slot") -> bool:
        return (
            self.clinician_id == other.clinician_id
            and self.starts_at < other.ends_at
            and self.ends_at > other.starts_at
        )


class Calendar:
    def __init__(self) -> None:
        self.slots: list[Slot] = []

    def book(self, slot: Slot) -> Slot:
        if any(slot.overlaps(other) for other in self.slots):
            raise SlotTaken(f"Clinician {slot.clinician_id} is not free then.")
        self.slots.append(slot)
        return slot
# --8<-- [end:service]


# --8<-- [start:route]
class BookingIn(BaseModel):
    clinician_id: int
    starts_at: datetime
    ends_at: datetime


app = FastAPI()
calendar = Calendar()


@app.post("/appointments", status_code=201)
async def book_appointment(payload: BookingIn) -> BookingIn:
    try:
        slot = calendar.book(Slot(**payload.model_dump()))
    except SlotTaken as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    return BookingIn.model_validate(slot, from_attributes=True)
# --8<-- [end:route]


# --8<-- [start:job]
def import_bookings(rows: list[Slot]) -> list[str]:
    report = []
    for number, row in enumerate(rows, start=1):
        try:
            calendar.book(row)
        except SlotTaken as exc:
            report.append(f"row {number}: skipped: {exc}")
        else:
            report.append(f"row {number}: booked")
    return report
# --8<-- [end:job]
