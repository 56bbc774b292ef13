"""Rules of the clinic are not shape errors: a slot the clinician has booked is a 409 slot_taken,
times when the clinic is closed a 400 or 409 clinic_closed, on booking and on rescheduling; a
request of the wrong shape stays a 422. Every edge of both rules, on days of this run."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from .clinic import API, Clinic, error_of, failed, json_of, shown

CLOSED = (400, 409)


def at(day: Any, hours: float, minutes: int) -> tuple[str, str]:
    starts = datetime.combine(day, time()) + timedelta(hours=hours)
    return starts.isoformat(), (starts + timedelta(minutes=minutes)).isoformat()


def refused(answer: Any, statuses: tuple[int, ...], code: str) -> bool:
    return answer.status_code in statuses and error_of(answer).get("code") == code


def test_clinic_rules_are_not_shape_errors(clinic: Clinic) -> None:
    _, patient_id = clinic.register()
    clinician = clinic.add_staff()
    base = {"patient_id": patient_id, "clinician_id": clinician.id, "reason": "rules"}

    def book(slot: tuple[str, str]) -> Any:
        return clinic.call("POST", f"{API}/appointments",
                           json={**base, "starts_at": slot[0], "ends_at": slot[1]})

    day = clinic.days.day()
    taken = at(day, 10, 60)  # 10:00 to 11:00
    first = book(taken)
    if first.status_code != 201:
        failed(f"POST {API}/appointments for a free slot answered {shown(first)}; 201 was expected")
    clashes = {"the same slot": taken, "one starting inside it": at(day, 10.5, 60),
               "one ending inside it": at(day, 9.5, 60), "one inside it": at(day, 10.25, 15),
               "one around it": at(day, 9.75, 90)}
    for what, slot in clashes.items():
        answer = book(slot)
        if not refused(answer, (409,), "slot_taken"):
            failed(f"POST {API}/appointments for {what} of a booked slot answered "
                   f"{shown(answer)}; 409 slot_taken was expected: the request is well formed, "
                   "the slot is not free"
                   + clinic.reproduce("POST", f"{API}/appointments", {
                       "patient_id": 1, "clinician_id": 1, "starts_at": "2031-05-05T09:00",
                       "ends_at": "2031-05-05T09:30"}, note="after booking it once, as the brief does"))
    for what, slot in {"the slot just before": at(day, 9, 60),
                       "the slot just after": at(day, 11, 60)}.items():
        answer = book(slot)
        if answer.status_code != 201:
            failed(f"POST {API}/appointments for {what} a booked one (back to back) answered "
                   f"{shown(answer)}; 201 was expected")
    other = clinic.days.day()
    closed = {"a Sunday": at(clinic.days.sunday(), 10, 30),
              "before 08:00": at(other, 7.5, 60), "past 18:00": at(other, 17.5, 60),
              "after closing": at(other, 18, 30), "across midnight": at(other, 23.5, 60),
              "a minute past closing": at(other, 17.5, 31)}
    for what, slot in closed.items():
        answer = book(slot)
        if not refused(answer, CLOSED, "clinic_closed"):
            failed(f"POST {API}/appointments for {what} ({slot[0]} to {slot[1]}) answered "
                   f"{shown(answer)}; 400 or 409 clinic_closed was expected: the clinic is closed "
                   "then, and nothing is wrong with the request's shape")
    for what, slot in {"opening at 08:00": at(other, 8, 30),
                       "ending at 18:00": at(other, 17.5, 30)}.items():
        answer = book(slot)
        if answer.status_code != 201:
            failed(f"POST {API}/appointments {what} answered {shown(answer)}; 201 was expected")
    moving = json_of(book(at(day, 14, 30)))
    url = f"{API}/appointments/{moving['id']}"
    for what, slot, statuses, code in (
            ("into a booked slot", at(day, 10.5, 30), (409,), "slot_taken"),
            ("to a Sunday", at(clinic.days.sunday(), 10, 30), CLOSED, "clinic_closed"),
            ("past closing", at(day, 17.75, 30), CLOSED, "clinic_closed")):
        answer = clinic.call("PATCH", url, json={"starts_at": slot[0], "ends_at": slot[1]})
        if not refused(answer, statuses, code):
            failed(f"PATCH {API}/appointments/{{id}} moving it {what} answered {shown(answer)}; "
                   f"{' or '.join(map(str, statuses))} {code} was expected")
    if json_of(clinic.call("GET", url)) != moving:
        failed(f"PATCH {API}/appointments/{{id}} was refused by a rule, and changed the "
               "appointment all the same")
    overlap_itself = at(day, 14.25, 30)
    answer = clinic.call("PATCH", url, json={"starts_at": overlap_itself[0],
                                             "ends_at": overlap_itself[1]})
    if answer.status_code != 200:
        failed(f"PATCH {API}/appointments/{{id}} moving it by a quarter of an hour (overlapping "
               f"only its own old slot) answered {shown(answer)}; 200 was expected")
    shapes: dict[str, dict[str, Any]] = {
        "a patient id written as text": {**base, "patient_id": str(patient_id),
                                         "starts_at": at(day, 15, 30)[0],
                                         "ends_at": at(day, 15, 30)[1]},
        "no end": {**base, "starts_at": at(day, 15, 30)[0]},
        "a reason given as a number": {**base, "reason": 7, "starts_at": at(day, 15, 30)[0],
                                       "ends_at": at(day, 15, 30)[1]},
        "a day that does not exist": {**base, "starts_at": f"{day.year}-02-30T10:00",
                                      "ends_at": f"{day.year}-02-30T10:30"},
    }
    for what, sent in shapes.items():
        answer = clinic.call("POST", f"{API}/appointments", json=sent)
        if answer.status_code != 422 or not error_of(answer):
            failed(f"POST {API}/appointments with {what} answered {shown(answer)}; 422 in the "
                   "error envelope was expected: the request itself is malformed")
