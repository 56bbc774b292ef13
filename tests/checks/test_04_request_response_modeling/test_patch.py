"""Every PATCH of the document changes exactly what it sends: each field alone and in pairs, no
field at all, and the phone sent as null (the only field that may be empty); null for any other
field is a 422 naming it, and nothing changes. Fresh records for every request."""

from __future__ import annotations

import itertools
import secrets
from datetime import date, timedelta
from typing import Any

from harness.openapi import Operation, resolve

from .clinic import API, Clinic, birthday, failed, hexed, json_of, names, phone_digits, shown

NULLABLE = {"phone"}
TOGETHER = ("starts_at", "ends_at")  # an appointment's new times come as a pair


def patchable(clinic: Clinic) -> list[tuple[Operation, list[str]]]:
    """Each PATCH with the fields its body declares (the document's, not a list of ours)."""
    spec = clinic.spec()
    found = []
    for operation in clinic.operations():
        if operation.method == "PATCH" and operation.body is not None:
            found.append((operation, sorted(resolve(operation.body, spec).get("properties", {}))))
    if not found:
        failed("/openapi.json lists no PATCH operation; the brief's PATCH routes were expected")
    return found


class Records:
    """Makes a fresh record for a PATCH operation, reads it back, and picks new values."""

    def __init__(self, clinic: Clinic, operation: Operation) -> None:
        self.clinic = clinic
        self.operation = operation
        self.kind = ("patient" if "patient" in operation.path
                     else "appointment" if "appointment" in operation.path else "staff")
        self.patient_id = 0

    def make(self) -> tuple[int, dict[str, Any]]:
        clinic = self.clinic
        if self.kind == "patient":
            _, record_id = clinic.register()
        elif self.kind == "appointment":
            if not self.patient_id:
                _, self.patient_id = clinic.register()
            record_id = clinic.book(self.patient_id)["id"]
        else:
            record_id = clinic.add_staff().id
        return record_id, self.read(record_id)

    def url(self, record_id: int) -> str:
        return self.operation.url(**{self.operation.path_params[0]: record_id})

    def read(self, record_id: int) -> dict[str, Any]:
        answer = self.clinic.call("GET", self.url(record_id), token=self.clinic.admin.token)
        body = json_of(answer)
        if answer.status_code != 200 or not isinstance(body, dict):
            failed(f"GET {self.url(record_id)} answered {shown(answer)}; the record was expected")
        return body

    def new_value(self, name: str, current: dict[str, Any], starts: str = "") -> Any:
        old = current.get(name)
        if name == "full_name":
            return f"Renamed {hexed()}"
        if name == "email":
            return f"new-{hexed()}@mail-{hexed()}.example"
        if name == "date_of_birth":
            return birthday() if old is None else (date.fromisoformat(old) - timedelta(
                days=1 + secrets.randbelow(900))).isoformat()
        if name == "phone":
            return phone_digits()
        if name == "sms_reminders":
            return not old
        if name == "reason":
            return f"follow-up {hexed()}"
        if name == "specialty":
            return f"dermatology {hexed()}"
        if name == "role":
            return "admin" if old == "clinician" else "clinician"
        return None

    def new_times(self) -> dict[str, str]:
        starts, ends = self.clinic.days.slot()
        return {"starts_at": starts, "ends_at": ends}


def same_time(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a[:16] == b[:16]


def shows(body: Any, expected: dict[str, Any]) -> list[str]:
    """The fields whose value is not the expected one."""
    wrong = []
    for name, value in expected.items():
        seen = body.get(name) if isinstance(body, dict) else None
        if name in TOGETHER:
            if not same_time(seen, value):
                wrong.append(name)
        elif name == "email" and isinstance(seen, str) and isinstance(value, str):
            if seen.lower() != value.lower():
                wrong.append(name)
        elif seen != value:
            wrong.append(name)
    return wrong


def cases(fields: list[str]) -> list[tuple[str, ...]]:
    units = [(TOGETHER if name == TOGETHER[0] else (name,)) for name in fields
             if name != TOGETHER[1]]
    alone = list(units)
    pairs = [a + b for a, b in itertools.combinations(units, 2)]
    return [(), *alone, *pairs]


def test_patch_changes_only_what_it_sends(clinic: Clinic) -> None:
    for operation, fields in patchable(clinic):
        records = Records(clinic, operation)
        for sent_fields in cases(fields):
            record_id, before = records.make()
            body: dict[str, Any] = {}
            for name in sent_fields:
                if name in TOGETHER:
                    body.update(records.new_times())
                else:
                    body[name] = records.new_value(name, before)
            if any(value is None for value in body.values()):
                continue  # a field the brief says nothing about: no value to send
            answer = clinic.call("PATCH", records.url(record_id), json=body,
                                 token=clinic.admin.token)
            expected = {**{k: v for k, v in before.items() if k in fields}, **body}
            changed_on_its_own = [name for name in shows(json_of(answer), expected)]
            sent = ", ".join(sent_fields) or "no field at all"
            if answer.status_code != 200 or changed_on_its_own:
                failed(f"PATCH {operation.path} sending {sent} answered {shown(answer)}; "
                       f"{', '.join(changed_on_its_own) or 'the record'} was expected as "
                       "sent, or as it was for what the request did not send"
                       + clinic.reproduce("PATCH", f"{API}/patients/1", {"phone": "+44 20 7946 0000"},
                                          note="after registering patient 1 as the brief does")
                       * (records.kind == "patient"))
            after = records.read(record_id)
            wrong = shows(after, expected)
            if wrong:
                failed(f"after PATCH {operation.path} sending {sent}, GET answers "
                       f"{', '.join(f'{n}={after.get(n)!r}' for n in wrong)}; the request "
                       "changed what it did not send, or did not change what it sent")
        if "phone" in fields:
            record_id, before = records.make()
            answer = clinic.call("PATCH", records.url(record_id), json={"phone": None})
            after = records.read(record_id)
            expected = {**{k: v for k, v in before.items() if k in fields}, "phone": None}
            if answer.status_code != 200 or shows(after, expected):
                failed(f"PATCH {operation.path} with \"phone\": null answered {shown(answer)}, "
                       f"and the record now reads phone={after.get('phone')!r}; the phone was "
                       "to be removed, and nothing else changed")


def test_patch_refuses_null_naming_the_field(clinic: Clinic) -> None:
    for operation, fields in patchable(clinic):
        records = Records(clinic, operation)
        record_id, before = records.make()
        kept = {k: v for k, v in before.items() if k in fields}
        attempts: list[dict[str, Any]] = []
        for name in fields:
            if name in NULLABLE:
                continue
            attempts.append({name: None})
            other = next((f for f in fields if f != name and f not in TOGETHER
                          and records.new_value(f, before) is not None), None)
            if other is not None and name not in TOGETHER:
                attempts.append({other: records.new_value(other, before), name: None})
        if set(TOGETHER) <= set(fields):
            attempts.append({"starts_at": None, "ends_at": None})
        for body in attempts:
            nulls = [k for k, v in body.items() if v is None]
            answer = clinic.call("PATCH", records.url(record_id), json=body,
                                 token=clinic.admin.token)
            if answer.status_code != 422 or not names(answer, *nulls):
                failed(f"PATCH {operation.path} with {', '.join(nulls)} sent as null answered "
                       f"{shown(answer)}; 422 in the error envelope naming "
                       f"{' or '.join(nulls)} was expected (it cannot be empty)"
                       + clinic.reproduce("PATCH", f"{API}/appointments/1", {"reason": None},
                                          note="after booking appointment 1 as the brief does")
                       * ("appointment" in operation.path))
            wrong = shows(records.read(record_id), kept)
            if wrong:
                failed(f"PATCH {operation.path} with {', '.join(nulls)} sent as null was refused, "
                       f"and changed {', '.join(wrong)} all the same; a refused request changes "
                       "nothing")


