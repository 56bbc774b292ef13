"""Status codes say what happened: every create of the document (a POST on a collection whose
records a GET answers at `{collection}/{id}`) answers 201 with a Location a GET answers; closing
a record answers 204 with no body, and it is gone, with its appointments."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from harness.openapi import Operation

from .clinic import API, Clinic, Staff, failed, hexed, json_of, patient_data, shown


def creates(clinic: Clinic) -> list[tuple[Operation, Operation]]:
    found = clinic.operations()
    pairs = []
    for post in found:
        if post.method != "POST" or post.body is None or post.path_params:
            continue
        read = next((op for op in found if op.method == "GET" and len(op.path_params) == 1
                     and op.path == f"{post.path}/{{{op.path_params[0]}}}"), None)
        if read is not None:
            pairs.append((post, read))
    if not pairs:
        failed("/openapi.json lists no create (a POST on a collection, its records at "
               "{collection}/{id}); the brief's were expected")
    return pairs


def body_for(clinic: Clinic, path: str) -> dict[str, Any]:
    if "appointment" in path:
        _, patient_id = clinic.register()
        starts, ends = clinic.days.slot()
        return {"patient_id": patient_id, "clinician_id": clinic.admin.id,
                "starts_at": starts, "ends_at": ends, "reason": f"check-up {hexed()}"}
    if "patient" in path:
        return patient_data()
    return Staff.of_this_run().created()


def reproduce_create(clinic: Clinic, post: Operation) -> str:
    if post.path == f"{API}/patients":
        return clinic.reproduce("POST", post.path, {
            "full_name": "Ben Adu", "email": "ben@example.org", "date_of_birth": "1990-04-02",
            "password": "portal-pw-1"})
    if post.path == f"{API}/appointments":
        return clinic.reproduce("POST", post.path, {
            "patient_id": 1, "clinician_id": 1, "starts_at": "2031-05-06T09:00",
            "ends_at": "2031-05-06T09:30"}, note="after the brief's first steps")
    return ""


def test_creates_answer_201_with_location(clinic: Clinic) -> None:
    for post, read in creates(clinic):
        answer = clinic.call("POST", post.path, json=body_for(clinic, post.path),
                             token=clinic.admin.token)
        body = json_of(answer)
        location = answer.headers.get("location")
        if answer.status_code != 201 or not location:
            failed(f"POST {post.path} answered {answer.status_code} with "
                   f"{'Location ' + repr(location) if location else 'no Location'}; 201 with "
                   "the new record's URL in Location was expected" + reproduce_create(clinic, post))
        path = urlsplit(location).path
        if not read.matches("GET", path):
            failed(f"POST {post.path} answered Location {location!r}, which is not the URL of a "
                   f"record ({read.path})")
        fetched = clinic.call("GET", path, token=clinic.admin.token)
        new_id = body.get("id") if isinstance(body, dict) else None
        if fetched.status_code != 200 or (json_of(fetched) or {}).get("id") != new_id:
            failed(f"POST {post.path} answered Location {location!r}; GET there answered "
                   f"{shown(fetched)}, the new record (id {new_id}) was expected")
        created = post.responses.get("201", {})
        if "location" not in {name.lower() for name in created.get("headers", {})}:
            failed(f"/openapi.json does not document a 201 with a Location header for {post}; "
                   "/docs was to show what a create answers")


def test_closing_a_record_answers_204_empty(clinic: Clinic) -> None:
    deletes = [op for op in clinic.operations() if op.method == "DELETE"]
    if not any("patient" in name for op in deletes for name in op.path_params):
        failed(f"/openapi.json lists no DELETE {API}/patients/{{id}}; the brief's was expected")
    for operation in deletes:
        if not operation.path_params or "patient" not in operation.path_params[0]:
            continue
        _, before = clinic.register()
        kept_before = clinic.book(before)
        _, patient_id = clinic.register()
        appointment = clinic.book(patient_id)
        _, after = clinic.register()
        kept_after = clinic.book(after)
        url = operation.url(**{operation.path_params[0]: patient_id})
        answer = clinic.call("DELETE", url)
        if answer.status_code != 204 or answer.content \
                or answer.headers.get("content-length", "0") != "0":
            failed(f"DELETE {operation.path} answered {answer.status_code} with "
                   f"{len(answer.content)} bytes of body {answer.content[:60]!r}; 204 with no "
                   "body was expected"
                   + clinic.reproduce("DELETE", f"{API}/patients/1",
                                      note="after registering patient 1"))
        for gone in (url, f"{API}/appointments/{appointment['id']}"):
            again = clinic.call("GET", gone)
            if again.status_code != 404:
                failed(f"after DELETE {operation.path} answered 204, GET {gone} answers "
                       f"{shown(again)}; the patient and their appointments were to be gone (404)")
        for kept in (kept_before, kept_after):
            still = clinic.call("GET", f"{API}/appointments/{kept['id']}")
            if still.status_code != 200:
                failed(f"after DELETE {operation.path} closed one patient's record, another "
                       f"patient's appointment answers {shown(still)}; it was to stay")
        if clinic.row("patients", patient_id) is not None:
            failed(f"after DELETE {operation.path} answered 204, the patient is still in the "
                   "database")
        twice = clinic.call("DELETE", url)
        if twice.status_code != 404:
            failed(f"DELETE {operation.path} for a record closed already answered {shown(twice)}; "
                   "404 in the error envelope was expected")
        if not operation.documents(204) or any(
                operation.documents(status) for status in (200, 202)):
            failed(f"/openapi.json documents {', '.join(sorted(operation.responses))} for "
                   f"{operation}; /docs was to show its 204")
