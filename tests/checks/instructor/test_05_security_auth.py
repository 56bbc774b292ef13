"""Lab 05 · Anyone can be anyone: the instructor-only check (see instructor/__init__.py).

The learner-side forgery check forges one patient's claims and asks GET /api/v1/patients/me.
Here the grading run makes up a clinic of its own (its own key, admin and accounts) and forges
the staff side: a clinician's token edited to say admin, the admin's own claims with no
signature, under a guessed key, re-signed past their expiry or for another audience, each tried
on the admins' routes and a patient's appointment. A fix written to the learner-side forgeries
(one route, the patients' tokens only) fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_05_security_auth.clinic import (
    API,
    Clinic,
    Notifier,
    Staff,
    failed,
    open_clinic,
    portal_origin,
    settings_for,
    shown,
    start_create_admin,
    unverified_claims,
)
from test_05_security_auth.forging import forgeries, with_payload_of

from harness.labs import Lab

# Sign-ins cost what the lab's password hash costs (test_05_security_auth/conftest.py).
pytestmark = pytest.mark.timeout(30)


@pytest.fixture(scope="module")
def clinic(lab: Lab, scratch: Path) -> Iterator[Clinic]:
    notifier = Notifier()
    admin = Staff.of_this_run("admin")
    settings = settings_for(scratch / "grading.db", notifier.url, portal_origin())
    job = start_create_admin(lab, scratch / "grading-admin", settings, admin)
    try:
        with open_clinic(lab, job, admin, settings, notifier) as found:
            yield found
    finally:
        notifier.stop()


def test_forged_tokens_for_accounts_of_the_grading_run(clinic: Clinic) -> None:
    clinician = clinic.add_staff()
    patient = clinic.register()
    booked = clinic.book(patient)
    admin_claims = unverified_claims(clinic.admin.token) or {}
    mine = unverified_claims(clinician.token) or {}
    promoted = {**mine, "role": "admin"}
    made = [("a clinician's token with its role edited to admin",
             with_payload_of(clinician.token, promoted)),
            *forgeries(admin_claims, clinician.token, mine, clinic.key,
                       clinic.sign_in_staff(clinic.admin).refresh)]
    targets = [("GET", f"{API}/admin/staff"), ("GET", f"{API}/staff/me"),
               ("POST", f"{API}/admin/staff/{clinician.id}/deactivate"),
               ("GET", f"{API}/appointments/{booked['id']}")]
    for what, token in made:
        for method, url in targets:
            answer = clinic.call(method, url, token=token)
            if answer.status_code != 401:
                failed(f"{method} {url} with {what} answered {shown(answer)}; a token the "
                       "clinic did not issue signs nobody in (401)")
