"""Nothing internal leaves: no password or password hash in any answer of any operation, and the
internal notes only on the staff side, to staff. The operations come from the lab's own
/openapi.json; the secrets are this run's (a password, notes), and the hashes are read from the
database itself, whatever the lab made of the password. The answers are a real uvicorn's, as a
client of the service gets them."""

from __future__ import annotations

import secrets

from .clinic import API, Clinic, failed, hexed
from .sweep import Answer, declared_answers, pieces, plant, sweep

STAFF_SIDE = f"{API}/staff"


def first_leak(answers: list[Answer], secrets_: list[str]) -> tuple[Answer, str] | None:
    for answer in answers:
        for secret in secrets_:
            if answer.holds(secret):
                return answer, secret
    return None


def test_no_answer_shows_a_password_hash(served_clinic: Clinic) -> None:
    clinic = served_clinic
    spec = clinic.spec()
    for operation in clinic.operations():
        declared = {name for name in declared_answers(operation, spec)
                    if "password" in name.lower() or "hash" in name.lower()}
        if declared:
            failed(f"/openapi.json declares {', '.join(sorted(declared))} in what {operation} "
                   "answers; no answer was to carry a password or its hash")
    password = f"pw-{secrets.token_urlsafe(14)}"
    planted = plant(clinic, password, f"notes {hexed(6)}")
    answers = sweep(clinic, planted)
    hashes = [piece for stored in clinic.password_hashes() for piece in pieces(stored)]
    leak = first_leak(answers, [password])
    if leak:
        failed(f"{leak[0]} with the patient's password in it; no answer was to show a "
               "password" + clinic.reproduce("GET", f"{API}/patients/1",
                                             note="after registering patient 1"))
    leak = first_leak(answers, hashes)
    if leak:
        answer, piece = leak
        whole = "its password hash" if piece in clinic.password_hashes() else "part of a hash"
        failed(f"{answer} with {whole} in it ({piece[:12]}...); no answer of any operation, "
               "list, nested record or error was to show a password hash"
               + clinic.reproduce("GET", f"{API}/patients/1", note="after registering patient 1"))


def test_internal_notes_stay_on_the_staff_side(served_clinic: Clinic) -> None:
    clinic = served_clinic
    spec = clinic.spec()
    for operation in clinic.operations():
        if operation.path.startswith(STAFF_SIDE):
            continue
        if any("internal" in name or "notes" in name
               for name in declared_answers(operation, spec)):
            failed(f"/openapi.json declares internal notes in what {operation} answers; only "
                   f"the staff side ({STAFF_SIDE}/...) was to show them")
    notes = f"Internal {hexed(4)}: anxious about needles, {hexed(6)}"
    planted = plant(clinic, f"pw-{secrets.token_urlsafe(12)}", notes)
    for answer in sweep(clinic, planted):
        staff_side = answer.operation.path.startswith(STAFF_SIDE) and answer.signed_in
        if not staff_side and answer.holds(notes):
            where = ("outside the staff side" if not answer.operation.path.startswith(STAFF_SIDE)
                     else "without a staff token")
            failed(f"{answer} {where}, with the clinicians' internal notes in it; patients were "
                   "never to see them" + clinic.reproduce(
                       "GET", f"{API}/patients/1",
                       note="after a clinician wrote notes on patient 1"))
