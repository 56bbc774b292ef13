"""A patient reaches their own records only. As patient A, every operation of the patients'
side that takes an id (path, query, body; from the lab's own /openapi.json) is tried with
patient B's ids, and as B with A's (an older and a newer record): nothing of the other's is
answered or changed, a booking naming the other is not theirs, and the other's records answer
404, exactly as records that do not exist."""

from __future__ import annotations

import secrets
from typing import Any

from harness.openapi import Operation, example, resolve

from .clinic import API, Clinic, Patient, error_of, failed, hexed, json_of, shown

MISSING = 10**9


def patient_side(op: Operation) -> bool:
    return op.path.startswith((f"{API}/patients", f"{API}/appointments")) \
        and not (op.method == "POST" and op.path == f"{API}/patients")


def state_of(clinic: Clinic, patient: Patient) -> tuple[Any, ...]:
    record = clinic.rows("SELECT * FROM patients WHERE id = ?", patient.id)
    booked = clinic.rows("SELECT * FROM appointments WHERE patient_id = ? ORDER BY id",
                         patient.id)
    return tuple(map(str, record)), tuple(map(str, booked))


class Pair:
    """Patients A and B, each with appointments of their own; `turn` says who asks about whom."""

    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic
        self.a, self.b = clinic.register(), clinic.register()
        self.reason = {self.a.id: f"private {hexed(6)}", self.b.id: f"private {hexed(6)}"}
        self.appointments = {
            patient.id: [clinic.book(patient, reason=self.reason[patient.id])["id"]
                         for _ in range(2)] for patient in (self.a, self.b)}

    def turns(self) -> list[tuple[Patient, Patient]]:
        return [(self.a, self.b), (self.b, self.a)]

    def ids(self, owner: Patient | None) -> dict[str, int]:
        """Values for the path's ids: the owner's, or ones nobody has (owner=None)."""
        if owner is None:
            return {"patient_id": MISSING + secrets.randbelow(1000),
                    "appointment_id": MISSING + secrets.randbelow(1000)}
        return {"patient_id": owner.id, "appointment_id": self.appointments[owner.id][0]}

    def body(self, op: Operation, other: Patient) -> Any:
        """A valid body, with every field a client may change set to a value of this run."""
        if op.body is None:
            return None
        spec = self.clinic.spec()
        starts, ends = self.clinic.days.slot()
        values = {"patient_id": other.id, "clinician_id": self.clinic.admin.id,
                  "starts_at": starts, "ends_at": ends, "reason": f"changed {hexed()}",
                  "full_name": f"Changed {hexed()}", "sms_reminders": True}
        body = example(op.body, spec, values)
        if isinstance(body, dict):
            properties = resolve(op.body, spec).get("properties", {})
            body.update({name: value for name, value in values.items()
                         if name in properties and name not in ("starts_at", "ends_at")})
        return body

    def leaks(self, answer: Any, other: Patient) -> bool:
        text = answer.text
        return any(secret in text for secret in (other.email, str(other.data["full_name"]),
                                                 self.reason[other.id]))


def url_of(op: Operation, ids: dict[str, int], query: bool) -> str:
    url = op.url(**{name: ids.get(name, ids["appointment_id"]) for name in op.path_params})
    return f"{url}?patient_id={ids['patient_id']}" if query else url


def test_patients_reach_only_their_own_records(clinic: Clinic) -> None:
    pair = Pair(clinic)
    found = [op for op in clinic.operations() if patient_side(op)]
    for caller, other in pair.turns():
        for op in sorted(found, key=lambda op: (op.method != "GET", op.method == "DELETE")):
            for query in (False, True):
                before = state_of(clinic, other)
                url = url_of(op, pair.ids(other), query) if op.path_params else \
                    (f"{op.path}?patient_id={other.id}" if query else op.path)
                answer = clinic.call(op.method, url, json=pair.body(op, other),
                                     token=caller.token)
                if pair.leaks(answer, other):
                    failed(f"{op.method} {url} as {caller} answered {shown(answer)}, which shows "
                           f"{other}'s data; a patient was to reach their own records only")
                if state_of(clinic, other) != before:
                    failed(f"{op.method} {url} as {caller} answered {answer.status_code} and "
                           f"changed {other}'s records in the database; a patient was to reach "
                           "their own only")
                created = json_of(answer)
                if 200 <= answer.status_code < 300 and op.method == "POST" \
                        and not op.path_params and isinstance(created, dict) \
                        and isinstance(created.get("id"), int):
                    row = clinic.rows("SELECT patient_id FROM appointments WHERE id = ?",
                                      created["id"])
                    if row and row[0]["patient_id"] != caller.id:
                        failed(f"{op.method} {url} as {caller}, naming {other} in the body, "
                               f"booked for patient {row[0]['patient_id']}; a booking is the "
                               "signed-in patient's")
                if op.path_params and 200 <= answer.status_code < 300:
                    failed(f"{op.method} {url} as {caller}, with {other}'s ids, answered "
                           f"{shown(answer)}; another patient's records were to stay out of "
                           "reach")
    a = pair.a
    mine = clinic.call("GET", f"{API}/patients/me/appointments", token=a.token)
    listed = json_of(mine)
    owners = {item.get("patient_id") for item in listed or [] if isinstance(item, dict)}
    ids = {item.get("id") for item in listed or [] if isinstance(item, dict)}
    if mine.status_code != 200 or owners != {a.id} or not set(pair.appointments[a.id]) <= ids:
        failed(f"GET {API}/patients/me/appointments as {a} answered {shown(mine)}; their own "
               f"appointments ({pair.appointments[a.id]} among them) were expected, and only "
               "theirs")


def test_other_patients_records_answer_as_missing(clinic: Clinic) -> None:
    pair = Pair(clinic)
    for caller, other in pair.turns():
        for op in clinic.operations():
            if not patient_side(op) or not op.path_params:
                continue
            body = pair.body(op, other)
            url = url_of(op, pair.ids(other), False)
            others = clinic.call(op.method, url, json=body, token=caller.token)
            missing_url = url_of(op, pair.ids(None), False)
            missing = clinic.call(op.method, missing_url, json=body, token=caller.token)
            if others.status_code != 404 or missing.status_code != 404 \
                    or error_of(others).get("code") != error_of(missing).get("code"):
                failed(f"{op.method} {url} as {caller}, with {other}'s ids, answered "
                       f"{shown(others)}; with ids nobody has ({missing_url}) it answers "
                       f"{shown(missing)}: another patient's records were to answer 404, exactly "
                       "as missing ones, so that nobody learns which exist")
