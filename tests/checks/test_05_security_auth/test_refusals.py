"""Refused callers: one 401 for every token that signs nobody in, whatever the reason, and 403
for a caller who is signed in but may not do it, on every route of each side (from the lab's
own /openapi.json)."""

from __future__ import annotations

import time
from typing import Any

from harness.openapi import Operation, example

from .clinic import API, Clinic, Patient, failed, fastest_seconds, shown, unverified_claims
from .forging import signed

ME = f"{API}/patients/me"
TELLING_SECONDS = 0.025  # what an attacker tells apart over a network: far more than jitter
STAFF_ME = f"{API}/staff/me"


def refusal(answer: Any) -> tuple[int, str, str, str]:
    return (answer.status_code, answer.headers.get("www-authenticate", ""),
            answer.headers.get("content-type", ""), answer.text)


def closed_record(clinic: Clinic) -> Patient:
    """A patient who signed in, then closed their record."""
    patient = clinic.register()
    answer = clinic.call("DELETE", f"{API}/patients/{patient.id}", token=patient.token)
    if answer.status_code not in (200, 204):
        failed(f"DELETE {API}/patients/{patient.id} by that patient answered {shown(answer)}; "
               "closing one's own record was expected to work (204)")
    return patient


def same_401(clinic: Clinic, url: str, tries: list[tuple[str, str | None]],
             maybe: list[tuple[str, str]] = ()) -> None:
    """Each of `tries` answers what no token at all answers: 401, `WWW-Authenticate: Bearer`,
    the same body; so does each of `maybe` that is refused (the forgery check sees the others)."""
    anonymous = clinic.call("GET", url)
    if anonymous.status_code != 401 \
            or not anonymous.headers.get("www-authenticate", "").lower().startswith("bearer"):
        failed(f"GET {url} without a token answered {shown(anonymous)} "
               f"(WWW-Authenticate: {anonymous.headers.get('www-authenticate')!r}); 401 with "
               "WWW-Authenticate: Bearer was expected")
    for what, token in [*tries, *maybe]:
        answer = clinic.call("GET", url, token=token or "")
        if (what, token) in maybe and answer.status_code != 401:
            continue
        if refusal(answer) != refusal(anonymous):
            failed(f"GET {url} with {what} answered {shown(answer)} (WWW-Authenticate: "
                   f"{answer.headers.get('www-authenticate')!r}); without a token it answers "
                   f"{shown(anonymous)}: every refused caller was to get the same 401, so that "
                   "nothing tells the reasons apart")


def test_every_refused_token_answers_the_same_401(clinic: Clinic) -> None:
    gone = closed_record(clinic)
    alive = clinic.register()
    claims = unverified_claims(alive.token) or {}
    now = int(time.time())
    garbage = "not-a-token-" + alive.token[-12:]
    same_401(clinic, ME,
             [("a bearer value that is not a JWT", garbage),
              (f"the access token of {gone}, whose record is closed", gone.token)],
             maybe=[("a token signed with another key", signed(claims, "k" * 40)),
                    ("an expired token", signed({**claims, "exp": now - 3600}, clinic.key))])
    clinician = clinic.add_staff()
    clinic.deactivate(clinician)
    same_401(clinic, STAFF_ME, [("a bearer value that is not a JWT", garbage),
                                ("the token of a clinician deactivated since", clinician.token)])
    # The time, by much: a closed record is looked up in the database and a bad signature is
    # not, which every lab pays; an order of magnitude and tens of milliseconds more (a
    # password hash, a sleep on one of the two ways) tells the reasons apart. The fastest of
    # nine: a busy machine only ever adds time, and to a database lookup most.
    bad_signature = signed(claims, "k" * 40)
    looked_up, refused = fastest_seconds(lambda: clinic.call("GET", ME, token=gone.token),
                                         lambda: clinic.call("GET", ME, token=bad_signature), 9)
    slower, faster = max(looked_up, refused), min(looked_up, refused)
    if slower > 10 * faster and slower - faster > TELLING_SECONDS:
        failed(f"GET {ME} with the token of a closed record took {looked_up * 1000:.1f} ms "
               f"(fastest of 9), with a token signed with another key {refused * 1000:.1f} ms; "
               "the time was not to tell the reasons apart by much")


def patient_side(op: Operation) -> bool:
    return (op.path.startswith(f"{API}/patients/") or op.path.startswith(f"{API}/appointments")) \
        and not (op.method == "POST" and op.path == f"{API}/patients")


def request_of(clinic: Clinic, op: Operation, ids: dict[str, int]) -> tuple[str, Any]:
    values = {name: ids.get(name, 1) for name in op.path_params}
    return op.url(**values), example(op.body, clinic.spec(), {"patient_id": ids["patient_id"]}) \
        if op.body is not None else None


def test_signed_in_but_not_allowed_answers_403(clinic: Clinic) -> None:
    patient = clinic.register()
    clinician = clinic.add_staff()
    ids = {"patient_id": patient.id, "staff_id": clinician.id, "appointment_id": 1,
           "clinician_id": clinician.id}
    sides = [
        ("an admin route", lambda op: op.path.startswith(f"{API}/admin"),
         [("a clinician's token", clinician.token), (str(patient) + "'s token", patient.token)]),
        ("a staff route", lambda op: op.path.startswith(f"{API}/staff"),
         [(str(patient) + "'s token", patient.token)]),
        ("a patient's route", patient_side, [("a clinician's token", clinician.token)]),
    ]
    for side, belongs, callers in sides:
        found = [op for op in clinic.operations() if belongs(op)]
        if not found:
            failed(f"/openapi.json lists no {side}; the brief's routes were expected there")
        # Reading first: a wrong answer to a change would change something.
        for op in sorted(found, key=lambda op: op.method != "GET"):
            url, body = request_of(clinic, op, ids)
            anonymous = clinic.call(op.method, url, json=body)
            if anonymous.status_code != 401:
                failed(f"{op.method} {url} ({side}) without a token answered {shown(anonymous)}; "
                       "401 was expected")
            for who, token in callers:
                answer = clinic.call(op.method, url, json=body, token=token)
                if answer.status_code != 403:
                    failed(f"{op.method} {url} ({side}) with {who} answered {shown(answer)}; a "
                           "caller who is signed in but may not do this gets 403")
