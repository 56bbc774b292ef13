"""The staff side answers patients' records with their notes, as stored: the list, one record,
writing the notes, and the schedule with each appointment's patient."""

from __future__ import annotations

from .clinic import API, Clinic, failed, hexed, json_of, shown, shows_patient


def test_staff_see_patient_records(clinic: Clinic) -> None:
    token = clinic.admin.token
    sent, patient_id = clinic.register()
    notes = f"prefers mornings; {hexed(5)}"
    url = f"{API}/staff/patients/{patient_id}"
    written = clinic.call("PUT", f"{url}/notes", json={"internal_notes": notes}, token=token)
    body = json_of(written)
    if written.status_code != 200 or not shows_patient(body, sent) \
            or body.get("internal_notes") != notes or body.get("id") != patient_id:
        failed(f"PUT {API}/staff/patients/{{id}}/notes (as staff) answered {shown(written)}; the "
               "patient's record with the notes just written was expected"
               + clinic.reproduce("PUT", f"{API}/staff/patients/1/notes",
                                  {"internal_notes": "prefers morning slots"},
                                  note="signed in as staff, with -H 'Authorization: Bearer TOKEN'"))
    stored = clinic.row("patients", patient_id) or {}
    if stored.get("internal_notes") != notes:
        failed(f"PUT {API}/staff/patients/{{id}}/notes answered the notes, and the database "
               f"holds {stored.get('internal_notes')!r} for them; they were to be stored")
    clinic.write_notes(patient_id, notes := f"second opinion {hexed(5)}")
    read = clinic.call("GET", url, token=token)
    body = json_of(read)
    if read.status_code != 200 or not shows_patient(body, sent) \
            or body.get("internal_notes") != notes:
        failed(f"GET {API}/staff/patients/{{id}} (as staff) answered {shown(read)}; the "
               "patient with the notes the record holds was expected")
    listed = clinic.call("GET", f"{API}/staff/patients", token=token)
    found = [item for item in json_of(listed) or [] if isinstance(item, dict)
             and item.get("id") == patient_id] if isinstance(json_of(listed), list) else []
    if listed.status_code != 200 or len(found) != 1 or not shows_patient(found[0], sent) \
            or found[0].get("internal_notes") != notes:
        failed(f"GET {API}/staff/patients (as staff) answered {shown(listed)}; every patient, "
               "with their notes, was expected (this run's patient among them)"
               + clinic.reproduce("GET", f"{API}/staff/patients",
                                  note="signed in as staff, with -H 'Authorization: Bearer TOKEN'"))
    appointment = clinic.book(patient_id)
    schedule = clinic.call("GET", f"{API}/staff/me/appointments", token=token)
    items = json_of(schedule)
    mine = [item for item in items if isinstance(item, dict)
            and item.get("id") == appointment["id"]] if isinstance(items, list) else []
    if schedule.status_code != 200 or len(mine) != 1 \
            or not shows_patient(mine[0].get("patient"), sent) \
            or mine[0]["patient"].get("id") != patient_id:
        failed(f"GET {API}/staff/me/appointments answered {shown(schedule)}; each appointment "
               "with its patient was expected")
    for method, where in (("GET", url), ("GET", f"{API}/staff/patients"),
                          ("PUT", f"{url}/notes")):
        anonymous = clinic.call(method, where, json={"internal_notes": "x"})
        if anonymous.status_code != 401:
            failed(f"{method} {where} with no token answered {shown(anonymous)}; 401 was expected")
