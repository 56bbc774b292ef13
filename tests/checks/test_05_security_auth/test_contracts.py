"""What chapter 04 left working, kept: every status the brief promises is documented in
/openapi.json, a method a URL does not take answers 405 naming those it takes, a body that is not
JSON is a 400, a body of the wrong shape a 422, and a notifier that refuses is a 502 with nothing
changed; all in the error envelope."""

from __future__ import annotations

from harness.openapi import Operation

from .clinic import API, Clinic, Staff, error_of, failed, shown

PATIENT_SIDE = (f"{API}/patients", f"{API}/appointments")


def promised(operation: Operation) -> set[int]:
    """What the brief says an operation can answer besides its success: /docs shows them."""
    statuses = {422, 500}
    public = operation.path.startswith(f"{API}/auth") or (
        operation.method == "POST" and operation.path == f"{API}/patients") or (
        operation.method == "GET" and operation.path in (f"{API}/clinicians",
                                                         f"{API}/clinicians/{{clinician_id}}"))
    if not public:
        statuses |= {401, 403}
    elif operation.path.endswith(("/token", "/refresh")):
        statuses.add(401)
    if any(name.endswith("_id") for name in operation.path_params):
        statuses.add(404)
    if operation.body is not None:
        statuses.add(400)
    admin = operation.path.startswith(f"{API}/admin")
    if operation.method != "GET" and admin:
        statuses |= {409, 502}
    return statuses


def test_the_contracts_keep_their_answers(clinic: Clinic) -> None:
    for operation in clinic.operations():
        missing = sorted(s for s in promised(operation) if not operation.documents(s))
        if missing:
            failed(f"{operation} answers {', '.join(map(str, missing))} (the brief says so), "
                   "which its entry in /openapi.json does not document; /docs was to show every "
                   "status")
    patient = clinic.register()
    for method, url, takes in (("PUT", f"{API}/patients/{patient.id}", {"GET", "PATCH", "DELETE"}),
                               ("DELETE", f"{API}/patients/me", {"GET"}),
                               ("DELETE", f"{API}/clinicians", {"GET"})):
        answer = clinic.call(method, url, token=patient.token)
        allowed = {m.strip() for m in answer.headers.get("allow", "").split(",")} - {"HEAD",
                                                                                    "OPTIONS"}
        if answer.status_code != 405 or allowed != takes \
                or error_of(answer).get("code") != "method_not_allowed":
            failed(f"{method} {url} answered {shown(answer)} with Allow "
                   f"{answer.headers.get('allow')!r}; 405 method_not_allowed naming "
                   f"{', '.join(sorted(takes))} was expected")
    unreadable = clinic.http.request("POST", f"{API}/patients", content=b'{"full_name": "\xff"}',
                                     headers={"Content-Type": "application/json"})
    if unreadable.status_code != 400 or error_of(unreadable).get("code") != "bad_request":
        failed(f"POST {API}/patients with a body that is not UTF-8 JSON answered "
               f"{shown(unreadable)}; 400 bad_request was expected")
    wrong = clinic.call("PATCH", f"{API}/patients/{patient.id}", token=patient.token,
                        json={"sms_reminders": "sometimes"})
    if wrong.status_code != 422 or error_of(wrong).get("code") != "validation_error":
        failed(f"PATCH {API}/patients/{patient.id} with sms_reminders \"sometimes\" answered "
               f"{shown(wrong)}; 422 validation_error was expected")
    assert clinic.notifier is not None
    clinic.notifier.failing = True
    try:
        staff = Staff.of_this_run()
        answer = clinic.call("POST", f"{API}/admin/staff", token=clinic.admin.token,
                             json=staff.created())
        kept = clinic.rows("SELECT id FROM clinicians WHERE email = ?", staff.email)
    finally:
        clinic.notifier.failing = False
    if answer.status_code != 502 or error_of(answer).get("code") != "notification_failed" or kept:
        failed(f"POST {API}/admin/staff while the notifier refuses answered {shown(answer)}"
               f"{' and the account was kept' if kept else ''}; 502 notification_failed, and "
               "nothing changed, was expected")
