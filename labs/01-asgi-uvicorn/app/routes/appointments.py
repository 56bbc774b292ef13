"""Booking appointments, and the CSV export the billing team downloads every evening."""

import csv
import io
from collections.abc import AsyncIterator

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse

from app.dependencies import RecordsDep
from app.models import Appointment, AppointmentCreate, ErrorDetail

router = APIRouter(prefix="/api/appointments", tags=["appointments"])

CSV_COLUMNS = ["id", "patient_id", "clinician_id", "starts_at", "ends_at", "status", "reason"]


def csv_line(values: list[object]) -> str:
    line = io.StringIO()
    csv.writer(line).writerow(values)
    return line.getvalue()


async def csv_rows(appointments: list[Appointment]) -> AsyncIterator[str]:
    # One chunk per row: the export never holds the whole file in memory.
    yield csv_line(CSV_COLUMNS)
    for appointment in appointments:
        row = appointment.model_dump(mode="json")
        yield csv_line([row[column] for column in CSV_COLUMNS])


@router.get("")
async def list_appointments(records: RecordsDep) -> list[Appointment]:
    return records.appointments()


@router.post(
    "",
    status_code=201,
    responses={
        400: {"model": ErrorDetail, "description": "The request body cannot be read."},
        404: {"model": ErrorDetail, "description": "No patient has this id."},
    },
)
async def book_appointment(request: AppointmentCreate, records: RecordsDep) -> Appointment:
    if records.patient(request.patient_id) is None:
        raise HTTPException(404, f"Patient {request.patient_id} does not exist.")
    return records.book(request)


@router.get(
    "/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                     "description": "A header line, then one line per appointment."}},
)
async def export_appointments(records: RecordsDep) -> StreamingResponse:
    return StreamingResponse(
        csv_rows(records.appointments()), media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="appointments.csv"'},
    )


@router.get(
    "/{appointment_id}",
    responses={404: {"model": ErrorDetail, "description": "No appointment has this id."}},
)
async def get_appointment(appointment_id: int, records: RecordsDep) -> Appointment:
    appointment = records.appointment(appointment_id)
    if appointment is None:
        raise HTTPException(404, f"Appointment {appointment_id} does not exist.")
    return appointment
