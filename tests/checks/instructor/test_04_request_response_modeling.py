"""Lab 04 · The patient app sees too much: the instructor-only check (see instructor/__init__.py).

The learner-side checks plant passwords of the shape `pw-<letters>` and notes that read like
"Internal 1a2b: ...", and sweep the operations as one admin. Here the grading run makes up its
own: passwords and notes of any printable text (quotes, backslashes, accents, emoji, several
lines), clinicians of their own with their own tokens, and looks for the secrets in every
answer as they are, JSON-escaped, and in the other spellings a hash takes (upper case, base64).
A fix that scrubs what looks like the learner-side data, or only the one admin's answers, fails
here.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_04_request_response_modeling.clinic import (
    API,
    Clinic,
    Notifier,
    Staff,
    failed,
    open_clinic,
    settings_for,
    start_create_admin,
)
from test_04_request_response_modeling.sweep import pieces, plant, sweep

from harness.labs import Lab

ALPHABET = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            " !#%&()*+,-./:;<=>?@[]^_{|}~\"'\\éüßøçñ你好🙂")


def text_of_this_run(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length)).strip() or "x" * length


@pytest.fixture(scope="module")
def clinic(lab: Lab, scratch: Path) -> Iterator[Clinic]:
    notifier = Notifier()
    admin = Staff.of_this_run("admin")
    admin.password = "Q" + text_of_this_run(20)  # not "-...": argparse would read an option
    settings = settings_for(scratch / "grading.db", notifier.url)
    job = start_create_admin(lab, scratch / "grading-admin", settings, admin)
    try:
        with open_clinic(lab, scratch, job, admin, settings, notifier) as found:
            yield found
    finally:
        notifier.stop()


def spellings(secret: str) -> list[str]:
    found = [secret, secret.upper(), base64.b64encode(secret.encode()).decode()]
    return [s for s in found if len(s) >= 8]


def test_leaks_stay_out_for_data_of_the_grading_run(clinic: Clinic) -> None:
    password = text_of_this_run(24)
    notes = "\n".join(text_of_this_run(30) for _ in range(3))
    planted = plant(clinic, password, notes)
    clinician = clinic.sign_in(clinic.add_staff())
    clinic.book(planted.patient_id, clinician_id=clinician.id)
    answers = sweep(clinic, planted)
    as_clinician = Clinic(clinic.http, clinic.lab, clinic.db, clinician, clinic.notifier,
                          days=clinic.days, ttl_minutes=clinic.ttl_minutes, _spec=clinic._spec)
    answers += sweep(as_clinician, planted, tokens=(True,))
    hashes = [spelled for stored in clinic.password_hashes() for piece in pieces(stored)
              for spelled in spellings(piece)]
    for answer in answers:
        for secret in (password, clinic.admin.password, clinician.password):
            if answer.holds(secret):
                failed(f"{answer} with a password in it; no answer was to show one")
        for piece in hashes:
            if answer.holds(piece):
                failed(f"{answer} with a password hash (or part of it, {piece[:10]}...) in it; no "
                       "answer was to show one")
        staff_side = answer.operation.path.startswith(f"{API}/staff") and answer.signed_in
        if not staff_side and any(answer.holds(line) for line in notes.splitlines()
                                  if len(line) >= 8):
            failed(f"{answer} with the clinicians' internal notes in it; only the staff side, to "
                   "staff, was to show them")
