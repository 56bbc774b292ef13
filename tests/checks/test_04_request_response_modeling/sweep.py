"""Every operation of the lab's own OpenAPI document, called for real with the data of this run:
no route is listed here, so a route the learner adds is swept too.

Each operation is called as the brief's users call it (the patient's id in the path and in
X-Patient-Id, a body built from its schema with this run's values, a staff token or none), and
once more for something that does not exist (an error answer). What comes back is kept whole:
status, headers and body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from harness.openapi import Operation, example, resolve

from .clinic import API, Clinic, hexed, patient_data

MISSING = 2**40 + 7  # an id no row of this run has
ORDER = {"GET": 0, "HEAD": 0, "PUT": 1, "PATCH": 1, "POST": 2, "DELETE": 3}


@dataclass
class Answer:
    operation: Operation
    url: str
    signed_in: bool
    status: int
    text: str  # the status line, every header and the body, as the client receives them

    def holds(self, secret: str) -> bool:
        """The secret as it is, or as a JSON string holds it (non-ASCII escaped or not)."""
        return any(spelled in self.text for spelled in (
            secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]))

    def __str__(self) -> str:
        who = "with a staff token" if self.signed_in else "with no token"
        return f"{self.operation.method} {self.url} ({who}) answered {self.status}"


@dataclass
class Planted:
    """A patient of this run with an appointment, their password and notes."""

    patient_id: int
    appointment_id: int
    sent: dict[str, Any]
    notes: str


def plant(clinic: Clinic, password: str, notes: str) -> Planted:
    sent, patient_id = clinic.register(password=password)
    appointment = clinic.book(patient_id)
    clinic.write_notes(patient_id, notes)
    return Planted(patient_id, appointment["id"], sent, notes)


def path_values(operation: Operation, planted: Planted, clinic: Clinic,
                fresh_patient: Callable[[], int]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in operation.path_params:
        if "patient" in name:
            values[name] = fresh_patient() if operation.method == "DELETE" else planted.patient_id
        elif "appointment" in name:
            values[name] = planted.appointment_id
        else:  # staff, clinicians: the signed-in admin, who must not be deactivated either
            values[name] = clinic.admin.id
    return values


def body_for(operation: Operation, spec: dict[str, Any], planted: Planted,
             clinic: Clinic) -> Any:
    if operation.body is None:
        return None
    starts, ends = clinic.days.slot()
    values = {**{k: v for k, v in planted.sent.items()}, "internal_notes": planted.notes,
              "patient_id": planted.patient_id, "clinician_id": clinic.admin.id,
              "starts_at": starts, "ends_at": ends, "reason": f"check-up {hexed()}",
              "specialty": f"practice {hexed()}"}
    if operation.path.startswith(f"{API}/admin"):
        values["email"] = f"staff-{hexed()}@staff-{hexed()}.example"
    body = example(operation.body, spec, values)
    # A PATCH sends what it may change, not only what is required (nothing is).
    properties = resolve(operation.body, spec).get("properties", {})
    if isinstance(body, dict) and operation.method == "PATCH":
        for name in properties:
            if name in values and name not in ("email", "starts_at", "ends_at"):
                body[name] = values[name]
    return body


def everything(response: Any) -> str:
    lines = [f"HTTP {response.status_code} {response.reason_phrase}"]
    lines += [f"{name}: {value}" for name, value in response.headers.multi_items()]
    return "\n".join(lines) + "\n\n" + response.text


def sweep(clinic: Clinic, planted: Planted, *, tokens: Iterable[bool] = (True, False),
          ) -> list[Answer]:
    """Every operation, with the planted patient's ids and values, signed in and not; then
    every operation that takes an id once more with one that does not exist."""
    spec = clinic.spec()
    found: list[Answer] = []

    def fresh_patient() -> int:
        # What a DELETE removes is a patient of its own, with the planted password.
        _, patient_id = clinic.register(password=planted.sent["password"])
        return patient_id

    ordered = sorted(clinic.operations(), key=lambda op: (ORDER.get(op.method, 2), op.path))
    for signed_in in tokens:
        for operation in ordered:
            url = operation.url(**path_values(operation, planted, clinic, fresh_patient))
            headers = {name: str(planted.patient_id) for name in operation.headers}
            response = clinic.call(operation.method, url,
                                   json=body_for(operation, spec, planted, clinic),
                                   token=clinic.admin.token if signed_in else "",
                                   headers=headers)
            found.append(Answer(operation, url, signed_in, response.status_code,
                                everything(response)))
    for operation in ordered:
        if not operation.path_params and not operation.headers:
            continue
        url = operation.url(**{name: MISSING for name in operation.path_params})
        response = clinic.call(operation.method, url, token=clinic.admin.token,
                               json=body_for(operation, spec, planted, clinic),
                               headers={name: str(MISSING) for name in operation.headers})
        found.append(Answer(operation, url, True, response.status_code, everything(response)))
    # An error answer to a request that carries the password: a registration refused.
    refused = patient_data(password=planted.sent["password"], phone="12")
    response = clinic.call("POST", f"{API}/patients", json=refused)
    register = next((op for op in ordered if op.method == "POST" and op.path == f"{API}/patients"),
                    None)
    if register is not None:
        found.append(Answer(register, f"{API}/patients", False, response.status_code,
                            everything(response)))
    return found


def pieces(secret_hash: str) -> list[str]:
    """A hash and the long parts of it (salt, digest): a part alone is a leak too."""
    parts = [secret_hash]
    word = ""
    for char in secret_hash + "$":
        if char.isalnum() or char in "+/=_-":
            word += char
            continue
        if len(word) >= 16:
            parts.append(word)
        word = ""
    return parts


def schema_properties(schema: Any, spec: dict[str, Any], seen: set[str] | None = None,
                      ) -> set[str]:
    """Every property name a schema declares, nested ones and those of its $refs too."""
    seen = set() if seen is None else seen
    names: set[str] = set()
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref in seen:
                return names
            seen.add(ref)
            return schema_properties(resolve(schema, spec), spec, seen)
        for name, value in schema.get("properties", {}).items():
            names.add(name)
            names |= schema_properties(value, spec, seen)
        for key in ("items", "additionalProperties"):
            names |= schema_properties(schema.get(key), spec, seen)
        for key in ("anyOf", "oneOf", "allOf"):
            for option in schema.get(key, []):
                names |= schema_properties(option, spec, seen)
    return names


def declared_answers(operation: Operation, spec: dict[str, Any]) -> set[str]:
    """The property names of everything an operation's document says it may answer."""
    names: set[str] = set()
    for response in operation.responses.values():
        response = resolve(response, spec) if isinstance(response, dict) else {}
        for media in response.get("content", {}).values():
            names |= schema_properties(media.get("schema"), spec)
        for header in response.get("headers", {}):
            names.add(str(header))
    return names
