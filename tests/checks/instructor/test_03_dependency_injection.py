"""Lab 03 · The staff side lets anyone in: the instructor-only check (see instructor/__init__.py).

The learner-side checks fail the notifier for three requests in a row, and break one read-back
of one appointment. Here the grading run makes up a clinic's afternoon: staff accounts and
appointments, then a random sequence of admin changes and appointment changes, each with a
fault of its own or none, chosen when the room is graded (the notifier refusing, or the
database breaking the read-back after the write). The clinic must end exactly as the requests
that succeeded left it, and each request must have worked in one session and committed at
most once. The app is a real uvicorn of the lab's, behind the learner-side package's probe.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_03_dependency_injection import serving, startup
from test_03_dependency_injection.clinic import (
    API,
    Clinic,
    Http,
    Staff,
    error_code,
    failed,
    json_of,
    rows_holding,
    shown,
    token,
)
from test_03_dependency_injection.notifier import NotifierStandIn
from test_03_dependency_injection.probe import __name__ as PROBE
from test_03_dependency_injection.test_transactions import booking, read_back_fails

from harness.labs import Lab


@pytest.fixture(scope="module")
def clinic(lab: Lab, scratch: Path) -> Iterator[Clinic]:
    notifier = NotifierStandIn()
    db = scratch / "afternoon.db"
    settings = {"CLINIC_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
                "CLINIC_NOTIFIER_URL": notifier.url, "CLINIC_NOTIFIER_TIMEOUT": "5",
                "CLINIC_ENVIRONMENT": "development",
                "CLINIC_TOKEN_SECRET": secrets.token_urlsafe(24),
                "CLINIC_TOKEN_TTL_MINUTES": str(30 + secrets.randbelow(90))}
    admin = Staff.of_this_run("admin")
    server = None
    try:
        with startup.no_clinic_settings():
            job = serving.start_create_admin(lab, scratch, settings, admin)
            serving.finish_job(job, "the lab's job `python -m app.cli create-admin ...`")
            server = startup.uvicorn_in(scratch / "afternoon", lab, settings,
                                        app=f"{PROBE}:lab_app", first=True)
        notifier.start()
        if not server.listening():
            failed(f"the API would not start: {server.tail()}")
        client = Http(server)
        try:
            found = Clinic(client, lab, db, notifier, admin, settings,
                           int(settings["CLINIC_TOKEN_TTL_MINUTES"]))
            found.sign_in(admin)
            yield found
        finally:
            client.close()
    finally:
        if server is not None and server.process is not None:
            server.process.kill()
            server.stop()
        notifier.stop()


@dataclass
class Step:
    what: str
    method: str
    url: str
    body: dict[str, Any] | None
    fault: str  # "", "notifier", "read-back"
    holding: str = ""  # what the row holds before, for the read-back fault


KINDS = {"create": "notifier", "rename": "notifier", "email": "notifier",
         "deactivate": "notifier", "reason": "read-back", "cancel": "read-back"}


def afternoon(staff: list[Staff], appointments: list[dict[str, Any]],
              random: secrets.SystemRandom) -> list[Step]:
    """Every kind of change with its fault and without, a few more at random, shuffled."""
    plan = [(kind, fault) for kind, fault in KINDS.items() for fault in ("", fault)]
    plan += [(kind, random.choice(("", KINDS[kind])))
             for kind in random.choices(list(KINDS), k=random.randint(0, 4))]
    random.shuffle(plan)
    steps = []
    for kind, fault in plan:
        if kind == "create":
            newcomer = Staff.of_this_run()
            steps.append(Step(f"creating {newcomer.email}", "POST", f"{API}/admin/staff",
                              newcomer.created(), fault))
        elif kind in ("reason", "cancel"):
            appointment = random.choice(appointments)
            url = f"{API}/appointments/{appointment['id']}"
            body = {"reason": f"r {token()}"} if kind == "reason" else None
            steps.append(Step("a new reason" if body else "a cancellation", "PATCH" if body
                              else "POST", url if body else f"{url}/cancel", body, fault,
                              appointment["reason"]))
        else:
            member = random.choice(staff)
            url = f"{API}/admin/staff/{member.id}"
            body = {"rename": {"full_name": f"Dr {token()} {token()}"},
                    "email": {"email": f"moved-{token()}@staff-{token()}.example"}}.get(kind)
            steps.append(Step(f"{kind} of account {member.id}", "PATCH" if body else "POST",
                              url if body else f"{url}/deactivate", body, fault))
    return steps


def _inactive_already(step: Step, listed: object) -> bool:
    if not step.url.endswith("/deactivate") or not isinstance(listed, list):
        return False
    account = int(step.url.removesuffix("/deactivate").rpartition("/")[2])
    return any(isinstance(member, dict) and member.get("id") == account
               and member.get("is_active") is False for member in listed)


def test_half_done_requests_never_stick(clinic: Clinic) -> None:
    random = secrets.SystemRandom()
    staff = [clinic.add_staff(signed_in=False) for _ in range(random.randint(2, 3))]
    appointments = []
    for _ in range(random.randint(2, 3)):
        made = clinic.call("POST", f"{API}/appointments", json=booking(clinic))
        assert made.status == 201, f"POST {API}/appointments answered {shown(made.response)}"
        appointments.append(json_of(made.response))
    for step in afternoon(staff, appointments, random):
        snapshot = json_of(clinic.call("GET", f"{API}/admin/staff",
                                       token=clinic.admin.token).response)
        rows_before = [rows_holding(clinic.db, text) for text in _texts(step)]
        if step.fault == "notifier":
            with clinic.notifier_failing():
                done = clinic.call(step.method, step.url, token=clinic.admin.token,
                                   json=step.body, tally=True)
        elif step.fault == "read-back":
            with read_back_fails(clinic.db, _current(clinic, step)):
                done = clinic.call(step.method, step.url, json=step.body, tally=True)
        else:
            done = clinic.call(step.method, step.url, token=clinic.admin.token,
                               json=step.body, tally=True)
        said = f"{step.method} {step.url} ({step.what}{', ' + step.fault + ' failing' if step.fault else ''})"
        assert done.tally.get("sessions", 0) <= 1, (
            f"{said} began {done.tally['sessions']} database sessions in one request")
        if done.status >= 400:
            after = json_of(clinic.call("GET", f"{API}/admin/staff",
                                        token=clinic.admin.token).response)
            rows_after = [rows_holding(clinic.db, text) for text in _texts(step)]
            assert after == snapshot and rows_after == rows_before and \
                done.tally.get("write_commits", 0) == 0, (
                f"{said} answered {done.status} ({error_code(done.response)}), yet the clinic "
                "changed: a request that fails must leave nothing of itself behind")
        else:
            # Deactivating an account that is inactive already may change nothing at all.
            expected = (0, 1) if _inactive_already(step, snapshot) else (1,)
            assert done.tally.get("write_commits") in expected, (
                f"{said} answered {done.status} and committed its writes "
                f"{done.tally.get('write_commits')} times; once was expected")
        if step.fault == "notifier":
            assert done.status == 502 and error_code(done.response) == "notification_failed", (
                f"{said} answered {shown(done.response)}; 502 notification_failed was expected")


def _texts(step: Step) -> list[str]:
    """What only this step would write: the values of its body."""
    return [str(value) for value in (step.body or {}).values() if isinstance(value, str)]


def _current(clinic: Clinic, step: Step) -> str:
    """What the appointment holds now, to find its table by (its reason)."""
    stored = json_of(clinic.call("GET", step.url.removesuffix("/cancel")).response)
    return str((stored or {}).get("reason") or step.holding)
