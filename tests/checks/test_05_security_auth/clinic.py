"""The clinic as lab 05's checks drive it: patients and staff of this run, signed in through the
lab's own sign-ins, their tokens, and the database itself."""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from test_04_request_response_modeling.clinic import (
    Days,
    Notifier,
    Staff,
    environment,
    error_of,
    failed,
    finish_job,
    hexed,
    json_of,
    patient_data,
    shown,
    start_create_admin,
)

from harness import asgi, reproduce
from harness.labs import Lab
from harness.openapi import Operation, operations

__all__ = ["API", "Clinic", "Days", "Notifier", "Patient", "Staff", "Tokens", "error_of", "failed",
           "finish_job", "hexed", "json_of", "open_clinic", "settings_for", "shown",
           "start_create_admin"]

API = "/api/v1"
JOB_TIMEOUT = 30


def settings_for(db: Path, notifier_url: str, portal_origin: str) -> dict[str, str]:
    return {"CLINIC_DATABASE_URL": f"sqlite+aiosqlite:///{db}", "CLINIC_NOTIFIER_URL": notifier_url,
            "CLINIC_NOTIFIER_TIMEOUT": "5", "CLINIC_ENVIRONMENT": "development",
            "CLINIC_TOKEN_SECRET": secrets.token_urlsafe(32),
            "CLINIC_ACCESS_TOKEN_MINUTES": str(5 + secrets.randbelow(25)),
            "CLINIC_REFRESH_TOKEN_DAYS": str(3 + secrets.randbelow(20)),
            "CLINIC_CORS_ORIGINS": json.dumps([portal_origin])}


def portal_origin() -> str:
    return f"http://portal-{hexed()}.localhost:{20000 + secrets.randbelow(9000)}"


@dataclass
class Tokens:
    access: str
    refresh: str
    expires_in: int
    answer: dict[str, Any]


@dataclass
class Patient:
    data: dict[str, Any]
    id: int = 0
    tokens: Tokens | None = None

    @property
    def email(self) -> str:
        return str(self.data["email"])

    @property
    def password(self) -> str:
        return str(self.data["password"])

    @property
    def token(self) -> str:
        assert self.tokens is not None
        return self.tokens.access

    def __str__(self) -> str:
        return f"patient {self.id}"


def unverified_claims(token: str) -> dict[str, Any] | None:
    """A JWT's payload as anyone holding the token reads it; None for anything else."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    with contextlib.suppress(ValueError):
        claims = json.loads(b64decode(parts[1]))
        return claims if isinstance(claims, dict) else None
    return None


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Clinic:
    http: Any  # asgi.InProcessClient, or an httpx2.Client of a real server
    lab: Lab
    db: Path
    admin: Staff
    settings: dict[str, str]
    notifier: Notifier | None = None
    days: Days = field(default_factory=Days)
    _spec: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.settings["CLINIC_TOKEN_SECRET"]

    # --- requests -------------------------------------------------------------------------
    def call(self, method: str, url: str, *, json: Any = None, token: str = "",
             headers: dict[str, str] | None = None) -> Any:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        try:
            return self.http.request(method, url, json=json, headers=sent)
        except Exception as exc:  # the lab's app raised past every handler
            failed(f"{method} {url} raised {type(exc).__name__} instead of answering")
            raise

    @contextlib.contextmanager
    def answered_by(self, base_url: str) -> Iterator[None]:
        """Every request of the block goes to the lab served at `base_url` instead."""
        import httpx2

        in_process, self._spec = self.http, {}
        try:
            with httpx2.Client(base_url=base_url, timeout=JOB_TIMEOUT) as self.http:
                yield
        finally:
            self.http, self._spec = in_process, {}

    def spec(self) -> dict[str, Any]:
        if not self._spec:
            answer = self.call("GET", "/openapi.json")
            if answer.status_code != 200:
                failed(f"GET /openapi.json answered {shown(answer)}; the API's document was "
                       "expected")
            self._spec = answer.json()
        return self._spec

    def operations(self) -> list[Operation]:
        return [op for op in operations(self.spec()) if op.path.startswith(API)]

    def reproduce(self, method: str, path: str, body: Any = None, note: str = "",
                  token: str = "") -> str:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        return reproduce.request(self.lab, method, path, headers=headers, body=body, note=note)

    # --- accounts ----------------------------------------------------------------------------
    def register(self, **overrides: Any) -> Patient:
        """A patient of this run, registered and signed in."""
        patient = Patient(patient_data(**overrides))
        answer = self.call("POST", f"{API}/patients", json=patient.data)
        body = json_of(answer)
        if answer.status_code not in (200, 201) or not isinstance(body, dict) \
                or not isinstance(body.get("id"), int):
            failed(f"POST {API}/patients with a valid registration answered {shown(answer)}; "
                   "the new patient was expected")
        patient.id = body["id"]
        patient.tokens = self.sign_in(f"{API}/auth/patients/token", patient.email,
                                      patient.password, str(patient))
        return patient

    def sign_in(self, url: str, email: str, password: str, who: str) -> Tokens:
        answer = self.call("POST", url, json={"email": email, "password": password})
        body = json_of(answer)
        if answer.status_code != 200 or not isinstance(body, dict) \
                or not isinstance(body.get("access_token"), str) \
                or not isinstance(body.get("refresh_token"), str):
            failed(f"POST {url} for {who}, with the right password, answered {shown(answer)}; "
                   "an access token and a refresh token were expected")
        return Tokens(body["access_token"], body["refresh_token"],
                      int(body.get("expires_in") or 0), body)

    def sign_in_staff(self, staff: Staff) -> Tokens:
        tokens = self.sign_in(f"{API}/auth/token", staff.email, staff.password,
                              f"{staff.role} {staff.email}")
        staff.token = tokens.access
        if not staff.id:
            me = json_of(self.call("GET", f"{API}/staff/me", token=staff.token))
            if isinstance(me, dict) and isinstance(me.get("id"), int):
                staff.id = me["id"]
        return tokens

    def add_staff(self, role: str = "clinician") -> Staff:
        staff = Staff.of_this_run(role)
        answer = self.call("POST", f"{API}/admin/staff", token=self.admin.token,
                           json=staff.created())
        body = json_of(answer)
        if answer.status_code != 201 or not isinstance(body, dict) or "id" not in body:
            failed(f"POST {API}/admin/staff (as an admin) answered {shown(answer)}; the new "
                   "account was expected (201)")
        staff.id = int(body["id"])
        self.sign_in_staff(staff)
        return staff

    def deactivate(self, staff: Staff) -> None:
        answer = self.call("POST", f"{API}/admin/staff/{staff.id}/deactivate",
                           token=self.admin.token)
        if answer.status_code != 200:
            failed(f"POST {API}/admin/staff/{staff.id}/deactivate (as an admin) answered "
                   f"{shown(answer)}; the account was to be deactivated")

    def book(self, patient: Patient, reason: str = "") -> dict[str, Any]:
        """An appointment the patient books for themself (naming themself, as the brief's
        booking does)."""
        starts, ends = self.days.slot()
        sent = {"patient_id": patient.id, "clinician_id": self.admin.id, "starts_at": starts,
                "ends_at": ends, "reason": reason or f"visit {hexed()}"}
        answer = self.call("POST", f"{API}/appointments", json=sent, token=patient.token)
        body = json_of(answer)
        if answer.status_code not in (200, 201) or not isinstance(body, dict) \
                or not isinstance(body.get("id"), int):
            failed(f"POST {API}/appointments as {patient}, for a free slot within opening "
                   f"hours, answered {shown(answer)}; the new appointment was expected")
        return body

    def refresh(self, token: str) -> Any:
        return self.call("POST", f"{API}/auth/refresh", json={"refresh_token": token})

    # --- the database itself ---------------------------------------------------------------
    def rows(self, query: str, *args: Any) -> list[dict[str, Any]]:
        with contextlib.closing(sqlite3.connect(self.db, timeout=5)) as connection:
            connection.row_factory = sqlite3.Row
            return [dict(row) for row in connection.execute(query, args)]

    def password_hashes(self, table: str, email: str) -> list[str]:
        """What the columns that hold a password hash hold for the account with this email."""
        with contextlib.closing(sqlite3.connect(self.db, timeout=5)) as connection:
            columns = [c[1] for c in connection.execute(f'PRAGMA table_info("{table}")')
                       if "password" in c[1] or "hash" in c[1]]
            found = []
            for column in columns:
                found += [str(value) for (value,) in connection.execute(
                    f'SELECT "{column}" FROM "{table}" WHERE email = ?', [email]) if value]
            return found


def timed_in_turns(first: Any, second: Any, times: int) -> tuple[list[float], list[float]]:
    """Each call's times, sorted, taken in turns: a moment the machine is busy slows both
    alike, not a run of one of them."""
    spent: tuple[list[float], list[float]] = ([], [])
    for _ in range(times):
        for call, into in ((first, spent[0]), (second, spent[1])):
            started = time.perf_counter()
            call()
            into.append(time.perf_counter() - started)
    return sorted(spent[0]), sorted(spent[1])


def median_seconds(first: Any, second: Any, times: int) -> tuple[float, float]:
    spent = timed_in_turns(first, second, times)
    return spent[0][times // 2], spent[1][times // 2]


def fastest_seconds(first: Any, second: Any, times: int) -> tuple[float, float]:
    spent = timed_in_turns(first, second, times)
    return spent[0][0], spent[1][0]


@contextlib.contextmanager
def open_clinic(lab: Lab, admin_job: Any, admin: Staff, settings: dict[str, str],
                notifier: Notifier) -> Iterator[Clinic]:
    """The lab's app in this process, on the database its job made the first admin in."""
    finish_job(admin_job)
    notifier.start()
    with environment(settings):
        app = lab.asgi_app("app.main:app")
        try:
            client = asgi.InProcessClient(app)
            client.__enter__()
        except Exception as exc:
            pytest.fail(f"the app did not start: {type(exc).__name__}: {str(exc)[:200]}",
                        pytrace=False)
        try:
            db = Path(settings["CLINIC_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///"))
            clinic = Clinic(client, lab, db, admin, settings, notifier)
            clinic.sign_in_staff(admin)
            yield clinic
        finally:
            client.__exit__(None, None, None)
