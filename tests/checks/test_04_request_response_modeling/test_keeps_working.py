"""What chapter 03 left working still works (this passes on the starter too): patients register,
read themselves and their bookings; booking refuses nobody with a 404 and takes back-to-back
slots; cancelling answers the appointment as stored, once; the staff side signs in and needs a
token, admins only on admin routes; the contract refuses what the document forbids, in the
envelope, and a method a URL does not take is a 405 naming the methods it takes."""

from __future__ import annotations

from .clinic import API, Clinic, error_of, failed, json_of, shown, shows_patient

MISSING = 2**40 + 11


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
                               ("DELETE", f"{API}/clinicians", {"GET"})):
        answer = clinic.call(method, url)
        allowed = {m.strip() for m in answer.headers.get("allow", "").split(",")} - {"HEAD",
                                                                                    "OPTIONS"}
        if answer.status_code != 405 or allowed != takes:
            failed(f"{method} {url} answered {shown(answer)} with Allow "
                   f"{answer.headers.get('allow')!r}; 405 naming {', '.join(sorted(takes))} "
                   "was expected")
