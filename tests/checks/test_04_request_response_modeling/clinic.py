"""The clinic as the checks drive it: the lab's app in this process (the lab's own process when a
class is graded), its first admin made by the lab's own job, a notifier stand-in, and data made
up for this run: patients, passwords, notes, days and times nobody could guess."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from harness import asgi, reproduce
from harness.forked import start_python
from harness.labs import Lab
from harness.openapi import Operation, operations

API = "/api/v1"
JOB_TIMEOUT = 30
# `python -m app.cli ARGS`, the brief's way to make the first admin.
JOB = """
import runpy, sys
sys.argv = ["app.cli", *sys.argv[1:]]
runpy.run_module("app.cli", run_name="__main__", alter_sys=True)
"""
JOB_PACKAGES = ("pydantic", "pydantic_settings", "sqlalchemy.orm", "sqlalchemy.ext.asyncio",
                "aiosqlite", "httpx2")
SUNDAY = 6


def failed(message: str) -> None:
    pytest.fail(message, pytrace=False)


def hexed(length: int = 3) -> str:
    return secrets.token_hex(length)


def json_of(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def shown(response: Any) -> str:
    kind = response.headers.get("content-type", "no content-type").split(";")[0]
    return f"{response.status_code} ({kind}) {response.text[:200]!r}"


def error_of(response: Any) -> dict[str, Any]:
    """The envelope's `error` ({"code", "message"}), or {} when the answer is not the envelope."""
    body = json_of(response)
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) and isinstance(error.get("code"), str) else {}


def names(response: Any, *fields: str) -> bool:
    """Whether an error answer names one of `fields` anywhere in its envelope."""
    error = error_of(response)
    said = json.dumps(error)
    return bool(error) and any(name in said for name in fields)


def phone_digits() -> str:
    return "+44" + "7" + "".join(secrets.choice("0123456789") for _ in range(9))


def phone_written(digits: str) -> str:
    """The number as people write it: groups with spaces, dots, dashes or brackets between."""
    body = digits[3:]
    style = secrets.randbelow(4)
    if style == 0:
        return f"+44 {body[:4]} {body[4:7]} {body[7:]}"
    if style == 1:
        return f"+44.{body[:4]}.{body[4:]}"
    if style == 2:
        return f"+44-{body[:3]}-{body[3:6]}-{body[6:]}"
    return f"+44 ({body[:4]}) {body[4:7]}-{body[7:]}"


def birthday() -> str:
    return (date(1940, 1, 1) + timedelta(days=secrets.randbelow(365 * 65))).isoformat()


def patient_data(**overrides: Any) -> dict[str, Any]:
    """A registration nobody made before: a phone and SMS reminders turned off (not the
    defaults), and a password of this run."""
    word = hexed()
    data = {"full_name": f"Patient {word.title()} {hexed()}",
            "email": f"p-{word}@mail-{hexed()}.example", "date_of_birth": birthday(),
            "phone": phone_digits(), "sms_reminders": False,
            "password": f"pw-{secrets.token_urlsafe(12)}"}
    return {**data, **overrides}


def shows_patient(answer: Any, sent: dict[str, Any]) -> bool:
    """Whether an answer shows the patient as sent (the phone as `+` and digits)."""
    if not isinstance(answer, dict):
        return False
    expected = {k: v for k, v in sent.items() if k != "password"}
    if isinstance(expected.get("phone"), str):
        expected["phone"] = "+" + "".join(c for c in expected["phone"] if c.isdigit())
    if isinstance(expected.get("email"), str) and isinstance(answer.get("email"), str):
        return all(answer.get(k) == v for k, v in expected.items() if k != "email") \
            and answer["email"].lower() == expected["email"].lower()
    return all(answer.get(k) == v for k, v in expected.items())


@dataclass
class Staff:
    full_name: str
    specialty: str
    email: str
    password: str
    role: str = "clinician"
    id: int = 0
    token: str = ""

    @classmethod
    def of_this_run(cls, role: str = "clinician") -> Staff:
        word = hexed()
        return cls(f"Dr {word.title()} {hexed()}", f"cardiology {hexed()}",
                   f"{role}-{word}@staff-{hexed()}.example", f"pw-{secrets.token_hex(8)}", role)

    def created(self) -> dict[str, str]:
        return {"full_name": self.full_name, "specialty": self.specialty, "email": self.email,
                "password": self.password, "role": self.role}


class Days:
    """Days the clinic is open on (never a Sunday), each handed out once, in a year of this
    run's: two checks never book the same clinician on the same day."""

    def __init__(self) -> None:
        self.next = date(2031 + secrets.randbelow(40), 1, 1) + timedelta(days=secrets.randbelow(300))

    def day(self) -> date:
        while self.next.weekday() == SUNDAY:
            self.next += timedelta(days=1)
        found, self.next = self.next, self.next + timedelta(days=1)
        return found

    def sunday(self) -> date:
        day = self.day()
        return day + timedelta(days=SUNDAY - day.weekday())

    def slot(self, minutes: int = 30) -> tuple[str, str]:
        """A free slot within opening hours, on a day of its own."""
        starts = datetime.combine(self.day(), time(9 + secrets.randbelow(6), 15 * secrets.randbelow(4)))
        return starts.isoformat(), (starts + timedelta(minutes=minutes)).isoformat()


class Notifier:
    """The notification service: queues every message (202) and keeps it, or, while `failing`,
    refuses every one (503)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.failing = False
        messages, notifier = self.messages, self

        class Messages(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if notifier.failing:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with contextlib.suppress(ValueError):
                    messages.append(json.loads(raw))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Messages)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.thread is not None:
            self.server.shutdown()
            self.thread.join(5)
        self.server.server_close()


def settings_for(db: Path, notifier_url: str) -> dict[str, str]:
    return {"CLINIC_DATABASE_URL": f"sqlite+aiosqlite:///{db}", "CLINIC_NOTIFIER_URL": notifier_url,
            "CLINIC_NOTIFIER_TIMEOUT": "5", "CLINIC_ENVIRONMENT": "development",
            "CLINIC_TOKEN_SECRET": secrets.token_urlsafe(24),
            "CLINIC_TOKEN_TTL_MINUTES": str(20 + secrets.randbelow(200))}


def start_create_admin(lab: Lab, folder: Path, settings: dict[str, str], admin: Staff) -> Any:
    """The lab's job, forked now (before any thread runs here) in a folder of the check's: a
    learner's `.env` in the lab folder decides nothing."""
    folder.mkdir(parents=True, exist_ok=True)
    path = os.pathsep.join(filter(None, [str(lab.path), os.environ.get("PYTHONPATH", "")]))
    return start_python(JOB, ["create-admin", "--email", admin.email, "--full-name",
                              admin.full_name, "--password", admin.password],
                        cwd=folder, env={**settings, "PYTHONPATH": path},
                        preload_first=JOB_PACKAGES)


def finish_job(job: Any) -> None:
    import subprocess

    what = "the lab's job `python -m app.cli create-admin ...`"
    try:
        _, errors = job.communicate(timeout=JOB_TIMEOUT)
    except subprocess.TimeoutExpired:
        job.kill()
        failed(f"{what} did not finish within {JOB_TIMEOUT} s")
    if job.returncode != 0:
        said = [line.strip() for line in (errors or "").splitlines() if line.strip()]
        failed(f"{what} exited with code {job.returncode}: "
               f"{' | '.join(said[-3:])[:300] or '(no error output)'}")


@contextlib.contextmanager
def environment(settings: dict[str, str]) -> Iterator[None]:
    """The app in this process reads exactly these settings, and none of this shell's."""
    saved = {name: value for name, value in os.environ.items() if name.startswith("CLINIC_")}
    for name in saved:
        del os.environ[name]
    os.environ.update(settings)
    try:
        yield
    finally:
        for name in settings:
            os.environ.pop(name, None)
        os.environ.update(saved)


@dataclass
class Clinic:
    http: Any  # asgi.InProcessClient, or an httpx2.Client of a real server
    lab: Lab
    db: Path
    admin: Staff
    notifier: Notifier | None = None
    days: Days = field(default_factory=Days)
    ttl_minutes: int = 60
    _spec: dict[str, Any] = field(default_factory=dict)

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

    def reproduce(self, method: str, path: str, body: Any = None, note: str = "") -> str:
        return reproduce.request(self.lab, method, path, body=body, note=note)

    # --- making things ---------------------------------------------------------------------
    def register(self, **overrides: Any) -> tuple[dict[str, Any], int]:
        """A patient of this run, registered; what was sent and the new id."""
        sent = patient_data(**overrides)
        answer = self.call("POST", f"{API}/patients", json=sent)
        body = json_of(answer)
        if answer.status_code not in (200, 201) or not isinstance(body, dict) \
                or not isinstance(body.get("id"), int):
            failed(f"POST {API}/patients with a valid registration answered {shown(answer)}; "
                   "the new patient was expected")
        return sent, body["id"]

    def book(self, patient_id: int, clinician_id: int | None = None,
             slot: tuple[str, str] | None = None, reason: str = "") -> dict[str, Any]:
        starts, ends = slot or self.days.slot()
        sent = {"patient_id": patient_id, "clinician_id": clinician_id or self.admin.id,
                "starts_at": starts, "ends_at": ends, "reason": reason or f"visit {hexed()}"}
        answer = self.call("POST", f"{API}/appointments", json=sent)
        body = json_of(answer)
        if answer.status_code not in (200, 201) or not isinstance(body, dict) \
                or not isinstance(body.get("id"), int):
            failed(f"POST {API}/appointments for a free slot within opening hours answered "
                   f"{shown(answer)}; the new appointment was expected")
        return body

    def add_staff(self, role: str = "clinician") -> Staff:
        staff = Staff.of_this_run(role)
        answer = self.call("POST", f"{API}/admin/staff", token=self.admin.token,
                           json=staff.created())
        body = json_of(answer)
        if answer.status_code != 201 or not isinstance(body, dict) or "id" not in body:
            failed(f"POST {API}/admin/staff (as an admin) answered {shown(answer)}; the new "
                   "account was expected (201)")
        staff.id = int(body["id"])
        return staff

    def sign_in(self, staff: Staff) -> Staff:
        answer = self.call("POST", f"{API}/auth/token",
                           json={"email": staff.email, "password": staff.password})
        body = json_of(answer)
        if answer.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
            failed(f"POST {API}/auth/token for {staff.email}, an active account, answered "
                   f"{shown(answer)}; a bearer token was expected")
        staff.token = str(body["access_token"])
        account = body.get("staff")
        if not staff.id and isinstance(account, dict) and isinstance(account.get("id"), int):
            staff.id = account["id"]
        return staff

    # --- the database itself ---------------------------------------------------------------
    def row(self, table: str, row_id: int) -> dict[str, Any] | None:
        with contextlib.closing(sqlite3.connect(self.db, timeout=5)) as connection:
            connection.row_factory = sqlite3.Row
            found = connection.execute(f'SELECT * FROM "{table}" WHERE id = ?',
                                       [row_id]).fetchone()
            return dict(found) if found is not None else None

    def write_notes(self, patient_id: int, notes: str) -> None:
        """Notes written the way clinicians' tools write them: straight into the record."""
        with contextlib.closing(sqlite3.connect(self.db, timeout=5)) as connection:
            connection.execute("UPDATE patients SET internal_notes = ? WHERE id = ?",
                               [notes, patient_id])
            connection.commit()

    def password_hashes(self) -> list[str]:
        """Every stored password hash, patients' and staff's."""
        found = []
        with contextlib.closing(sqlite3.connect(self.db, timeout=5)) as connection:
            for table in ("patients", "clinicians"):
                columns = [c[1] for c in connection.execute(f'PRAGMA table_info("{table}")')]
                for column in columns:
                    if "password" in column or "hash" in column:
                        found += [str(value) for (value,) in connection.execute(
                            f'SELECT "{column}" FROM "{table}"') if value]
        return found


@contextlib.contextmanager
def open_clinic(lab: Lab, folder: Path, admin_job: Any, admin: Staff,
                settings: dict[str, str], notifier: Notifier) -> Iterator[Clinic]:
    """The lab's app in this process, on the database its job made the first admin in."""
    finish_job(admin_job)
    notifier.start()
    with environment(settings):
        app = lab.asgi_app("app.main:app")
        try:
            client = asgi.InProcessClient(app)
            client.__enter__()
        except Exception as exc:
            failed(f"the app did not start: {type(exc).__name__}: {str(exc)[:200]}")
        try:
            db = Path(settings["CLINIC_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///"))
            clinic = Clinic(client, lab, db, admin, notifier,
                            ttl_minutes=int(settings["CLINIC_TOKEN_TTL_MINUTES"]))
            clinic.sign_in(admin)
            yield clinic
        finally:
            client.__exit__(None, None, None)
