"""One request, one session: what a request wrote is what it reads, and SQLAlchemy's own events
count one session (and one connection) per request on every route."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from harness import reproduce
from harness.openapi import Operation, example, operations

from .clinic import API, Call, Clinic, Staff, json_of, shown, token

LAST = ("/cancel", "/deactivate")  # what ends the accounts and appointments the sweep uses


def test_change_notice_goes_to_the_new_address(clinic: Clinic) -> None:
    staff = clinic.add_staff(signed_in=False)
    moved = f"moved-{token()}@staff-{token()}.example"
    url = f"{API}/admin/staff/{staff.id}"
    mark = clinic.notifier.mark()
    done = clinic.call("PATCH", url, token=clinic.admin.token, json={"email": moved})
    body = json_of(done.response)
    assert done.status == 200 and isinstance(body, dict) and body.get("email") == moved, (
        f"PATCH {API}/admin/staff/{{id}} with a new email answered {shown(done.response)}; "
        "the account with its new address was expected")
    told = [message.to for message in clinic.notifier.since(mark)]
    assert moved in told, (
        f"PATCH {API}/admin/staff/{{id}} changed a clinician's email, and the notice went "
        f"to {told or 'nobody'}; the clinician was expected to be told at the new address, "
        f"{moved}" + reproduce.request(
            clinic.lab, "PATCH", f"{API}/admin/staff/2",
            headers={"Authorization": "Bearer TOKEN"}, body={"email": "ama.osei@example.org"},
            note="as the brief's admin, once it has created account 2; then read the notifier "
                 "sandbox's terminal"))
    assert clinic.login(moved, staff.password).status == 200, (
        f"after its email changed to {moved}, the account cannot sign in with it")


def sweep_values(clinic: Clinic, target: Staff) -> dict[str, Any]:
    patient = clinic.call("POST", f"{API}/patients", json={
        "full_name": f"Patient {token()}", "email": f"{token()}@example.org",
        "date_of_birth": "1990-04-02"})
    assert patient.status == 201, f"POST {API}/patients answered {shown(patient.response)}"
    patient_id = json_of(patient.response)["id"]
    day = datetime(2031, 1, 6, 9, 0) + timedelta(days=secrets.randbelow(9000))
    booked = clinic.call("POST", f"{API}/appointments", json={
        "patient_id": patient_id, "clinician_id": target.id, "starts_at": day.isoformat(),
        "ends_at": (day + timedelta(minutes=20)).isoformat()})
    assert booked.status == 201, f"POST {API}/appointments answered {shown(booked.response)}"
    return {"patient_id": patient_id, "clinician_id": target.id, "staff_id": target.id,
            "appointment_id": json_of(booked.response)["id"], "day": day}


def sweep_call(clinic: Clinic, operation: Operation, values: dict[str, Any], n: int) -> Call:
    starts = values["day"] + timedelta(hours=1, minutes=30 * n)
    newcomer = Staff.of_this_run()
    fields = {**values, **newcomer.created(), "starts_at": starts.isoformat(),
              "ends_at": (starts + timedelta(minutes=20)).isoformat(), "reason": f"r {token()}",
              "date_of_birth": "1990-04-02"}
    if operation.path.endswith("/auth/token"):
        fields.update(email=clinic.admin.email, password=clinic.admin.password)
    body = example(operation.body, clinic.spec(), fields) if operation.body else None
    headers = {name: str(values["patient_id"]) for name in operation.headers}
    url = operation.url(**{name: values[name] for name in operation.path_params})
    return clinic.call(operation.method, url, token=clinic.admin.token, json=body,
                       headers=headers, tally=True)


def test_each_request_opens_one_session(clinic: Clinic) -> None:
    target = clinic.add_staff(signed_in=False)
    values = sweep_values(clinic, target)
    swept = sorted((op for op in operations(clinic.spec()) if op.path.startswith(API)),
                   key=lambda op: op.path.endswith(LAST))
    assert len(swept) >= 10, f"the OpenAPI document lists only {len(swept)} operations"
    for n, operation in enumerate(swept):
        call = sweep_call(clinic, operation, values, n)
        tally = call.tally
        sessions, connections = tally.get("sessions", 0), tally.get("connections", 0)
        assert sessions <= 1 and connections <= 1, (
            f"{operation} (answered {call.status}) began {sessions} database sessions and took "
            f"{connections} connections from the pool in one request; one request was "
            "expected to work in one session, so that it reads what it wrote and commits once")
        assert tally.get("write_commits", 0) <= 1, (
            f"{operation} committed its writes in {tally['write_commits']} separate "
            "transactions; a request was expected to commit once")
