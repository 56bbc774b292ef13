"""Checks for lab 02 · project structure and error layers.

What they prove, in the clinic's terms:
- the booking rules hold for the API and for the nightly import job alike;
- the import job runs on the worker image, where FastAPI is not installed;
- a row the clinic refuses is skipped with its reason; the import carries on;
- /api/v1/patients/me answers the calling patient;
- every error is the JSON envelope with the status the brief names;
- an unexpected failure (a broken database, for real) is a logged, generic 500.

Everything runs against one app import, served in this process (harness.asgi), and one
SQLite file in a temp folder. The import job runs in-process (`python -m app.cli` semantics
through runpy), except the worker-image run, which needs a process of its own, with no
FastAPI in it, and starts first.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import os
import re
import runpy
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from harness.asgi import InProcessClient
from harness.forked import ForkedProcess, start_python
from harness.labs import describe_exception

API = "/api/v1"
SUBPROCESS_TIMEOUT = 60

# Text that only shows up in a body when internals leak: driver, SQL, exception names.
INTERNALS = ("sqlite", "sqlalchemy", "[sql", "select ", "no such table", "operationalerror",
             "valueerror", "invalid isoformat", "traceback", 'file "')

# The worker image: Python with SQLAlchemy, aiosqlite and pydantic-settings, no FastAPI.
# The job and every module of the service layer load at once (in parallel with the other
# checks); the job runs on "go".
WORKER_BOOTSTRAP = """
import importlib, pkgutil, runpy, sys

for name in [name for name in sys.modules if name.partition(".")[0] in ("fastapi", "starlette")]:
    del sys.modules[name]  # loaded before the fork, in a check process that already had them

class WorkerImage:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("fastapi", "starlette"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, WorkerImage())
importlib.import_module("app.cli")
del sys.modules["app.cli"]
services = importlib.import_module("app.services")
for module in pkgutil.walk_packages(services.__path__, "app.services."):
    importlib.import_module(module.name)
if sys.stdin.readline().strip() != "go":
    raise SystemExit(0)
sys.argv[0] = "app.cli"
runpy.run_module("app.cli", run_name="__main__", alter_sys=True)
"""

ROW_LINE = re.compile(r"^\s*row (\d+): (booked|skipped)\b:?\s*(.*)$", re.MULTILINE)


# --------------------------------------------------------------------------- plumbing


class ServerStandIn:
    """Plays the server's part around the app: an exception that escapes the app is one
    the server (uvicorn) logs with its traceback, so it is recorded here; the client then
    answers 500, as the server would."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.escaped: list[BaseException] = []

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception as exc:
            if scope["type"] == "http":
                self.escaped.append(exc)
            raise


@dataclass
class Clinic:
    client: InProcessClient
    db: Path
    tmp: Path
    server: ServerStandIn
    lab_dir: Path


@dataclass
class ImportRun:
    """One run of the nightly import job: its report per row, or how it crashed."""

    output: str
    errors: str = ""
    exit_code: int = 0
    crash: BaseException | None = None
    rows: dict[int, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for match in ROW_LINE.finditer(f"{self.output}\n{self.errors}"):
            self.rows[int(match.group(1))] = (match.group(2), match.group(3).strip())

    def status(self, row: int) -> str | None:
        return self.rows.get(row, (None, ""))[0]

    def reason(self, row: int) -> str:
        return self.rows.get(row, (None, ""))[1]

    def failure(self, lab_dir: Path) -> str | None:
        """How the job broke down, in one line; None when it ran to the end."""
        if self.crash is not None:
            return f"it crashed with {describe_exception(self.crash, lab_dir)}"
        if self.exit_code:
            last = (self.errors.strip().splitlines() or ["(no error output)"])[-1]
            return f"it exited with code {self.exit_code} ({last.strip()[:160]})"
        return None


def shown(response: Any) -> str:
    kind = response.headers.get("content-type", "no content-type").split(";")[0]
    return f"{response.status_code} ({kind}) {response.text[:160]!r}"


def envelope(response: Any) -> dict[str, Any] | None:
    """The `error` object of `{"error": {"code": ..., "message": ...}}`, or None."""
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    if not isinstance(error.get("code"), str) or not isinstance(error.get("message"), str):
        return None
    return error


def expect_error(response: Any, status: int, code: str, request: str) -> dict[str, Any]:
    error = envelope(response)
    assert response.status_code == status and error is not None and error["code"] == code, (
        f"{request} answered {shown(response)}; expected {status} with the error envelope "
        f'{{"error": {{"code": "{code}", "message": ...}}}}'
    )
    return error


def leaked(text: str, extra: tuple[str, ...] = ()) -> str | None:
    lowered = text.lower()
    for marker in (*INTERNALS, *extra):
        if marker.lower() in lowered:
            return marker
    return None


def token() -> str:
    return secrets.token_hex(4)


def json_of(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def field_of(response: Any, key: str) -> Any:
    body = json_of(response)
    return body.get(key) if isinstance(body, dict) else None


def created(response: Any, request: str, what: str) -> dict[str, Any]:
    body = json_of(response)
    assert response.status_code in (200, 201) and isinstance(body, dict) and "id" in body, (
        f"{request} answered {shown(response)}; {what} was expected")
    return body


def register_patient(client: InProcessClient) -> dict[str, Any]:
    name = f"Patient {token()} {token()}"
    response = client.post(f"{API}/patients", json={
        "full_name": name, "email": f"{token()}@example.org", "date_of_birth": "1984-07-19"})
    return created(response, f"POST {API}/patients", "a new patient")


def register_clinician(client: InProcessClient) -> dict[str, Any]:
    name = f"Dr {token()}"
    response = client.post(f"{API}/clinicians",
                           json={"full_name": name, "specialty": "general practice"})
    return created(response, f"POST {API}/clinicians", "a new clinician")


def some_morning() -> datetime:
    """A free slot far in the future, different on every run."""
    return datetime(2031, 1, 6, 8, 0) + timedelta(days=secrets.randbelow(3000))


def slot(start: datetime, minutes_from: int, minutes_to: int) -> tuple[str, str]:
    begin = start + timedelta(minutes=minutes_from)
    end = start + timedelta(minutes=minutes_to)
    return begin.isoformat(timespec="minutes"), end.isoformat(timespec="minutes")


def book(client: InProcessClient, patient_id: int, clinician_id: int,
         window: tuple[str, str]) -> Any:
    return client.post(f"{API}/appointments", json={
        "patient_id": patient_id, "clinician_id": clinician_id,
        "starts_at": window[0], "ends_at": window[1], "reason": f"check-up {token()}"})


def booked_appointment(client: InProcessClient) -> dict[str, Any]:
    patient, clinician = register_patient(client), register_clinician(client)
    response = book(client, patient["id"], clinician["id"], slot(some_morning(), 0, 30))
    return created(response, f"POST {API}/appointments", "a booked appointment")


def booked_starts(client: InProcessClient, url: str) -> list[datetime]:
    response = client.get(url)
    items = json_of(response)
    assert response.status_code == 200 and isinstance(items, list), (
        f"GET {url} answered {shown(response)}; the list of appointments was expected")
    return sorted(datetime.fromisoformat(item["starts_at"]) for item in items
                  if item.get("status") == "booked")


def write_bookings(path: Path, rows: list[tuple[int, int, tuple[str, str]]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["patient_id", "clinician_id", "starts_at", "ends_at", "reason"])
        for patient_id, clinician_id, (starts_at, ends_at) in rows:
            writer.writerow([patient_id, clinician_id, starts_at, ends_at, "nightly import"])
    return path


def run_import_job(clinic: Clinic, bookings: Path) -> ImportRun:
    """`python -m app.cli import-bookings FILE`, in this process, against the check's DB."""
    out, err = io.StringIO(), io.StringIO()
    exit_code, crash = 0, None
    saved_argv = sys.argv
    sys.argv = ["app.cli", "import-bookings", str(bookings)]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            runpy.run_module("app.cli", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        exit_code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except ImportError as exc:
        if "app.cli" in str(exc):
            pytest.fail("the lab has no app/cli.py: the nightly import job is missing",
                        pytrace=False)
        crash = exc
    except Exception as exc:  # learner code can raise anything
        crash = exc
    finally:
        sys.argv = saved_argv
    return ImportRun(out.getvalue(), err.getvalue(), exit_code, crash)


def tables_of(connection: sqlite3.Connection) -> list[str]:
    return [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]


def count_rows(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as connection:
        return sum(connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                   for name in tables_of(connection))


TRACEBACK = "Traceback (most recent call last)"


class TracebackWatch(logging.Handler):
    """Did a traceback reach the operators? Any of these counts: an ERROR record with the
    exception (on any logger), a traceback printed to stderr, or the exception escaping
    the app to the server, which logs it."""

    def __init__(self, clinic: Clinic, capsys: pytest.CaptureFixture[str]) -> None:
        super().__init__(logging.ERROR)
        self.clinic, self.capsys = clinic, capsys
        self.logged = False

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage() if isinstance(record.msg, str) else ""
        if record.exc_info is not None or TRACEBACK in text:
            self.logged = True

    def seen(self) -> bool:
        printed = TRACEBACK in self.capsys.readouterr().err
        return self.logged or printed or bool(self.clinic.server.escaped)


@contextlib.contextmanager
def watching_tracebacks(clinic: Clinic,
                        capsys: pytest.CaptureFixture[str]) -> Iterator[TracebackWatch]:
    """Listens on the root logger and on every logger that does not propagate to it."""
    watch = TracebackWatch(clinic, capsys)
    clinic.server.escaped.clear()
    capsys.readouterr()
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate]
    for logger in loggers:
        logger.addHandler(watch)
    try:
        yield watch
    finally:
        for logger in loggers:
            logger.removeHandler(watch)


@contextlib.contextmanager
def database_fault(db: Path, kind: str) -> Iterator[str]:
    """Breaks the SQLite file behind the app's back, then restores every byte.

    `tables_missing`: every table dropped. `dates_corrupted`: every DATE/DATETIME
    value overwritten with text no parser accepts. Yields a marker to look for in bodies.
    """
    marker = f"not-a-date-{token()}"
    saved = sqlite3.connect(":memory:")
    try:
        with contextlib.closing(sqlite3.connect(db)) as connection:
            connection.backup(saved)
            for name in tables_of(connection):
                if kind == "tables_missing":
                    connection.execute(f'DROP TABLE "{name}"')
                    continue
                for column in connection.execute(f'PRAGMA table_info("{name}")').fetchall():
                    if column[2].upper() in ("DATE", "DATETIME", "TIMESTAMP"):
                        connection.execute(f'UPDATE "{name}" SET "{column[1]}" = ?', (marker,))
            connection.commit()
        yield marker
    finally:
        with contextlib.closing(sqlite3.connect(db)) as connection:
            saved.backup(connection)
        saved.close()


# --------------------------------------------------------------------------- fixtures


# What the worker image has besides the lab; loaded here before its process is forked.
WORKER_PACKAGES = ("pydantic", "pydantic_settings", "sqlalchemy.orm", "sqlalchemy.ext.asyncio",
                   "aiosqlite")


@dataclass
class WorkerJob:
    """The nightly import on the worker image, in its own process and its own DB copy."""

    db: Path
    bookings: Path
    process: subprocess.Popen[str] | ForkedProcess
    setup_problem: str = ""
    rows_before: int = 0


@pytest.fixture(scope="module")
def worker_job(lab: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerJob]:
    """Started before anything else, so it loads while the other checks run: forked from
    this process once the worker image's packages are loaded here (harness.forked), or a
    fresh interpreter where forking does not apply."""
    tmp = tmp_path_factory.mktemp("worker02")
    db, bookings = tmp / "worker.db", tmp / "bookings.csv"
    env = {"CLINIC_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
           "PYTHONPATH": os.pathsep.join(
               filter(None, [str(lab.path), os.environ.get("PYTHONPATH", "")]))}
    process = start_python(WORKER_BOOTSTRAP, ["import-bookings", str(bookings)], cwd=tmp,
                           env=env, preload_first=WORKER_PACKAGES, stdin=True)
    job = WorkerJob(db, bookings, process)
    try:
        yield job
    finally:
        if process.poll() is None:
            process.kill()
        with contextlib.suppress(OSError, ValueError):
            process.communicate()


@pytest.fixture(scope="module")
def clinic(lab: Any, worker_job: WorkerJob,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    tmp = tmp_path_factory.mktemp("clinic02")
    db = tmp / "clinic.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLINIC_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
        server = ServerStandIn(lab.attribute("app.main", "app"))
        with InProcessClient(server) as client:
            yield Clinic(client, db, tmp, server, lab.path)


@pytest.fixture(scope="module", autouse=True)
def worker_go(clinic: Clinic, worker_job: WorkerJob) -> None:
    """Gives the worker its data: a copy of the clinic's database once a patient and a
    clinician exist, and two bookings for free slots. Then tells it to go."""
    try:
        patient, clinician = register_patient(clinic.client), register_clinician(clinic.client)
    except Exception as exc:  # a broken lab must fail one check, not every one
        worker_job.setup_problem = str(exc).split("\nassert ", 1)[0].strip() or repr(exc)
        go = "stop"
    else:
        with contextlib.closing(sqlite3.connect(clinic.db)) as source, \
                contextlib.closing(sqlite3.connect(worker_job.db)) as copy:
            source.backup(copy)
        worker_job.rows_before = count_rows(worker_job.db)
        start = some_morning()
        write_bookings(worker_job.bookings, [
            (patient["id"], clinician["id"], slot(start, 0, 30)),
            (patient["id"], clinician["id"], slot(start, 60, 90)),
        ])
        go = "go"
    with contextlib.suppress(OSError, ValueError):  # it may have crashed while loading
        assert worker_job.process.stdin is not None
        worker_job.process.stdin.write(f"{go}\n")
        worker_job.process.stdin.flush()


# --------------------------------------------------------------------------- fat-handler


def test_double_booking_refused_by_api_and_import_job(clinic: Clinic) -> None:
    client = clinic.client
    patient, clinician = register_patient(client), register_clinician(client)
    start = some_morning()

    first = book(client, patient["id"], clinician["id"], slot(start, 0, 30))
    assert first.status_code in (200, 201), (
        f"POST {API}/appointments for a free slot answered {shown(first)}; 201 was expected")
    clash = book(client, patient["id"], clinician["id"], slot(start, 15, 45))
    expect_error(clash, 409, "slot_taken",
                 f"POST {API}/appointments overlapping a booked slot of the same clinician")

    bookings = write_bookings(clinic.tmp / f"bookings-{token()}.csv", [
        (patient["id"], clinician["id"], slot(start, 120, 150)),
        (patient["id"], clinician["id"], slot(start, 135, 165)),
        (patient["id"], clinician["id"], slot(start, 150, 180)),
        (patient["id"], clinician["id"], slot(start, 10, 20)),
    ])
    run = run_import_job(clinic, bookings)
    broke = run.failure(clinic.lab_dir)
    assert broke is None, (
        f"the nightly import of 4 rows (2 of them clash with other bookings) broke down: "
        f"{broke}; clashing rows must be reported as skipped and the import must go on")
    assert run.status(2) == "skipped" and run.status(4) == "skipped", (
        f"the nightly import reported row 2 as {run.status(2)!r} and row 4 as "
        f"{run.status(4)!r}, though both overlap another booking of the same clinician; "
        f"the API refuses such slots, so the import must skip them too")
    assert run.status(1) == "booked" and run.status(3) == "booked", (
        f"the nightly import reported rows 1 and 3 as {run.status(1)!r} and "
        f"{run.status(3)!r}; both slots were free (row 3 starts when row 1 ends)")

    starts = booked_starts(client, f"{API}/clinicians/{clinician['id']}/appointments")
    expected = [datetime.fromisoformat(slot(start, minutes, 0)[0]) for minutes in (0, 120, 150)]
    assert starts == expected, (
        f"after the import the clinician has {len(starts)} booked appointments starting at "
        f"{[s.strftime('%H:%M') for s in starts]}; expected 3, at "
        f"{[s.strftime('%H:%M') for s in expected]} (no overlaps)")


# --------------------------------------------------------------------------- domain-exceptions


def test_import_job_skips_rows_naming_unknown_people(clinic: Clinic) -> None:
    client = clinic.client
    patient, clinician = register_patient(client), register_clinician(client)
    nobody = 900_000_000 + secrets.randbelow(99_999_999)
    no_clinician = 900_000_000 + secrets.randbelow(99_999_999)
    start = some_morning()
    bookings = write_bookings(clinic.tmp / f"bookings-{token()}.csv", [
        (nobody, clinician["id"], slot(start, 0, 30)),
        (patient["id"], clinician["id"], slot(start, 60, 90)),
        (patient["id"], no_clinician, slot(start, 120, 150)),
    ])
    run = run_import_job(clinic, bookings)
    broke = run.failure(clinic.lab_dir)
    assert broke is None, (
        f"the nightly import broke down on rows naming people who do not exist (row 1: "
        f"patient {nobody}, row 3: clinician {no_clinician}): {broke}; such rows must be "
        f"reported as skipped and the import must go on")
    assert run.status(1) == "skipped" and str(nobody) in run.reason(1), (
        f"the nightly import reported row 1 (unknown patient {nobody}) as "
        f"{(run.status(1), run.reason(1))!r}; expected 'skipped' with a reason naming the patient")
    assert run.status(3) == "skipped" and str(no_clinician) in run.reason(3), (
        f"the nightly import reported row 3 (unknown clinician {no_clinician}) as "
        f"{(run.status(3), run.reason(3))!r}; expected 'skipped' with a reason naming the "
        f"clinician")
    assert run.status(2) == "booked", (
        f"the nightly import reported row 2 (known patient and clinician, free slot) as "
        f"{run.status(2)!r}; expected 'booked'")
    starts = booked_starts(client, f"{API}/patients/{patient['id']}/appointments")
    assert starts == [datetime.fromisoformat(slot(start, 60, 90)[0])], (
        f"after the import the patient has {len(starts)} booked appointments; expected the "
        f"one from row 2")


def test_unknown_patient_answers_404_envelope(clinic: Clinic) -> None:
    client = clinic.client
    nobody = 900_000_000 + secrets.randbelow(99_999_999)
    error = expect_error(client.get(f"{API}/patients/{nobody}"), 404, "patient_not_found",
                         f"GET {API}/patients/{{id}} for a patient that does not exist")
    assert str(nobody) in error["message"], (
        f"the 404 for patient {nobody} says {error['message']!r}; the message should name the id")
    clinician = register_clinician(client)
    expect_error(book(client, nobody, clinician["id"], slot(some_morning(), 0, 30)), 404,
                 "patient_not_found",
                 f"POST {API}/appointments for a patient that does not exist")


# --------------------------------------------------------------------------- static-before-dynamic


def test_current_patient_is_served_at_me(clinic: Clinic) -> None:
    client = clinic.client
    for patient in (register_patient(client), register_patient(client)):
        me = client.get(f"{API}/patients/me", headers={"X-Patient-Id": str(patient["id"])})
        body = json_of(me)
        assert me.status_code == 200 and isinstance(body, dict), (
            f"GET {API}/patients/me (X-Patient-Id: {patient['id']}) answered {shown(me)}; "
            f"the current patient was expected")
        assert body.get("id") == patient["id"] and body.get("full_name") == patient["full_name"], (
            f"GET {API}/patients/me (X-Patient-Id: {patient['id']}) answered patient "
            f"{body.get('id')!r} {body.get('full_name')!r}; expected {patient['id']} "
            f"{patient['full_name']!r}")
        by_id = client.get(f"{API}/patients/{patient['id']}")
        assert by_id.status_code == 200 and field_of(by_id, "id") == patient["id"], (
            f"GET {API}/patients/{{id}} answered {shown(by_id)}; that patient was expected")


# --------------------------------------------------------------------------- error-str-200


def test_cancel_unknown_appointment_answers_404(clinic: Clinic) -> None:
    missing = 900_000_000 + secrets.randbelow(99_999_999)
    expect_error(clinic.client.post(f"{API}/appointments/{missing}/cancel"), 404,
                 "appointment_not_found",
                 f"POST {API}/appointments/{{id}}/cancel for an appointment that does not exist")


def test_cancel_twice_answers_409(clinic: Clinic) -> None:
    client = clinic.client
    appointment = booked_appointment(client)
    url = f"{API}/appointments/{appointment['id']}/cancel"
    first = client.post(url)
    assert first.status_code == 200 and field_of(first, "status") == "cancelled", (
        f"POST {url} for a booked appointment answered {shown(first)}; 200 with the "
        f"cancelled appointment was expected")
    expect_error(client.post(url), 409, "appointment_already_cancelled",
                 f"POST {API}/appointments/{{id}}/cancel for an appointment already cancelled")


def test_cancel_during_outage_hides_internals(
        clinic: Clinic, capsys: pytest.CaptureFixture[str]) -> None:
    client = clinic.client
    appointment = booked_appointment(client)
    url = f"{API}/appointments/{appointment['id']}/cancel"
    with watching_tracebacks(clinic, capsys) as watch, \
            database_fault(clinic.db, "tables_missing"):
        response = client.post(url)
    assert response.status_code in (500, 503), (
        f"POST {url} while the database was broken answered {shown(response)}; "
        f"expected 500 (the cancellation did not happen), with no internals")
    found = leaked(response.text, (str(clinic.db),))
    assert found is None, (
        f"POST {url} while the database was broken answered {shown(response)}; "
        f"the body shows internals ({found!r}); clients must get a generic error")
    assert watch.seen(), (
        f"POST {url} while the database was broken left no traceback anywhere: nothing "
        f"logged at ERROR with the exception, and the server never saw it")


# --------------------------------------------------------------------------- global-handler


@pytest.mark.parametrize("fault", ["tables_missing", "dates_corrupted"])
def test_unexpected_failure_answers_500_envelope(
        clinic: Clinic, fault: str, capsys: pytest.CaptureFixture[str]) -> None:
    client = clinic.client
    patient = register_patient(client)
    url = f"{API}/patients/{patient['id']}" + ("/appointments" if fault == "tables_missing" else "")
    what = {"tables_missing": "while every table was missing from the database",
            "dates_corrupted": "while the database held unreadable dates"}[fault]
    with watching_tracebacks(clinic, capsys) as watch, database_fault(clinic.db, fault) as marker:
        response = client.get(url)

    allowed = (500, 503) if fault == "tables_missing" else (500,)
    assert response.status_code in allowed, (
        f"GET {url} {what} answered {shown(response)}; expected 500")
    error = envelope(response)
    assert error is not None, (
        f"GET {url} {what} answered {shown(response)}; clients expect the "
        f'JSON error envelope {{"error": {{"code": "internal_error", "message": ...}}}}')
    found = leaked(response.text, (marker, str(clinic.db)))
    assert found is None, (
        f"GET {url} {what} answered {shown(response)}; the body shows "
        f"internals ({found!r}); it must stay generic")
    if response.status_code == 500:
        assert error["code"] == "internal_error", (
            f"GET {url} {what} answered code {error['code']!r}; expected "
            f"'internal_error'")
    assert watch.seen(), (
        f"GET {url} {what} left no traceback anywhere: nothing logged at "
        f"ERROR with the exception, and the server never saw it; operators need the traceback")


# --------------------------------------------------------------------------- service-layer-pure


def test_import_job_runs_without_fastapi(clinic: Clinic, worker_job: WorkerJob) -> None:
    if worker_job.setup_problem:
        pytest.fail(f"could not prepare the worker run: {worker_job.setup_problem}",
                    pytrace=False)
    try:
        output, errors = worker_job.process.communicate(timeout=SUBPROCESS_TIMEOUT)
    except subprocess.TimeoutExpired:
        worker_job.process.kill()
        pytest.fail(f"the import job on the worker image did not finish within "
                    f"{SUBPROCESS_TIMEOUT} s", pytrace=False)
    run = ImportRun(output, errors, worker_job.process.returncode)
    if run.exit_code:
        last = (errors.strip().splitlines() or ["(no error output)"])[-1].strip()
        where = ""
        for match in re.finditer(r'File "([^"]+)", line (\d+)', errors):
            path = Path(match.group(1))
            if path.is_relative_to(clinic.lab_dir):
                where = f" ({path.relative_to(clinic.lab_dir)}:{match.group(2)})"
        pytest.fail(f"the import job and its service layer do not run on the worker image, "
                    f"which has no FastAPI: {last[:160]}{where}", pytrace=False)
    assert run.status(1) == "booked" and run.status(2) == "booked", (
        f"on the worker image the import job reported rows 1 and 2 as {run.status(1)!r} and "
        f"{run.status(2)!r}; both are free slots and should be booked")
    added = count_rows(worker_job.db) - worker_job.rows_before
    assert added >= 2, (
        f"on the worker image the import job reported two bookings but the database holds "
        f"{added} new rows")
