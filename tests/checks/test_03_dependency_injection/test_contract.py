"""What the brief keeps from chapter 02 about the contract (this passes on the starter too): what
the OpenAPI document forbids is refused in the error envelope, an unreadable body is a 400, a
method a URL does not take a 405 naming what it takes, and /docs shows every status an
operation answers."""

from __future__ import annotations

from typing import Any

from harness.openapi import Operation, operations

from .clinic import API, Clinic, error_code, json_of, shown, token

# What the brief says each kind of operation can answer, besides 200 and 201.
NOTIFYING = ("POST /api/v1/admin/staff", "PATCH /api/v1/admin/staff/{staff_id}",
             "POST /api/v1/admin/staff/{staff_id}/deactivate")
CONFLICTING = (*NOTIFYING, "POST /api/v1/appointments",
               "POST /api/v1/appointments/{appointment_id}/cancel")
NAMING_SOMEONE = ("POST /api/v1/appointments", "GET /api/v1/patients/me")  # in a body, a header


def promised(operation: Operation) -> set[int]:
    statuses = {422, 500}
    if operation.path.startswith(f"{API}/admin"):
        statuses |= {401, 403}
    if operation.path.startswith(f"{API}/staff") or operation.path == f"{API}/auth/token":
        statuses.add(401)
    if any(name.endswith("_id") for name in operation.path_params) \
            or str(operation) in NAMING_SOMEONE:
        statuses.add(404)
    if operation.body:
        statuses.add(400)
    if str(operation) in NOTIFYING:
        statuses.add(502)
    if str(operation) in CONFLICTING:
        statuses.add(409)
    return statuses


def test_api_answers_as_documented(clinic: Clinic) -> None:
    spec = clinic.spec()
    found = [op for op in operations(spec) if op.path.startswith(API)]
    for operation in found:
        missing = sorted(s for s in promised(operation) if not operation.documents(s))
        assert not missing, (
            f"{operation} answers {', '.join(map(str, missing))} (the brief says so), which "
            "its entry in /openapi.json does not document; /docs was to show every status")
    for path in (f"{API}/admin/staff", f"{API}/appointments", f"{API}/patients"):
        operation = next(op for op in found if str(op) == f"POST {path}")
        assert operation.documents(201), f"POST {path} creates, and /docs does not show its 201"

    admin = clinic.admin.token
    patient = json_of(clinic.call("POST", f"{API}/patients", json={
        "full_name": f"Ada {token()}", "email": f"{token()}@example.org",
        "date_of_birth": "1990-04-02"}).response)
    slot = {"patient_id": patient["id"], "clinician_id": clinic.admin.id,
            "starts_at": "2031-05-05T09:00", "ends_at": "2031-05-05T09:30"}
    forbidden: list[tuple[str, str, str, Any, str]] = [
        ("a patient id written as text", "POST", f"{API}/appointments",
         {**slot, "patient_id": str(patient["id"])}, ""),
        ("a date of birth given as a number", "POST", f"{API}/patients",
         {"full_name": "Ada", "email": "a@example.org", "date_of_birth": 0}, ""),
        ("a name given as a number", "POST", f"{API}/admin/staff",
         {"full_name": 7, "specialty": "x", "email": f"{token()}@example.org",
          "password": "long-enough-1"}, admin),
        ("an email given as a number", "POST", f"{API}/auth/token",
         {"email": 7, "password": "x"}, ""),
        ("a reason given as a number", "PATCH", f"{API}/appointments/1", {"reason": 7}, ""),
    ]
    for huge in (2**63, -(2**63) - 1, 2**70):  # beyond what SQLite's integers hold
        forbidden += [("an id no database holds", "GET", f"{API}/appointments/{huge}", None, ""),
                      ("an id no database holds", "GET", f"{API}/patients/{huge}", None, "")]
    for what, method, url, body, bearer in forbidden:
        answer = clinic.call(method, url, json=body, token=bearer)
        assert answer.status in (404, 422) and error_code(answer.response), (
            f"{method} {url} with {what} answered {shown(answer.response)}; it was expected to "
            "be refused (422, or 404 for an id) in the error envelope")

    answer = clinic.client.client.request("POST", f"{API}/patients",
                                          content=b'{"full_name": "\xff"}',
                                          headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and error_code(answer) == "bad_request", (
        f"POST {API}/patients with a body that is not UTF-8 JSON answered {shown(answer)}; 400 "
        "with code bad_request was expected")
    for method, url, takes in (("DELETE", f"{API}/clinicians", {"GET"}),
                               ("PUT", f"{API}/admin/staff", {"GET", "POST"}),
                               ("POST", f"{API}/staff/me", {"GET"})):
        answer = clinic.call(method, url, token=admin)
        allowed = {m.strip() for m in answer.response.headers.get("allow", "").split(",")}
        assert answer.status == 405 and error_code(answer.response) == "method_not_allowed" \
            and allowed - {"HEAD", "OPTIONS"} == takes, (
            f"{method} {url} answered {shown(answer.response)} with Allow "
            f"{answer.response.headers.get('allow')!r}; 405 method_not_allowed naming "
            f"{', '.join(sorted(takes))}, the methods the URL takes, was expected")
