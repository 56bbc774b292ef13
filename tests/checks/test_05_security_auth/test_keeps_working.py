"""What the brief says keeps working: signing in and the tokens as the brief describes them, the
patient's side on their own records, the public routes, and the staff side of chapter 04."""

from __future__ import annotations

import re
import time

import jwt

from .clinic import API, Clinic, Staff, failed, hexed, json_of, patient_data, shown

LIFETIME_SLACK = 2  # seconds: `iat` and `exp` may be read off the clock a moment apart


def expect(answer, status: int, what: str, wanted: str) -> object:
    if answer.status_code != status:
        failed(f"{what} answered {shown(answer)}; {wanted} ({status})")
    return json_of(answer)


def test_signing_in_and_the_patient_side_keep_working(clinic: Clinic) -> None:
    patient = clinic.register()
    assert patient.tokens is not None
    tokens, who = patient.tokens, str(patient)
    minutes = int(clinic.settings["CLINIC_ACCESS_TOKEN_MINUTES"])
    if tokens.answer.get("token_type") != "bearer" or \
            abs(tokens.expires_in - minutes * 60) > LIFETIME_SLACK:
        failed(f"signing in answered token_type {tokens.answer.get('token_type')!r} and "
               f"expires_in {tokens.expires_in}; \"bearer\" and {minutes * 60} seconds "
               f"(CLINIC_ACCESS_TOKEN_MINUTES={minutes}) were expected")
    try:
        claims = jwt.decode(tokens.access, clinic.key, algorithms=["HS256"], audience="clinic-api",
                            issuer="clinic", options={"require": ["sub", "exp", "iat"]})
    except jwt.PyJWTError as exc:
        failed(f"the access token from signing in does not verify as the brief describes it "
               f"(HS256 with CLINIC_TOKEN_SECRET, iss clinic, aud clinic-api, sub, exp, iat): "
               f"{exc}")
    if abs(int(claims["exp"]) - int(claims["iat"]) - minutes * 60) > LIFETIME_SLACK \
            or int(claims["exp"]) < time.time():
        failed(f"the access token lives from {claims['iat']} to {claims['exp']}; "
               f"CLINIC_ACCESS_TOKEN_MINUTES={minutes} minutes from now was expected")
    for email, password, what in ((patient.email, f"wrong-{hexed()}", "a wrong password"),
                                  (f"nobody-{hexed()}@x.example", patient.password,
                                   "an email nobody has")):
        expect(clinic.call("POST", f"{API}/auth/patients/token",
                           json={"email": email, "password": password}), 401,
               f"POST {API}/auth/patients/token with {what}", "a refusal was expected")
    me = expect(clinic.call("GET", f"{API}/patients/me", token=tokens.access), 200,
                f"GET {API}/patients/me as {who}", "their record was expected")
    if not isinstance(me, dict) or me.get("id") != patient.id \
            or me.get("email") != patient.email:
        failed(f"GET {API}/patients/me as {who} answered {me!r}; their record was expected")
    emails_stay_one_patients(clinic, patient, tokens.access)
    changed = f"Renamed {hexed()}"
    record = expect(clinic.call("PATCH", f"{API}/patients/{patient.id}", token=tokens.access,
                                json={"full_name": changed}), 200,
                    f"PATCH {API}/patients/{patient.id} by {who}", "their record, changed")
    if not isinstance(record, dict) or record.get("full_name") != changed:
        failed(f"PATCH {API}/patients/{patient.id} by {who} answered {record!r}; the new name "
               "was expected")
    booked = clinic.book(patient)
    url = f"{API}/appointments/{booked['id']}"
    expect(clinic.call("GET", url, token=tokens.access), 200, f"GET {url} by {who}",
           "their appointment was expected")
    reason = f"new reason {hexed()}"
    expect(clinic.call("PATCH", url, token=tokens.access, json={"reason": reason}), 200,
           f"PATCH {url} by {who}", "their appointment, changed, was expected")
    listed = expect(clinic.call("GET", f"{API}/patients/{patient.id}/appointments",
                                token=tokens.access), 200,
                    f"GET {API}/patients/{patient.id}/appointments by {who}",
                    "their appointments were expected")
    if not any(isinstance(item, dict) and item.get("reason") == reason for item in listed or []):
        failed(f"GET {API}/patients/{patient.id}/appointments by {who} answered {listed!r}; "
               "their changed appointment was expected")
    expect(clinic.call("POST", f"{url}/cancel", token=tokens.access), 200,
           f"POST {url}/cancel by {who}", "the cancelled appointment was expected")
    nobody = {"patient_id": patient.id, "clinician_id": 10**9, "starts_at": "2031-05-05T09:00",
              "ends_at": "2031-05-05T09:30"}
    expect(clinic.call("POST", f"{API}/appointments", token=tokens.access, json=nobody), 404,
           f"POST {API}/appointments with a clinician nobody is", "not found was expected")
    pair = json_of(clinic.refresh(tokens.refresh))
    if not isinstance(pair, dict) or clinic.call(
            "GET", f"{API}/patients/me", token=str(pair.get("access_token"))).status_code != 200:
        failed(f"POST {API}/auth/refresh with {who}'s refresh token answered {pair!r}; the next "
               "pair, whose access token signs them in, was expected")
    expect(clinic.call("GET", f"{API}/clinicians"), 200, f"GET {API}/clinicians without a token",
           "the public list of clinicians was expected")
    expect(clinic.call("DELETE", f"{API}/patients/{patient.id}", token=tokens.access), 204,
           f"DELETE {API}/patients/{patient.id} by {who}", "their record closed was expected")


def emails_stay_one_patients(clinic: Clinic, patient, token: str) -> None:
    """Registering answers 201; an email already taken is a 409, at registering and at changing
    one's own; one's own email, or a free one, may be sent."""
    other = patient_data()
    expect(clinic.call("POST", f"{API}/patients", json=other), 201,
           f"POST {API}/patients with a valid registration", "the new patient was expected")
    again = patient_data(email=patient.email)
    expect(clinic.call("POST", f"{API}/patients", json=again), 409,
           f"POST {API}/patients with {patient}'s email", "email_taken was expected")
    url, who = f"{API}/patients/{patient.id}", str(patient)
    expect(clinic.call("PATCH", url, token=token, json={"email": other["email"]}), 409,
           f"PATCH {url} by {who} with another patient's email", "email_taken was expected")
    expect(clinic.call("PATCH", url, token=token, json={"email": patient.email}), 200,
           f"PATCH {url} by {who} with their own email", "their record was expected")
    free = f"moved-{hexed()}@{patient.email.split('@')[1]}"
    moved = expect(clinic.call("PATCH", url, token=token, json={"email": free}), 200,
                   f"PATCH {url} by {who} with an email nobody has", "their record, changed")
    if not isinstance(moved, dict) or moved.get("email") != free:
        failed(f"PATCH {url} by {who} with a new email answered {moved!r}; the new email was "
               "expected")
    patient.data["email"] = free


def test_staff_side_keeps_working(clinic: Clinic) -> None:
    clinician = clinic.add_staff()
    if clinic.notifier is not None and not any(
            clinician.email in str(message) for message in clinic.notifier.messages):
        failed(f"POST {API}/admin/staff created {clinician.email} without a welcome message to "
               "them; chapter 03's welcome was to be sent")
    again = Staff.of_this_run()
    again.email = clinician.email
    taken = clinic.call("POST", f"{API}/admin/staff", token=clinic.admin.token,
                        json=again.created())
    expect(taken, 409, f"POST {API}/admin/staff with an email already taken",
           "email_taken was expected")
    patient = clinic.register()
    notes = f"Internal {hexed()}: see file"
    record = expect(clinic.call("PUT", f"{API}/staff/patients/{patient.id}/notes",
                                token=clinician.token, json={"internal_notes": notes}), 200,
                    f"PUT {API}/staff/patients/{patient.id}/notes by a clinician",
                    "the record with its notes was expected")
    read = expect(clinic.call("GET", f"{API}/staff/patients/{patient.id}", token=clinician.token),
                  200, f"GET {API}/staff/patients/{patient.id} by a clinician",
                  "the patient's record was expected")
    if not isinstance(read, dict) or read.get("internal_notes") != notes or record is None:
        failed(f"GET {API}/staff/patients/{patient.id} by a clinician answered {read!r}; the "
               "record with the notes just written was expected")
    own = expect(clinic.call("GET", f"{API}/patients/me", token=patient.token), 200,
                 f"GET {API}/patients/me as {patient}", "their record was expected")
    if isinstance(own, dict) and ("internal_notes" in own or "password_hash" in own):
        failed(f"GET {API}/patients/me as {patient} shows {sorted(own)}; neither the notes nor "
               "a password hash were to reach a patient")
    expect(clinic.call("GET", f"{API}/staff/patients", token=clinician.token), 200,
           f"GET {API}/staff/patients by a clinician", "the patients' records were expected")
    expect(clinic.call("GET", f"{API}/staff/me/appointments", token=clinic.admin.token), 200,
           f"GET {API}/staff/me/appointments by the admin", "their schedule was expected")
    renamed = f"Dr Renamed {hexed()}"
    changed = expect(clinic.call("PATCH", f"{API}/admin/staff/{clinician.id}",
                                 token=clinic.admin.token, json={"full_name": renamed}), 200,
                     f"PATCH {API}/admin/staff/{clinician.id} by the admin",
                     "the changed account was expected")
    if not isinstance(changed, dict) or changed.get("full_name") != renamed:
        failed(f"PATCH {API}/admin/staff/{clinician.id} answered {changed!r}; the new name was "
               "expected")
    expect(clinic.call("POST", f"{API}/admin/staff/{clinic.admin.id}/deactivate",
                       token=clinic.admin.token), 409,
           f"POST {API}/admin/staff/{clinic.admin.id}/deactivate by that admin",
           "admins cannot deactivate themselves")
    docs = clinic.call("GET", "/docs")
    if docs.status_code != 200 or "swagger" not in docs.text.lower():
        failed(f"GET /docs answered {shown(docs)}; the interactive docs were expected")
    for url in re.findall(r"""(?:src|href)=["']([^"']+)["']""", docs.text):
        if url.startswith(("http://", "https://", "//")):
            failed(f"/docs loads {url} from elsewhere; it was to work offline")
