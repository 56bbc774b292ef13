"""What the brief says keeps working (these pass on the starter too): the staff side's everyday
answers, and the patients' side as chapter 02 left it."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from .clinic import API, Call, Clinic, Staff, error_code, json_of, shown, token

SHOWN_FIELDS = ("id", "full_name", "specialty", "email", "role", "is_active", "created_at")


def expect(call: Call, status: int, code: str, request: str) -> None:
    assert call.status == status and error_code(call.response) == code, (
        f"{request} answered {shown(call.response)}; {status} with code {code} was expected")


def test_staff_side_keeps_its_answers(clinic: Clinic) -> None:
    admin = clinic.admin.token
    staff = Staff.of_this_run()
    expect(clinic.login(staff.email, staff.password), 401, "not_authenticated",
           f"POST {API}/auth/token for an email nobody signs in with")
    expect(clinic.login(clinic.admin.email, staff.password), 401, "not_authenticated",
           f"POST {API}/auth/token with a wrong password")
    mark = clinic.notifier.mark()
    made = clinic.call("POST", f"{API}/admin/staff", token=admin, json=staff.created())
    body = json_of(made.response) or {}
    assert made.status == 201 and all(body.get(k) == v for k, v in staff.created().items()
                                      if k != "password"), (
        f"POST {API}/admin/staff answered {shown(made.response)}; 201 with the account "
        "was expected")
    assert sorted(body) == sorted(SHOWN_FIELDS) and staff.password not in made.response.text, (
        f"POST {API}/admin/staff answered the fields {sorted(body)}; {list(SHOWN_FIELDS)} "
        "were expected, and never the password")
    staff.id = int(body["id"])
    assert [m.to for m in clinic.notifier.since(mark)] == [staff.email], (
        f"creating {staff.email} sent {[m.to for m in clinic.notifier.since(mark)]}; one "
        "welcome to that address was expected")
    expect(clinic.call("POST", f"{API}/admin/staff", token=admin, json=staff.created()),
           409, "email_taken", f"POST {API}/admin/staff for an email already taken")
    other = clinic.add_staff(signed_in=False)
    expect(clinic.call("PATCH", f"{API}/admin/staff/{other.id}", token=admin,
                       json={"email": staff.email}), 409, "email_taken",
           f"PATCH {API}/admin/staff/{{id}} to an email another account signs in with")

    login = clinic.login(staff.email, staff.password)
    given = json_of(login.response) or {}
    assert login.status == 200 and given.get("token_type") == "bearer" and \
        given.get("expires_in") == clinic.ttl_minutes * 60, (
        f"POST {API}/auth/token answered {shown(login.response)}; a bearer token living "
        f"CLINIC_TOKEN_TTL_MINUTES ({clinic.ttl_minutes}) minutes was expected")
    staff.token = str(given["access_token"])
    me = json_of(clinic.call("GET", f"{API}/staff/me", token=staff.token).response)
    assert me == body, f"GET {API}/staff/me answered {me!r}; the signed-in clinician was expected"
    listed = json_of(clinic.call("GET", f"{API}/clinicians").response) or []
    assert {"id": staff.id, "full_name": staff.full_name, "specialty": staff.specialty} in listed, (
        f"GET {API}/clinicians does not list the clinician just created")
    expect(clinic.call("GET", f"{API}/admin/staff", token=staff.token), 403, "forbidden",
           f"GET {API}/admin/staff with a clinician's token")
    public = json_of(clinic.call("GET", f"{API}/clinicians/{staff.id}").response)
    assert public == {"id": staff.id, "full_name": staff.full_name,
                      "specialty": staff.specialty}, (
        f"GET {API}/clinicians/{{id}} answered {public!r}; the clinician as patients see them "
        "was expected")
    patient = json_of(clinic.call("POST", f"{API}/patients", json={
        "full_name": f"Patient {token()}", "email": f"{token()}@example.org",
        "date_of_birth": "1979-11-30"}).response)
    day = datetime(2031, 1, 6, 9, 0) + timedelta(days=secrets.randbelow(9000))
    booked = json_of(clinic.call("POST", f"{API}/appointments", json={
        "patient_id": patient["id"], "clinician_id": staff.id, "starts_at": day.isoformat(),
        "ends_at": (day + timedelta(minutes=30)).isoformat()}).response)
    schedule = json_of(clinic.call("GET", f"{API}/staff/me/appointments",
                                   token=staff.token).response)
    assert schedule == [booked], (
        f"GET {API}/staff/me/appointments answered {schedule!r}; the one booking of the "
        "signed-in clinician was expected")
    expect(clinic.call("GET", f"{API}/admin/staff/{staff.id + 10**9}", token=admin), 404,
           "clinician_not_found", f"GET {API}/admin/staff/{{id}} for nobody")
    expect(clinic.call("POST", f"{API}/admin/staff/{clinic.admin.id}/deactivate",
                       token=admin), 409, "cannot_deactivate_yourself",
           f"POST {API}/admin/staff/{{id}}/deactivate for the admin's own account")

    # An admin made later (a larger id) deactivates an older account; whoever signs in with
    # the email that sorts first still signs in as themselves.
    second = Staff.of_this_run("admin")
    second.email = f"aa-{token()}@staff.example"
    made = clinic.call("POST", f"{API}/admin/staff", token=admin, json=second.created())
    assert made.status == 201, f"POST {API}/admin/staff (an admin) answered {shown(made.response)}"
    clinic.sign_in(second)
    mark = clinic.notifier.mark()
    done = clinic.call("POST", f"{API}/admin/staff/{staff.id}/deactivate", token=second.token)
    assert done.status == 200 and (json_of(done.response) or {}).get("is_active") is False, (
        f"POST {API}/admin/staff/{{id}}/deactivate answered {shown(done.response)}")
    assert staff.email in [m.to for m in clinic.notifier.since(mark)], (
        "a deactivated clinician was not told")
    expect(clinic.call("GET", f"{API}/staff/me", token=staff.token), 401, "not_authenticated",
           f"GET {API}/staff/me with the token of a clinician deactivated since")
    expect(clinic.login(staff.email, staff.password), 401, "not_authenticated",
           f"POST {API}/auth/token for a deactivated account")


def test_patient_side_keeps_its_answers(clinic: Clinic) -> None:
    request = {"full_name": f"Ada {token()}", "email": f"{token()}@example.org",
               "date_of_birth": "1990-04-02"}
    made = clinic.call("POST", f"{API}/patients", json=request)
    patient = json_of(made.response) or {}
    assert made.status == 201 and all(patient.get(k) == v for k, v in request.items()), (
        f"POST {API}/patients answered {shown(made.response)}; 201 with the patient")
    for url, headers in ((f"{API}/patients/{patient['id']}", {}),
                         (f"{API}/patients/me", {"X-Patient-Id": str(patient["id"])})):
        read = clinic.call("GET", url, headers=headers)
        assert json_of(read.response) == patient, f"GET {url} answered {shown(read.response)}"
    earlier = clinic.add_staff(signed_in=False)  # registered before the clinician books
    clinician = clinic.add_staff(signed_in=False)
    day = datetime(2031, 1, 6, 9, 0) + timedelta(days=secrets.randbelow(9000))
    slot = {"patient_id": patient["id"], "clinician_id": clinician.id,
            "starts_at": day.isoformat(), "ends_at": (day + timedelta(minutes=30)).isoformat(),
            "reason": f"review {token()}"}
    booked = clinic.call("POST", f"{API}/appointments", json=slot)
    assert booked.status == 201, f"POST {API}/appointments answered {shown(booked.response)}"
    made = [json_of(booked.response)]
    for what, start, end, clash in (("starts inside it", 15, 45, True),
                                    ("encloses it", -10, 40, True),
                                    ("lies inside it", 10, 20, True),
                                    ("ends as it starts", -30, 0, False),
                                    ("ends well before it starts", -50, -35, False),
                                    ("starts as it ends", 30, 60, False)):
        near = {**slot, "starts_at": (day + timedelta(minutes=start)).isoformat(),
                "ends_at": (day + timedelta(minutes=end)).isoformat()}
        answer = clinic.call("POST", f"{API}/appointments", json=near)
        if clash:
            expect(answer, 409, "slot_taken", f"POST {API}/appointments for a slot that {what}")
        else:
            assert answer.status == 201, (
                f"POST {API}/appointments for a slot that {what} answered "
                f"{shown(answer.response)}; back-to-back slots were expected to be free")
            made.append(json_of(answer.response))
    later = clinic.add_staff(signed_in=False)
    for other, when in ((earlier, "before"), (later, "after")):
        elsewhere = clinic.call("POST", f"{API}/appointments",
                                json={**slot, "clinician_id": other.id})
        assert elsewhere.status == 201, (
            f"POST {API}/appointments for the same slot with a clinician registered {when} "
            f"answered {shown(elsewhere.response)}; another clinician's slot was expected free")
        made.append(json_of(elsewhere.response))
    expect(clinic.call("POST", f"{API}/appointments", json={**slot, "clinician_id": 10**9}),
           404, "clinician_not_found", f"POST {API}/appointments for nobody")
    newer = json_of(clinic.call("POST", f"{API}/patients", json={**request,
                                "email": f"{token()}@example.org"}).response)
    theirs = clinic.call("POST", f"{API}/appointments", json={
        **slot, "patient_id": newer["id"], "starts_at": (day + timedelta(hours=2)).isoformat(),
        "ends_at": (day + timedelta(hours=3)).isoformat()})
    made.append(json_of(theirs.response))
    for owner, key, owner_id in (("patients", "patient_id", patient["id"]),
                                 ("clinicians", "clinician_id", clinician.id)):
        own = sorted((item for item in made if item[key] == owner_id),
                     key=lambda item: item["starts_at"])
        listed = json_of(clinic.call("GET", f"{API}/{owner}/{owner_id}/appointments").response)
        assert listed == own, (
            f"GET {API}/{owner}/{{id}}/appointments answered {len(listed or [])} booking(s); "
            f"expected only its own {len(own)}, once a patient and a clinician made later had "
            "booked too")
    nameless = clinic.call("POST", f"{API}/patients", json={"email": "x@example.org"})
    expect(nameless, 422, "validation_error", f"POST {API}/patients without a name")
    said = str((json_of(nameless.response) or {}).get("error", {}).get("message"))
    assert "full_name" in said, (
        f"POST {API}/patients without a name answered the message {said!r}; it should say what "
        "is wrong")
    expect(clinic.call("GET", f"{API}/nowhere-{token()}"), 404, "not_found", "an unknown URL")
