"""What chapter 03 left working still works (this passes on the starter too): patients register,
read themselves and their bookings; booking refuses nobody with a 404 and takes back-to-back
slots; cancelling answers the appointment as stored, once; the staff side signs in and needs a
token, admins only on admin routes; the contract refuses what the document forbids, in the
envelope, and a method a URL does not take is a 405 naming the methods it takes."""

from __future__ import annotations

import re

from harness.openapi import Operation

from .clinic import API, Clinic, Staff, error_of, failed, hexed, json_of, shown, shows_patient

MISSING = 2**40 + 11
MEDIA_TYPES = {"js": "text/javascript", "css": "text/css", "png": "image/png"}


def promised(operation: Operation) -> set[int]:
    """What the brief says an operation can answer besides its success: /docs shows them."""
    statuses = {422, 500}
    admin = operation.path.startswith(f"{API}/admin")
    if admin:
        statuses |= {401, 403}
    if operation.path.startswith(f"{API}/staff") or operation.path == f"{API}/auth/token":
        statuses.add(401)
    if any(name.endswith("_id") for name in operation.path_params) or operation.headers \
            or str(operation) == f"POST {API}/appointments":
        statuses.add(404)
    if operation.body is not None:
        statuses.add(400)
    if operation.method != "GET" and (admin or operation.path.startswith(f"{API}/appointments")):
        statuses.add(409)
    if operation.method != "GET" and admin:
        statuses.add(502)
    return statuses


def test_every_status_is_documented(clinic: Clinic) -> None:
    for operation in clinic.operations():
        missing = sorted(s for s in promised(operation) if not operation.documents(s))
        if missing:
            failed(f"{operation} answers {', '.join(map(str, missing))} (the brief says so), "
                   "which its entry in /openapi.json does not document; /docs was to show every "
                   "status")


def test_chapter_03_keeps_its_answers(clinic: Clinic) -> None:
    sent, patient_id = clinic.register()
    for url, headers in ((f"{API}/patients/{patient_id}", {}),
                         (f"{API}/patients/me", {"X-Patient-Id": str(patient_id)})):
        answer = clinic.call("GET", url, headers=headers)
        if answer.status_code != 200 or not shows_patient(json_of(answer), sent):
            failed(f"GET {url} answered {shown(answer)}; the patient as registered was expected")
    for url in (f"{API}/patients/{MISSING}", f"{API}/appointments/{MISSING}"):
        answer = clinic.call("GET", url)
        if answer.status_code != 404 or not error_of(answer):
            failed(f"GET {url} answered {shown(answer)}; 404 in the error envelope was expected")
    starts, ends = clinic.days.slot()
    base = {"patient_id": patient_id, "clinician_id": clinic.admin.id, "starts_at": starts,
            "ends_at": ends}
    for who in ("patient_id", "clinician_id"):
        answer = clinic.call("POST", f"{API}/appointments", json={**base, who: MISSING})
        if answer.status_code != 404 or not error_of(answer):
            failed(f"POST {API}/appointments for a {who.split('_')[0]} who does not exist "
                   f"answered {shown(answer)}; 404 in the error envelope was expected")
    first = clinic.book(patient_id, slot=(starts, ends))
    second = clinic.book(patient_id, slot=(ends, ends[:11] + "17:00:00") if ends[11:13] >= "15"
                         else (ends, ends[:11] + f"{int(ends[11:13]) + 1:02d}" + ends[13:]))
    listed = json_of(clinic.call("GET", f"{API}/patients/{patient_id}/appointments"))
    if not isinstance(listed, list) or [a.get("id") for a in listed] != [first["id"], second["id"]]:
        failed(f"GET {API}/patients/{{id}}/appointments answered {listed!r}; the patient's two "
               "appointments, in time order, were expected")
    changed = clinic.call("PATCH", f"{API}/appointments/{first['id']}", json={"reason": "x-ray"})
    body = json_of(changed)
    if changed.status_code != 200 or body.get("reason") != "x-ray" or body.get("version") != 2:
        failed(f"PATCH {API}/appointments/{{id}} with a new reason answered {shown(changed)}; the "
               "appointment as stored (version 2) was expected")
    cancel = f"{API}/appointments/{first['id']}/cancel"
    cancelled = clinic.call("POST", cancel)
    body = json_of(cancelled)
    if cancelled.status_code != 200 or body.get("status") != "cancelled" or body.get("version") != 3:
        failed(f"POST {cancel} answered {shown(cancelled)}; the cancelled appointment as stored "
               "was expected")
    again = clinic.call("POST", cancel)
    if again.status_code != 409 or not error_of(again):
        failed(f"POST {cancel} a second time answered {shown(again)}; 409 was expected")
    clinician = clinic.sign_in(clinic.add_staff())
    me = clinic.call("GET", f"{API}/staff/me", token=clinician.token)
    if me.status_code != 200 or (json_of(me) or {}).get("id") != clinician.id:
        failed(f"GET {API}/staff/me (as a clinician) answered {shown(me)}; their account was "
               "expected")
    anonymous = clinic.call("GET", f"{API}/staff/me")
    if anonymous.status_code != 401 or "bearer" not in anonymous.headers.get(
            "www-authenticate", "").lower():
        failed(f"GET {API}/staff/me with no token answered {shown(anonymous)}; 401 with "
               "WWW-Authenticate: Bearer was expected")
    not_admin = clinic.call("GET", f"{API}/admin/staff", token=clinician.token)
    if not_admin.status_code != 403:
        failed(f"GET {API}/admin/staff as a clinician answered {shown(not_admin)}; 403 was "
               "expected")
    forbidden = clinic.call("POST", f"{API}/appointments",
                            json={**base, "patient_id": str(patient_id)})
    if forbidden.status_code != 422 or not error_of(forbidden):
        failed(f"POST {API}/appointments with the patient id written as text answered "
               f"{shown(forbidden)}; 422 in the error envelope was expected")
    unreadable = clinic.http.request("POST", f"{API}/patients", content=b'{"full_name": "\xff"}',
                                     headers={"Content-Type": "application/json"})
    if unreadable.status_code != 400 or error_of(unreadable).get("code") != "bad_request":
        failed(f"POST {API}/patients with a body that is not UTF-8 JSON answered "
               f"{shown(unreadable)}; 400 bad_request was expected")
    for method, url, takes in (("PUT", f"{API}/patients/{patient_id}", {"GET", "PATCH", "DELETE"}),
                               ("PATCH", f"{API}/patients/me", {"GET"}),
                               ("DELETE", f"{API}/patients/me", {"GET"}),
                               ("DELETE", f"{API}/clinicians", {"GET"})):
        answer = clinic.call(method, url)
        allowed = {m.strip() for m in answer.headers.get("allow", "").split(",")} - {"HEAD",
                                                                                    "OPTIONS"}
        if answer.status_code != 405 or allowed != takes \
                or error_of(answer).get("code") != "method_not_allowed":
            failed(f"{method} {url} answered {shown(answer)} with Allow "
                   f"{answer.headers.get('allow')!r}; 405 method_not_allowed naming "
                   f"{', '.join(sorted(takes))} was expected")
    for huge in (2**63, -(2**63) - 1, 2**70):  # beyond what SQLite's integers hold
        for url in (f"{API}/patients/{huge}", f"{API}/appointments/{huge}"):
            answer = clinic.call("GET", url)
            if answer.status_code not in (404, 422) or not error_of(answer):
                failed(f"GET {url}, an id no database holds, answered {shown(answer)}; 404 or "
                       "422 in the error envelope was expected")
    for code, url, token in (("not_authenticated", f"{API}/staff/me", ""),
                             ("forbidden", f"{API}/admin/staff", clinician.token),
                             ("not_found", f"{API}/nowhere-{hexed()}", "")):
        answer = clinic.call("GET", url, token=token)
        if error_of(answer).get("code") != code:
            failed(f"GET {url} answered {shown(answer)}; the envelope with code {code} was "
                   "expected")
    clinicians = clinic.call("GET", f"{API}/clinicians")
    listed_ids = [item.get("id") for item in json_of(clinicians) or [] if isinstance(item, dict)]
    one = clinic.call("GET", f"{API}/clinicians/{clinician.id}")
    if clinicians.status_code != 200 or clinician.id not in listed_ids \
            or (json_of(one) or {}).get("full_name") != clinician.full_name:
        failed(f"GET {API}/clinicians answered {shown(clinicians)} and GET "
               f"{API}/clinicians/{{id}} {shown(one)}; the clinicians, this run's among them, "
               "were expected")
    slot = clinic.days.slot()
    mine = clinic.book(patient_id, clinician_id=clinician.id, slot=slot)
    other = clinic.book(patient_id, slot=slot)  # the same times with another clinician: free
    schedule = json_of(clinic.call("GET", f"{API}/clinicians/{clinician.id}/appointments"))
    if not isinstance(schedule, list) or [a.get("id") for a in schedule] != [mine["id"]]:
        failed(f"GET {API}/clinicians/{{id}}/appointments answered {schedule!r}; that "
               "clinician's one appointment was expected")
    clinic.call("POST", f"{API}/appointments/{mine['id']}/cancel")
    again = clinic.book(patient_id, clinician_id=clinician.id, slot=slot)  # a cancelled slot is free
    if again["id"] in (mine["id"], other["id"]):
        failed(f"POST {API}/appointments answered an appointment that already existed")


def test_staff_side_keeps_its_answers(clinic: Clinic) -> None:
    notifier = clinic.notifier
    assert notifier is not None
    admin = clinic.admin.token
    wrong = clinic.call("POST", f"{API}/auth/token",
                        json={"email": clinic.admin.email, "password": clinic.admin.password + "x"})
    unknown = clinic.call("POST", f"{API}/auth/token",
                          json={"email": f"nobody-{hexed()}@staff.example", "password": "whatever1"})
    for what, answer in (("a wrong password", wrong), ("an unknown email", unknown)):
        if answer.status_code != 401:
            failed(f"POST {API}/auth/token with {what} answered {shown(answer)}; 401 was expected")
    signed = json_of(clinic.call("POST", f"{API}/auth/token", json={
        "email": clinic.admin.email, "password": clinic.admin.password})) or {}
    if signed.get("expires_in") != clinic.ttl_minutes * 60 or signed.get("token_type") != "bearer":
        failed(f"POST {API}/auth/token answered {signed!r}; a bearer token living "
               f"{clinic.ttl_minutes} minutes (expires_in {clinic.ttl_minutes * 60}) was expected")
    forged = admin[:-2] + ("AA" if not admin.endswith("AA") else "BB")
    answer = clinic.call("GET", f"{API}/staff/me", token=forged)
    if answer.status_code != 401:
        failed(f"GET {API}/staff/me with a token whose signature was changed answered "
               f"{shown(answer)}; 401 was expected")
    staff = clinic.add_staff()
    if not any(m.get("to") == staff.email for m in notifier.messages):
        failed(f"POST {API}/admin/staff answered 201 and no welcome went to {staff.email}")
    again = clinic.call("POST", f"{API}/admin/staff", token=admin, json=staff.created())
    if again.status_code != 409 or error_of(again).get("code") != "email_taken":
        failed(f"POST {API}/admin/staff with an email in use answered {shown(again)}; 409 "
               "email_taken was expected")
    new_email = f"moved-{hexed()}@staff-{hexed()}.example"
    moved = clinic.call("PATCH", f"{API}/admin/staff/{staff.id}", token=admin,
                        json={"email": new_email})
    if moved.status_code != 200 or not any(m.get("to") == new_email for m in notifier.messages):
        failed(f"PATCH {API}/admin/staff/{{id}} with a new email answered {shown(moved)}; the "
               "change, told to the new address, was expected")
    staff.email = new_email
    clinic.sign_in(staff)
    notifier.failing = True
    try:
        doomed = Staff.of_this_run()
        refused = clinic.call("POST", f"{API}/admin/staff", token=admin, json=doomed.created())
        renamed = clinic.call("PATCH", f"{API}/admin/staff/{staff.id}", token=admin,
                              json={"full_name": f"Never {hexed()}"})
    finally:
        notifier.failing = False
    for what, answer in (("a create", refused), ("a change", renamed)):
        if answer.status_code != 502 or error_of(answer).get("code") != "notification_failed":
            failed(f"{what} of a staff account while the notifier refuses answered "
                   f"{shown(answer)}; 502 notification_failed was expected")
    listed = json_of(clinic.call("GET", f"{API}/admin/staff", token=admin)) or []
    emails = {item.get("email") for item in listed if isinstance(item, dict)}
    names_ = {item.get("full_name") for item in listed if isinstance(item, dict)}
    if doomed.email in emails or staff.email not in emails or staff.full_name not in names_:
        failed("a staff change answered 502 notification_failed (nothing was changed), and the "
               "staff list shows it made all the same")
    myself = clinic.call("POST", f"{API}/admin/staff/{clinic.admin.id}/deactivate", token=admin)
    if myself.status_code != 409:
        failed(f"an admin deactivating their own account answered {shown(myself)}; 409 was "
               "expected")
    gone = clinic.call("POST", f"{API}/admin/staff/{staff.id}/deactivate", token=admin)
    if gone.status_code != 200 or (json_of(gone) or {}).get("is_active") is not False:
        failed(f"POST {API}/admin/staff/{{id}}/deactivate answered {shown(gone)}; the account, "
               "no longer active, was expected")
    after = clinic.call("GET", f"{API}/staff/me", token=staff.token)
    login = clinic.call("POST", f"{API}/auth/token",
                        json={"email": staff.email, "password": staff.password})
    if after.status_code != 401 or login.status_code != 401:
        failed(f"a deactivated account's token answered {after.status_code} on "
               f"{API}/staff/me and its sign-in {login.status_code}; 401 was expected for both")
    docs = clinic.call("GET", "/docs")
    if docs.status_code != 200 or "swagger" not in docs.text.lower():
        failed(f"GET /docs answered {shown(docs)}; the interactive docs were expected")
    for url in re.findall(r"""(?:src|href)=["']([^"']+)["']""", docs.text):
        if url.startswith(("http://", "https://", "//")):
            failed(f"/docs loads {url} from elsewhere; it was to work offline")
        if not url.startswith("/"):
            continue
        asset = clinic.call("GET", url)
        kind = asset.headers.get("content-type", "")
        expected = MEDIA_TYPES.get(url.rsplit(".", 1)[-1], kind)
        if asset.status_code != 200 or not asset.content or not kind.startswith(expected):
            failed(f"/docs loads {url}, which the app answers {asset.status_code} "
                   f"({kind or 'no content-type'}); the file, as {expected}, was expected")
