"""Fields make sense on the way in: an email that is no address and a phone that is no number are
422s naming the field, on registering and on changing, and nothing of them is stored; numbers
written with spaces, dots, dashes or brackets are taken, and shown as `+` and digits. An
appointment ends after it starts, within two hours, both times with an offset or neither."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from .clinic import (
    API,
    Clinic,
    error_of,
    failed,
    hexed,
    json_of,
    names,
    patient_data,
    phone_digits,
    phone_written,
    shown,
)


def bad_emails() -> list[str]:
    word = hexed()
    return [f"{word}", f"{word}@", f"@{word}.example", f"{word}@{word}", f"{word} x@mail.example",
            f"{word}@mail .example", f"{word}@@mail.example", f"{word}@mail.example."]


def bad_phones() -> list[str]:
    digits = "".join(secrets.choice("0123456789") for _ in range(10))
    return [digits[:2], "+44" + digits[:4], "+" + digits + "123456", digits,
            "+44 20 79x6 0958", "+0" + digits, "phone: +44" + digits, "+"]


def test_bad_email_or_phone_is_refused_naming_it(clinic: Clinic) -> None:
    _, patient_id = clinic.register()
    before = json_of(clinic.call("GET", f"{API}/patients/{patient_id}"))
    for field, values in (("email", bad_emails()), ("phone", bad_phones())):
        for value in values:
            sent = patient_data(**{field: value})
            answer = clinic.call("POST", f"{API}/patients", json=sent)
            if answer.status_code != 422 or not names(answer, field):
                failed(f"POST {API}/patients with {field} {value!r} answered {shown(answer)}; 422 "
                       f"in the error envelope naming {field} was expected"
                       + clinic.reproduce("POST", f"{API}/patients", {
                           "full_name": "Ben Adu", "email": "nope", "date_of_birth": "1990-04-02",
                           "phone": "12", "password": "portal-pw-1"}))
            changed = clinic.call("PATCH", f"{API}/patients/{patient_id}", json={field: value})
            if changed.status_code != 422 or not names(changed, field):
                failed(f"PATCH {API}/patients/{{id}} with {field} {value!r} answered "
                       f"{shown(changed)}; 422 in the error envelope naming {field} was expected")
    after = json_of(clinic.call("GET", f"{API}/patients/{patient_id}"))
    if after != before:
        failed(f"PATCH {API}/patients/{{id}} with a bad email or phone was refused, and the "
               f"record changed all the same: {before!r} became {after!r}")
    digits = phone_digits()
    written = phone_written(digits)
    sent = patient_data(phone=written, email=f"Mixed.Case-{hexed()}@Mail-{hexed()}.example")
    answer = clinic.call("POST", f"{API}/patients", json=sent)
    body = json_of(answer)
    if answer.status_code not in (200, 201) or not isinstance(body, dict) \
            or body.get("phone") != digits:
        failed(f"POST {API}/patients with phone {written!r} answered {shown(answer)}; the patient "
               f"with phone {digits!r} (the + and the digits) was expected")
    if str(body.get("email", "")).lower() != sent["email"].lower():
        failed(f"POST {API}/patients with email {sent['email']!r} answered {shown(answer)}; that "
               "address, a valid one, was expected")
    other = phone_digits()
    changed = clinic.call("PATCH", f"{API}/patients/{body['id']}", json={"phone": phone_written(other)})
    if changed.status_code != 200 or (json_of(changed) or {}).get("phone") != other:
        failed(f"PATCH {API}/patients/{{id}} with phone {phone_written(other)!r} answered "
               f"{shown(changed)}; the record with phone {other!r} was expected")


def times(day: datetime, start: int, length: int, offset: str = "") -> tuple[str, str]:
    starts = day + timedelta(minutes=start)
    return starts.isoformat(), (starts + timedelta(minutes=length)).isoformat() + offset


def test_appointment_times_must_make_sense(clinic: Clinic) -> None:
    _, patient_id = clinic.register()
    day = datetime.combine(clinic.days.day(), datetime.min.time()) + timedelta(hours=8)
    minutes = 30 + 15 * secrets.randbelow(8)
    wrong = {
        "ends before it starts": times(day, minutes + 60, -30),
        "ends when it starts": times(day, minutes, 0),
        "lasts 2 hours and a minute": times(day, minutes, 121),
        "lasts all day": times(day, 0, 600),
        # Whole days, then less than two hours: a rule that reads only the time of day passes it.
        "lasts a day and half an hour": times(day, minutes, 24 * 60 + 30),
        "lasts a week and an hour": times(day, minutes, 7 * 24 * 60 + 60),
        "ends with a UTC offset and starts without": times(day, minutes, 30, "+00:00"),
        "starts with a UTC offset and ends without": (
            (day + timedelta(minutes=minutes)).isoformat() + "+00:00",
            (day + timedelta(minutes=minutes + 30)).isoformat()),
    }
    base = {"patient_id": patient_id, "clinician_id": clinic.admin.id, "reason": "times"}
    for what, (starts, ends) in wrong.items():
        sent = {**base, "starts_at": starts, "ends_at": ends}
        answer = clinic.call("POST", f"{API}/appointments", json=sent)
        if answer.status_code != 422 or not names(answer, "starts_at", "ends_at", "body"):
            failed(f"POST {API}/appointments for one that {what} ({starts} to {ends}) answered "
                   f"{shown(answer)}; 422 in the error envelope was expected"
                   + clinic.reproduce("POST", f"{API}/appointments", {
                       "patient_id": 1, "clinician_id": 1, "starts_at": "2031-05-05T11:00",
                       "ends_at": "2031-05-05T10:00"}, note="after the brief's first steps"))
    listed = json_of(clinic.call("GET", f"{API}/patients/{patient_id}/appointments"))
    if listed:
        failed(f"appointments refused for their times were stored all the same: {listed!r}")
    longest = clinic.call("POST", f"{API}/appointments",
                          json={**base, **dict(zip(("starts_at", "ends_at"),
                                                   times(day, minutes, 120), strict=True))})
    if longest.status_code != 201:
        failed(f"POST {API}/appointments for one of exactly two hours answered "
               f"{shown(longest)}; 201 was expected (at most two hours)")
    appointment = json_of(longest)
    url = f"{API}/appointments/{appointment['id']}"
    later = datetime.combine(clinic.days.day(), datetime.min.time()) + timedelta(hours=9)
    for what, (starts, ends) in {**wrong, "lasts 2 hours and a minute":
                                 times(later, minutes, 121)}.items():
        answer = clinic.call("PATCH", url, json={"starts_at": starts, "ends_at": ends})
        if answer.status_code != 422 or not names(answer, "starts_at", "ends_at", "body"):
            failed(f"PATCH {API}/appointments/{{id}} moving it to times where it {what} "
                   f"({starts} to {ends}) answered {shown(answer)}; 422 in the error envelope "
                   "was expected")
    for alone in ({"starts_at": appointment["starts_at"]}, {"ends_at": appointment["ends_at"]}):
        answer = clinic.call("PATCH", url, json=alone)
        if answer.status_code != 422 or not error_of(answer):
            failed(f"PATCH {API}/appointments/{{id}} with {', '.join(alone)} alone answered "
                   f"{shown(answer)}; 422 was expected (new times come as a pair)")
    stored = json_of(clinic.call("GET", url))
    if stored != appointment:
        failed(f"PATCH {API}/appointments/{{id}} with times that make no sense was refused, and "
               f"the appointment changed all the same: {stored!r}")
