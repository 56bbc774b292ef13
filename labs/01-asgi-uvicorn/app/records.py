"""Patients and appointments, kept in this process's memory until the clinic gets a database."""

from __future__ import annotations

from datetime import date
from itertools import count

from app.models import Appointment, AppointmentCreate, Patient

DEMO_PATIENTS = [
    Patient(id=1, full_name="Amara Okafor", email="amara.okafor@example.org",
            date_of_birth=date(1987, 3, 14)),
    Patient(id=2, full_name="Tomas Lindqvist", email="tomas.lindqvist@example.org",
            date_of_birth=date(1959, 11, 2)),
    Patient(id=3, full_name="Mei Tanaka", email="mei.tanaka@example.org",
            date_of_birth=date(2001, 7, 30)),
]


class ClinicRecords:
    def __init__(self, patients: list[Patient]) -> None:
        self._patients = {patient.id: patient for patient in patients}
        self._appointments: dict[int, Appointment] = {}
        self._appointment_ids = count(1)

    def patients(self) -> list[Patient]:
        return list(self._patients.values())

    def patient(self, patient_id: int) -> Patient | None:
        return self._patients.get(patient_id)

    def book(self, request: AppointmentCreate) -> Appointment:
        appointment = Appointment(id=next(self._appointment_ids), **request.model_dump())
        self._appointments[appointment.id] = appointment
        return appointment

    def appointments(self) -> list[Appointment]:
        return list(self._appointments.values())

    def appointment(self, appointment_id: int) -> Appointment | None:
        return self._appointments.get(appointment_id)
