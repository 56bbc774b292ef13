"""Checks for lab 02 · project structure and error layers.

What they prove, in the clinic's terms:
- the booking rules hold for the API and for the nightly import job alike, whichever process
  books first, for every way two slots can overlap (and not for slots that only touch, a
  cancelled booking, or another clinician);
- the import job runs on the worker image, where only Python, SQLAlchemy, aiosqlite, pydantic
  and pydantic-settings are installed;
- a row the clinic refuses is skipped with its reason; the import carries on;
- /api/v1/patients/me answers the calling patient;
- every error is the JSON envelope with the status the brief names, on every route;
- an unexpected failure (a broken database, for real) is a logged, generic 500.

Every process runs the lab as production does, and each is forked from this process at the
start, before any thread, with pytest nowhere in it (harness.forked):
- the API: `uvicorn app.main:app`, with its default settings, on a SQLite file of this run;
- the nightly import, `python -m app.cli import-bookings FILE`, three times, each waiting for
  its file: on the worker image (a copy of the API's database), and twice on another
  box with everything installed, against the API's own database file.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import os
import re
import secrets
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from harness import reproduce
from harness.forked import ForkedProcess, start_python
from harness.labs import Lab
from harness.openapi import Operation, example, operation_for, operations, resolve
from harness.servers import HttpClient, UvicornProcess

API = "/api/v1"
JOB_TIMEOUT = 30
# The brief's own night: its bookings.csv, imported into the clinic.db of its recipe.
BRIEF_IMPORT = "python -m app.cli import-bookings bookings.csv"
BRIEF_PEOPLE = "after registering patient 1 and clinician 1 as the brief does"

# Text that only shows up in a body when internals leak: driver, SQL, exception names.
INTERNALS = ("sqlite", "sqlalchemy", "[sql", "select ", "insert ", "update ", "no such table",
             "operationalerror", "valueerror", "validationerror", "invalid isoformat",
             "traceback", 'file "', "exception")
TRACEBACK = "Traceback (most recent call last)"

# The worker image: the top-level packages installed besides the standard library.
WORKER_IMAGE = ("app", "sqlalchemy", "greenlet", "aiosqlite", "pydantic", "pydantic_core",
                "pydantic_settings", "dotenv", "typing_extensions", "annotated_types",
                "typing_inspection")
# What the job's process has loaded before it is forked, so it starts at once.
JOB_PACKAGES = ("pydantic", "pydantic_settings", "sqlalchemy.orm", "sqlalchemy.ext.asyncio",
                "aiosqlite")

# The import job's process: loads the job (and, on the worker image, every module of the
# service layer) at once, then waits for "go FILE". IMAGE None: every installed package.
JOB_BOOTSTRAP = """
import importlib, pkgutil, runpy, sys

IMAGE = {image!r}
if IMAGE is not None:
    allowed = set(IMAGE) | set(sys.stdlib_module_names)
    for name in [n for n in sys.modules if n.partition(".")[0] not in allowed]:
        del sys.modules[name]  # loaded before the fork, in a process that had them

    class WorkerImage:
        def find_spec(self, name, path=None, target=None):
            top = name.partition(".")[0]
            # _sysconfigdata_*: the standard library's, named by platform (a fresh interpreter
            # loads it late; a forked one had it already)
            if top not in allowed and not top.startswith("_sysconfigdata"):
                raise ModuleNotFoundError(f"No module named {{top!r}}", name=top)
            return None

    sys.meta_path.insert(0, WorkerImage())
importlib.import_module("app.cli")
del sys.modules["app.cli"]
if IMAGE is not None:
    services = importlib.import_module("app.services")
    for module in pkgutil.walk_packages(services.__path__, "app.services."):
        importlib.import_module(module.name)
command = sys.stdin.readline().split(maxsplit=1)
if len(command) != 2 or command[0] != "go":
    raise SystemExit(0)
sys.argv = ["app.cli", "import-bookings", command[1].strip()]
runpy.run_module("app.cli", run_name="__main__", alter_sys=True)
"""

ROW_LINE = re.compile(r"^\s*row (\d+): (booked|skipped)\b:?\s*(.*)$", re.MULTILINE)
SUMMARY = re.compile(r"(\d+) booked\b.*?(\d+) skipped", re.IGNORECASE)


# --------------------------------------------------------------------------- the API


class Api:
    """HTTP to the lab's uvicorn, and the server's output."""

    def __init__(self, server: UvicornProcess, db: Path) -> None:
        self.server = server
        self.db = db
        self.client = HttpClient(server.base_url)
        self._spec: dict[str, Any] | None = None

    def request(self, method: str, url: str, *, fresh: bool = False, **kwargs: Any) -> Any:
        """`fresh`: on a connection of its own, closed after the answer. uvicorn closes a
        connection whose request raised after its answer went out, so a request that may fail
        must not leave its connection for the next one."""
        try:
            return self.client.request(method, url, fresh=fresh, **kwargs)
        except (OSError, http.client.HTTPException) as exc:
            pytest.fail(f"{method} {url} got no answer from uvicorn ({type(exc).__name__}); "
                        f"its last output: {self.server.tail()}", pytrace=False)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)

    def faulty(self, method: str, url: str, **kwargs: Any) -> Any:
        return self.request(method, url, fresh=True, **kwargs)

    def spec(self) -> dict[str, Any]:
        if self._spec is None:
            answer = self.get("/openapi.json")
            assert answer.status_code == 200, (
                f"GET /openapi.json answered {shown(answer)}; the API's OpenAPI document "
                "was expected")
            self._spec = answer.json()
        return self._spec

    def operations(self) -> list[Operation]:
        return [op for op in operations(self.spec()) if op.path.startswith(API)]


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


def expect_error(response: Any, status: int, code: str, request: str,
                 see: str = "") -> dict[str, Any]:
    """`see`: how the learner reproduces it (harness.reproduce), if one request shows it."""
    error = envelope(response)
    assert response.status_code == status and error is not None and error["code"] == code, (
        f"{request} answered {shown(response)}; expected {status} with the error envelope "
        f'{{"error": {{"code": "{code}", "message": ...}}}}' + see)
    return error


def leaked(text: str, extra: tuple[str, ...] = ()) -> str | None:
    lowered = text.lower()
    return next((marker for marker in (*INTERNALS, *extra) if marker.lower() in lowered), None)


def token() -> str:
    return secrets.token_hex(4)


def json_of(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def created(response: Any, request: str, what: str) -> dict[str, Any]:
    body = json_of(response)
    assert response.status_code in (200, 201) and isinstance(body, dict) and "id" in body, (
        f"{request} answered {shown(response)}; {what} was expected")
    return body


def register_patient(api: Api) -> dict[str, Any]:
    response = api.post(f"{API}/patients", json={
        "full_name": f"Patient {token()} {token()}", "email": f"{token()}@example.org",
        "date_of_birth": "1984-07-19"})
    return created(response, f"POST {API}/patients", "a new patient")


def register_clinician(api: Api) -> dict[str, Any]:
    response = api.post(f"{API}/clinicians",
                        json={"full_name": f"Dr {token()}", "specialty": "general practice"})
    return created(response, f"POST {API}/clinicians", "a new clinician")


def some_morning() -> datetime:
    """A day far in the future, different on every run: nothing else is booked on it."""
    return datetime(2031, 1, 6, 8, 0) + timedelta(days=secrets.randbelow(9000))


Window = tuple[str, str]


def slot(start: datetime, minutes_from: int, minutes_to: int) -> Window:
    begin = start + timedelta(minutes=minutes_from)
    end = start + timedelta(minutes=minutes_to)
    return begin.isoformat(timespec="minutes"), end.isoformat(timespec="minutes")


def book(api: Api, patient_id: int, clinician_id: int, window: Window, reason: str = "") -> Any:
    return api.post(f"{API}/appointments", json={
        "patient_id": patient_id, "clinician_id": clinician_id,
        "starts_at": window[0], "ends_at": window[1], "reason": reason or f"check-up {token()}"})


def booked_appointment(api: Api) -> dict[str, Any]:
    patient, clinician = register_patient(api), register_clinician(api)
    response = book(api, patient["id"], clinician["id"], slot(some_morning(), 0, 30))
    return created(response, f"POST {API}/appointments", "a booked appointment")


def booked_windows(api: Api, url: str, day: datetime) -> list[Window]:
    response = api.get(url)
    items = json_of(response)
    assert response.status_code == 200 and isinstance(items, list), (
        f"GET {url} answered {shown(response)}; the list of appointments was expected")
    found = []
    for item in items:
        starts = datetime.fromisoformat(item["starts_at"]).replace(tzinfo=None)
        if item.get("status") == "booked" and starts.date() == day.date():
            ends = datetime.fromisoformat(item["ends_at"]).replace(tzinfo=None)
            found.append((starts.isoformat(timespec="minutes"), ends.isoformat(timespec="minutes")))
    return sorted(found)


# --------------------------------------------------------------------------- the import job


@dataclass
class ImportRun:
    """One run of the nightly import job: its report per row, or how it broke down."""

    output: str
    errors: str = ""
    exit_code: int = 0
    rows: dict[int, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for match in ROW_LINE.finditer(f"{self.output}\n{self.errors}"):
            self.rows[int(match.group(1))] = (match.group(2), match.group(3).strip())

    def summary_problem(self) -> str | None:
        """A closing summary, if the job prints one, that miscounts its own rows."""
        found = SUMMARY.search(self.output)
        if found is None:
            return None
        counts = [status for status, _ in self.rows.values()]
        expected = (str(counts.count("booked")), str(counts.count("skipped")))
        if (found.group(1), found.group(2)) == expected:
            return None
        return (f"the nightly import's summary says {found.group(0)!r} after reporting "
                f"{expected[0]} booked and {expected[1]} skipped rows")

    def status(self, row: int) -> str | None:
        return self.rows.get(row, (None, ""))[0]

    def reason(self, row: int) -> str:
        return self.rows.get(row, (None, ""))[1]

    def failure(self, lab_dir: Path) -> str | None:
        """How the job broke down, in one line; None when it ran to the end."""
        if not self.exit_code:
            return None
        last = (self.errors.strip().splitlines() or ["(no error output)"])[-1].strip()
        where = ""
        for match in re.finditer(r'File "([^"]+)", line (\d+)', self.errors):
            path = Path(match.group(1))
            if path.is_relative_to(lab_dir):
                where = f" ({path.relative_to(lab_dir)}:{match.group(2)})"
        return f"it exited with code {self.exit_code}: {last[:160]}{where}"


Row = tuple[object, object, Window | tuple[str, str], str]


@dataclass
class ImportJob:
    """`python -m app.cli import-bookings FILE` in a process of its own, waiting for its file."""

    where: str  # "on the worker image", "on another box"
    db: Path
    bookings: Path
    process: subprocess.Popen[str] | ForkedProcess
    lab_dir: Path
    result: ImportRun | None = None

    def run(self, rows: list[Row]) -> ImportRun:
        with self.bookings.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["patient_id", "clinician_id", "starts_at", "ends_at", "reason"])
            for patient_id, clinician_id, (starts_at, ends_at), reason in rows:
                writer.writerow([patient_id, clinician_id, starts_at, ends_at, reason])
        return self.go()

    def go(self, word: str = "go") -> ImportRun:
        with contextlib.suppress(OSError, ValueError):  # it may have died while loading
            assert self.process.stdin is not None
            self.process.stdin.write(f"{word} {self.bookings}\n")
            self.process.stdin.flush()
        try:
            output, errors = self.process.communicate(timeout=JOB_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail(f"the import job {self.where} did not finish within {JOB_TIMEOUT} s",
                        pytrace=False)
        self.result = ImportRun(output, errors or "", self.process.returncode or 0)
        return self.result

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(OSError, ValueError):
            self.process.communicate()


def start_job(lab: Lab, where: str, db: Path, folder: Path, image: tuple[str, ...] | None,
              ) -> ImportJob:
    bookings = folder / f"bookings-{token()}.csv"
    env = {"CLINIC_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
           "PYTHONPATH": os.pathsep.join(
               filter(None, [str(lab.path), os.environ.get("PYTHONPATH", "")]))}
    process = start_python(JOB_BOOTSTRAP.format(image=image), [], cwd=folder, env=env,
                           preload_first=JOB_PACKAGES, stdin=True)
    return ImportJob(where, db, bookings, process, lab.path)


def rows_holding(db: Path, text: str) -> int:
    """How many rows of any table hold `text` in a column: the rows really written."""
    with contextlib.closing(sqlite3.connect(db)) as connection:
        found = 0
        for name in tables_of(connection):
            columns = [c[1] for c in connection.execute(f'PRAGMA table_info("{name}")')]
            where = " OR ".join(f'CAST("{c}" AS TEXT) LIKE ?' for c in columns)
            found += connection.execute(f'SELECT count(*) FROM "{name}" WHERE {where}',
                                        [f"%{text}%"] * len(columns)).fetchone()[0]
        return found


def tables_of(connection: sqlite3.Connection) -> list[str]:
    return [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]


@contextlib.contextmanager
def database_fault(db: Path, kind: str) -> Iterator[str]:
    """Breaks the SQLite file behind the app's back, then restores every byte.

    `tables_missing`: every table dropped. `dates_corrupted`: every DATE/DATETIME value
    overwritten with text no parser accepts. `wrong_types`: every text column holds a number
    and every number column text. `writes_refused`: every insert and update fails, as on a
    full disk. Yields a marker to look for in bodies."""
    marker = f"not-a-date-{token()}"
    saved = sqlite3.connect(":memory:")
    try:
        with contextlib.closing(sqlite3.connect(db)) as connection:
            connection.backup(saved)
            for name in tables_of(connection):
                if kind == "tables_missing":
                    connection.execute(f'DROP TABLE "{name}"')
                    continue
                if kind == "writes_refused":
                    for event in ("INSERT", "UPDATE"):
                        connection.execute(
                            f'CREATE TRIGGER "refuse_{event}_{name}" BEFORE {event} ON "{name}" '
                            f"BEGIN SELECT RAISE(ABORT, 'database or disk is full {marker}'); END")
                    continue
                for column in connection.execute(f'PRAGMA table_info("{name}")').fetchall():
                    declared, column_name, primary = column[2].upper(), column[1], column[5]
                    if kind == "dates_corrupted" and declared in ("DATE", "DATETIME", "TIMESTAMP"):
                        connection.execute(f'UPDATE "{name}" SET "{column_name}" = ?', (marker,))
                    elif kind == "wrong_types" and not primary:
                        value = 7 if "CHAR" in declared or "TEXT" in declared else marker
                        if declared not in ("DATE", "DATETIME", "TIMESTAMP"):
                            connection.execute(f'UPDATE "{name}" SET "{column_name}" = ?',
                                               (value,))
            connection.commit()
        yield marker
    finally:
        with contextlib.closing(sqlite3.connect(db)) as connection:
            saved.backup(connection)
        saved.close()


# --------------------------------------------------------------------------- fixtures


@dataclass
class Jobs:
    worker: ImportJob  # on the worker image, its own copy of the database
    clash: ImportJob  # on another box, against the API's database
    mixed: ImportJob  # on another box: unreadable rows, then rows naming unknown people


@pytest.fixture(scope="module")
def server(lab: Lab, scratch: Path) -> Iterator[UvicornProcess]:
    """The API's process, forked first, once what it and the import jobs share is loaded
    here (each child then imports only the lab)."""
    db = scratch / "clinic.db"
    env = {"CLINIC_DATABASE_URL": f"sqlite+aiosqlite:///{db}", "NO_PROXY": "127.0.0.1"}
    with UvicornProcess(lab.path, env=env, fork=True,
                        preload=("uvicorn.main", "fastapi", *JOB_PACKAGES)) as process:
        yield process
        # No check here needs a graceful stop; killing it saves uvicorn's shutdown.
        if process.process is not None:
            process.process.kill()


@pytest.fixture(scope="module")
def jobs(lab: Lab, scratch: Path, server: UvicornProcess) -> Iterator[Jobs]:
    """Forked before any thread runs here (the server's output is read only later)."""
    folder = scratch
    api_db = folder / "clinic.db"
    started = Jobs(
        worker=start_job(lab, "on the worker image", folder / "worker.db", folder, WORKER_IMAGE),
        clash=start_job(lab, "on another box", api_db, folder, None),
        mixed=start_job(lab, "on another box", api_db, folder, None),
    )
    try:
        yield started
    finally:
        for job in (started.worker, started.clash, started.mixed):
            job.stop()


@pytest.fixture(scope="module")
def api(server: UvicornProcess, scratch: Path, jobs: Jobs) -> Iterator[Api]:
    server.wait_ready()
    client = Api(server, scratch / "clinic.db")
    try:
        yield client
    finally:
        client.client.close()


@dataclass
class WorkerRun:
    patient: dict[str, Any]
    clinician: dict[str, Any]
    nobody: int
    no_clinician: int
    reason: str
    run: ImportRun | None = None
    setup_problem: str = ""


@pytest.fixture(scope="module", autouse=True)
def worker_run(api: Api, jobs: Jobs) -> WorkerRun:
    """The worker image's run, from a copy of the API's database once a patient and a
    clinician exist: free slots, a clash, unknown people and an unreadable row."""
    unknowns = [900_000_000 + secrets.randbelow(99_999_999) for _ in range(2)]
    reason = f"worker {token()}"
    try:
        patient, clinician = register_patient(api), register_clinician(api)
    except BaseException as exc:  # a broken lab must fail one check, not every one
        jobs.worker.go("stop")
        return WorkerRun({}, {}, *unknowns, reason,
                         setup_problem=str(exc).split("\nassert ", 1)[0].strip() or repr(exc))
    with contextlib.closing(sqlite3.connect(api.db)) as source, \
            contextlib.closing(sqlite3.connect(jobs.worker.db)) as copy:
        source.backup(copy)
    start = some_morning()
    p, c = patient["id"], clinician["id"]
    run = WorkerRun(patient, clinician, *unknowns, reason)
    run.run = jobs.worker.run([
        (p, c, slot(start, 0, 30), reason),
        (p, c, slot(start, 15, 45), reason),
        (run.nobody, c, slot(start, 120, 150), reason),
        (p, run.no_clinician, slot(start, 180, 210), reason),
        (p, c, (slot(start, 240, 270)[0], "soon"), reason),
        (p, c, slot(start, 60, 90), reason),
    ])
    return run


# --------------------------------------------------------------------------- fat-handler


@dataclass
class Try:
    what: str
    patient: int
    clinician: int
    window: Window
    clash: bool


def test_double_booking_refused_by_api_and_import_job(api: Api, jobs: Jobs, lab: Lab) -> None:
    p1, p2 = register_patient(api), register_patient(api)
    low, mid, high = (register_clinician(api) for _ in range(3))  # ids in this order
    length = secrets.choice((30, 45, 60, 90))

    def matrix(day: datetime, prefix: str) -> tuple[list[Try], Window]:
        base = slot(day, 60, 60 + length)
        start, end = 60, 60 + length
        cases = [
            Try("starts before it and runs into it", p2["id"], mid["id"],
                slot(day, start - 20, start + 10), True),
            Try("starts inside it and runs past its end", p2["id"], mid["id"],
                slot(day, end - 10, end + 20), True),
            Try("starts before it and runs past its end", p2["id"], mid["id"],
                slot(day, start - 5, end + 5), True),
            Try("lies inside it", p2["id"], mid["id"], slot(day, start + 5, end - 5), True),
            Try("takes exactly its slot", p1["id"], mid["id"], base, True),
            Try("ends as it starts", p2["id"], mid["id"], slot(day, start - 30, start), False),
            Try("ends well before it starts", p1["id"], mid["id"],
                slot(day, start - 55, start - 40), False),
            Try("starts as it ends", p2["id"], mid["id"], slot(day, end, end + 25), False),
            Try("is its slot with a clinician registered before", p2["id"], low["id"], base,
                False),
            Try("is its slot with a clinician registered after", p1["id"], high["id"], base,
                False),
        ]
        return [Try(f"{prefix} {case.what}", case.patient, case.clinician, case.window,
                    case.clash) for case in cases], base

    # Through the API: one booked, one cancelled; then every kind of neighbour.
    day = some_morning()
    cases, base = matrix(day, "a booking that")
    first = book(api, p1["id"], mid["id"], base)
    created(first, f"POST {API}/appointments for a free slot", "the booked appointment (201)")
    cancelled = created(book(api, p1["id"], mid["id"], slot(day, 300, 330)),
                        f"POST {API}/appointments for a free slot", "the booked appointment")
    api.post(f"{API}/appointments/{cancelled['id']}/cancel")
    cases.append(Try("a booking of a cancelled appointment's slot", p2["id"], mid["id"],
                     slot(day, 300, 330), False))
    for case in sorted(cases, key=lambda c: not c.clash):  # refusals first: they book nothing
        answer = book(api, case.patient, case.clinician, case.window)
        request = f"POST {API}/appointments with {case.what} (booked {base[0][11:]}-{base[1][11:]})"
        if case.clash:
            expect_error(answer, 409, "slot_taken", request)
        else:
            assert answer.status_code in (200, 201), (
                f"{request} answered {shown(answer)}; the slot is free, 201 was expected")

    # The night import, in another process, against the same database.
    night = some_morning()
    night_cases, night_base = matrix(night, "a row that")
    created(book(api, p1["id"], mid["id"], night_base), f"POST {API}/appointments",
            "the booked appointment")
    gone = created(book(api, p1["id"], mid["id"], slot(night, 300, 330)),
                   f"POST {API}/appointments", "the booked appointment")
    api.post(f"{API}/appointments/{gone['id']}/cancel")
    night_cases.append(Try("a row for a cancelled appointment's slot", p2["id"], mid["id"],
                           slot(night, 300, 330), False))
    night_cases += [
        Try("a row for a free slot", p1["id"], mid["id"], slot(night, 600, 660), False),
        Try("a row overlapping an earlier row of the same file", p2["id"], mid["id"],
            slot(night, 630, 650), True),
        Try("a row starting as an earlier row of the file ends", p2["id"], mid["id"],
            slot(night, 660, 690), False),
    ]
    secrets.SystemRandom().shuffle(night_cases[:-3])  # the file's own rows stay in order
    run = jobs.clash.run([(c.patient, c.clinician, c.window, f"nightly {token()}")
                          for c in night_cases])
    broke = run.failure(jobs.clash.lab_dir)
    night_file = reproduce.command(BRIEF_IMPORT, note=f"{BRIEF_PEOPLE}; its rows 1 and 2 overlap")
    assert broke is None, (
        f"the nightly import (run on another box, against the API's database) broke down "
        f"on {len(night_cases)} rows: {broke}; rows the clinic refuses must be reported as "
        "skipped, and the import must go on" + night_file)
    for number, case in enumerate(night_cases, start=1):
        expected = "skipped" if case.clash else "booked"
        assert run.status(number) == expected, (
            f"the nightly import (on another box) reported row {number}, {case.what} booked "
            f"{night_base[0][11:]}-{night_base[1][11:]} through the API, as "
            f"{run.status(number)!r}; expected {expected!r}, as the API "
            f"{'refuses' if case.clash else 'accepts'} such a slot" + night_file)

    free = sorted([night_base, *(c.window for c in night_cases
                                 if not c.clash and c.clinician == mid["id"])])
    listed = booked_windows(api, f"{API}/clinicians/{mid['id']}/appointments", night)
    assert listed == free, (
        f"after the import the clinician has {len(listed)} booked appointments that day "
        f"({', '.join(w[0][11:] for w in listed)}); expected {len(free)} "
        f"({', '.join(w[0][11:] for w in free)}), none overlapping")

    # The API, after the import: what the other process booked is taken.
    imported = next(c for c in night_cases if c.what.endswith("a free slot"))
    expect_error(book(api, p2["id"], mid["id"], slot(night, 610, 640)), 409, "slot_taken",
                 f"POST {API}/appointments overlapping a slot the nightly import booked "
                 f"({imported.window[0][11:]}-{imported.window[1][11:]})")


# --------------------------------------------------------------------------- domain-exceptions


@dataclass
class MixedNight:
    """One import of rows the clinic cannot read (rows 1-6, for the report's promise) followed
    by rows naming people who do not exist (rows 7-10): one process for two checks. A job that
    crashes on an unknown person has reported the first six rows by then."""

    run: ImportRun
    reader: dict[str, Any]  # the patient of rows 1-6
    patient: dict[str, Any]  # the patient of rows 7-10
    reason: str
    day: datetime
    nobody: int
    no_clinician: int


@pytest.fixture(scope="module")
def mixed_night(api: Api, jobs: Jobs) -> MixedNight:
    reader, patient, clinician = register_patient(api), register_patient(api), register_clinician(api)
    nobody = 900_000_000 + secrets.randbelow(99_999_999)
    no_clinician = 900_000_000 + secrets.randbelow(99_999_999)
    day, reason = some_morning(), f"vaccination {token()}"
    r, p, c = reader["id"], patient["id"], clinician["id"]
    run = jobs.mixed.run([
        (r, c, slot(day, 0, 30), reason),
        (r, c, (slot(day, 60, 90)[0], "next tuesday"), reason),
        ("forty-two", c, slot(day, 120, 150), reason),
        (r, c, ("", ""), reason),
        (2**63, c, slot(day, 150, 170), reason),
        (r, c, slot(day, 180, 210), reason),
        (nobody, c, slot(day, 300, 330), "seventh"),
        (p, c, slot(day, 360, 390), "eighth"),
        (p, no_clinician, slot(day, 420, 450), "ninth"),
        (p, c, slot(day, 480, 510), "tenth"),
    ])
    return MixedNight(run, reader, patient, reason, day, nobody, no_clinician)


def test_import_job_skips_rows_naming_unknown_people(api: Api, jobs: Jobs, mixed_night: MixedNight,
                                                     lab: Lab) -> None:
    run, day = mixed_night.run, mixed_night.day
    night_file = reproduce.command(BRIEF_IMPORT, note=f"{BRIEF_PEOPLE}; its row 3 names patient 999")
    nobody, no_clinician = mixed_night.nobody, mixed_night.no_clinician
    broke = run.failure(jobs.mixed.lab_dir)
    assert broke is None, (
        f"the nightly import broke down on rows naming people who do not exist (row 7: "
        f"patient {nobody}, row 9: clinician {no_clinician}): {broke}; such rows must be "
        f"reported as skipped and the import must go on" + night_file)
    assert run.status(7) == "skipped" and str(nobody) in run.reason(7), (
        f"the nightly import reported row 7 (unknown patient {nobody}) as "
        f"{(run.status(7), run.reason(7))!r}; expected 'skipped' with a reason naming the patient"
        + night_file)
    assert run.status(9) == "skipped" and str(no_clinician) in run.reason(9), (
        f"the nightly import reported row 9 (unknown clinician {no_clinician}) as "
        f"{(run.status(9), run.reason(9))!r}; expected 'skipped' with a reason naming the "
        f"clinician")
    assert run.status(8) == "booked" and run.status(10) == "booked", (
        f"the nightly import reported rows 8 and 10 (known patient and clinician, free slots) "
        f"as {run.status(8)!r} and {run.status(10)!r}; expected 'booked'")
    assert run.summary_problem() is None, run.summary_problem()
    listed = booked_windows(api, f"{API}/patients/{mixed_night.patient['id']}/appointments", day)
    assert listed == [slot(day, 360, 390), slot(day, 480, 510)], (
        f"after the import the patient has {len(listed)} booked appointments that day; "
        f"expected the ones from rows 8 and 10")


def body_schema(spec: dict[str, Any], method: str, url: str) -> dict[str, Any]:
    operation = operation_for(spec, method, url)
    return (operation.body if operation and operation.body else {})


def names_a_patient(operation: Operation, spec: dict[str, Any]) -> bool:
    body = resolve(operation.body, spec) if operation.body else {}
    return ("patient_id" in operation.path_params or "X-Patient-Id" in operation.headers
            or "patient_id" in body.get("properties", {}))


def test_unknown_patient_answers_404_envelope(api: Api, lab: Lab) -> None:
    clinician = register_clinician(api)
    known = register_patient(api)
    nobody = 900_000_000 + secrets.randbelow(99_999_999)
    spec = api.spec()
    me_works = api.get(f"{API}/patients/me",
                       headers={"X-Patient-Id": str(known["id"])}).status_code == 200
    tried = 0
    for operation in api.operations():
        if not names_a_patient(operation, spec):
            continue
        if "X-Patient-Id" in operation.headers and not me_works:
            continue  # /me itself is the concern of another check
        values = {"patient_id": nobody, "clinician_id": clinician["id"],
                  "starts_at": slot(some_morning(), 0, 30)[0],
                  "ends_at": slot(some_morning(), 0, 30)[1].replace("08:", "23:")}
        window = slot(some_morning(), 0, 30)
        values.update(starts_at=window[0], ends_at=window[1])
        body = example(operation.body, spec, values) if operation.body else None
        headers = {"X-Patient-Id": str(nobody)} if "X-Patient-Id" in operation.headers else {}
        path_values = {name: values.get(name, nobody) for name in operation.path_params}
        url = operation.url(**path_values)
        answer = api.request(operation.method, url, json=body, headers=headers)
        # In the learner's own clinic, the brief's clinician 1 stands in for the check's.
        see = reproduce.request(
            lab, operation.method, url, headers=headers, note=BRIEF_PEOPLE if body else "",
            body=example(operation.body, spec, {**values, "clinician_id": 1}) if body else None)
        error = expect_error(answer, 404, "patient_not_found",
                             f"{operation} naming a patient that does not exist", see)
        assert str(nobody) in error["message"], (
            f"{operation} for patient {nobody}, who does not exist, says "
            f"{error['message']!r}; the message should name the id" + see)
        tried += 1
    assert tried >= 3, f"the OpenAPI document lists only {tried} operations naming a patient"


# --------------------------------------------------------------------------- static-before-dynamic


def test_current_patient_is_served_at_me(api: Api, lab: Lab) -> None:
    see = reproduce.request(lab, "GET", f"{API}/patients/me", headers={"X-Patient-Id": "1"},
                            note="after registering patient 1 as the brief does")
    for patient in (register_patient(api), register_patient(api)):
        me = api.get(f"{API}/patients/me", headers={"X-Patient-Id": str(patient["id"])})
        body = json_of(me)
        assert me.status_code == 200 and isinstance(body, dict), (
            f"GET {API}/patients/me (X-Patient-Id: {patient['id']}) answered {shown(me)}; "
            f"the current patient was expected" + see)
        assert body.get("id") == patient["id"] and body.get("full_name") == patient["full_name"], (
            f"GET {API}/patients/me (X-Patient-Id: {patient['id']}) answered patient "
            f"{body.get('id')!r} {body.get('full_name')!r}; expected {patient['id']} "
            f"{patient['full_name']!r}")
        by_id = api.get(f"{API}/patients/{patient['id']}")
        assert by_id.status_code == 200 and json_of(by_id) == patient, (
            f"GET {API}/patients/{{id}} answered {shown(by_id)}; that patient was expected")
        listed = api.get(f"{API}/patients/{patient['id']}/appointments")
        assert listed.status_code == 200 and json_of(listed) == [], (
            f"GET {API}/patients/{{id}}/appointments for a new patient answered "
            f"{shown(listed)}; an empty list was expected")


# --------------------------------------------------------------------------- error-str-200


def test_cancel_unknown_appointment_answers_404(api: Api, lab: Lab) -> None:
    missing = 900_000_000 + secrets.randbelow(99_999_999)
    url = f"{API}/appointments/{missing}/cancel"
    expect_error(api.post(url), 404, "appointment_not_found",
                 f"POST {API}/appointments/{{id}}/cancel for an appointment that does not exist",
                 reproduce.request(lab, "POST", url))


def test_cancel_twice_answers_409(api: Api, lab: Lab) -> None:
    appointment = booked_appointment(api)
    url = f"{API}/appointments/{appointment['id']}/cancel"
    first = api.post(url)
    body = json_of(first)
    assert first.status_code == 200 and isinstance(body, dict) \
            and body.get("status") == "cancelled" and body.get("id") == appointment["id"], (
        f"POST {url} for a booked appointment answered {shown(first)}; 200 with the "
        f"cancelled appointment was expected")
    read = json_of(api.get(f"{API}/appointments/{appointment['id']}"))
    assert isinstance(read, dict) and read.get("status") == "cancelled", (
        f"after POST {url} answered 200, GET {API}/appointments/{{id}} shows {read!r}; the "
        "appointment was expected to be cancelled")
    expect_error(api.post(url), 409, "appointment_already_cancelled",
                 f"POST {API}/appointments/{{id}}/cancel for an appointment already cancelled",
                 reproduce.request(lab, "POST", f"{API}/appointments/1/cancel",
                                   note="once the brief's recipe has cancelled appointment 1"))


def test_cancel_during_outage_hides_internals(api: Api) -> None:
    appointment = booked_appointment(api)
    url = f"{API}/appointments/{appointment['id']}/cancel"
    mark = api.server.mark()
    with database_fault(api.db, "tables_missing"):
        response = api.faulty("POST", url)
    assert response.status_code in (500, 503), (
        f"POST {url} while the database was broken answered {shown(response)}; "
        f"expected 500 (the cancellation did not happen), with no internals")
    found = leaked(response.text, (str(api.db),))
    assert found is None, (
        f"POST {url} while the database was broken answered {shown(response)}; "
        f"the body shows internals ({found!r}); clients must get a generic error")
    assert api.server.wait_logged(TRACEBACK, mark), (
        f"POST {url} while the database was broken left no traceback in the server's output; "
        "operators need it")


# --------------------------------------------------------------------------- global-handler


FAILURES_PER_FAULT = 3
FAULTS = {"tables_missing": "while every table was missing from the database",
          "dates_corrupted": "while the database held unreadable dates",
          "wrong_types": "while the database held values of the wrong type",
          "writes_refused": "while the database refused every write"}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_unexpected_failure_answers_500_envelope(api: Api, fault: str) -> None:
    """Every operation of the OpenAPI document answers either as usual or with the 500
    envelope, generic, with its traceback in the server's output: every operation with the
    tables gone, and the first few each other fault breaks (each fault raises another kind
    of exception; a traceback costs the server a few milliseconds). The cancel route has
    checks of its own."""
    appointment = booked_appointment(api)
    spec = api.spec()
    window = slot(some_morning(), 0, 30)
    values = {"patient_id": appointment["patient_id"], "clinician_id": appointment["clinician_id"],
              "appointment_id": appointment["id"], "starts_at": window[0], "ends_at": window[1],
              "full_name": f"Name {token()}", "email": f"{token()}@example.org",
              "date_of_birth": "1990-04-02", "specialty": "general practice", "reason": "x"}
    errors = 0
    mark = api.server.mark()
    with database_fault(api.db, fault) as marker:
        for operation in api.operations():
            if operation.path.endswith("/cancel"):
                continue
            headers = {name: str(appointment["patient_id"]) for name in operation.headers}
            body = example(operation.body, spec, values) if operation.body else None
            url = operation.url(**{name: values[name] for name in operation.path_params})
            response = api.faulty(operation.method, url, json=body, headers=headers)
            if 200 <= response.status_code < 300 and fault != "tables_missing":
                continue  # the fault did not touch this operation
            what = f"{operation.method} {url} {FAULTS[fault]}"
            allowed = (500, 503) if fault == "tables_missing" else (500,)
            assert response.status_code in allowed, (
                f"{what} answered {shown(response)}; expected 500")
            error = envelope(response)
            assert error is not None, (
                f"{what} answered {shown(response)}; clients expect the JSON error envelope "
                f'{{"error": {{"code": "internal_error", "message": ...}}}}')
            found = leaked(response.text, (marker, str(api.db)))
            assert found is None, (
                f"{what} answered {shown(response)}; the body shows internals ({found!r}); "
                "it must stay generic")
            if response.status_code == 500:
                assert error["code"] == "internal_error", (
                    f"{what} answered code {error['code']!r}; expected 'internal_error'")
            errors += 1
            if fault != "tables_missing" and errors == FAILURES_PER_FAULT:
                break
    assert errors, f"no operation failed {FAULTS[fault]}: the check could not break the API"
    logged = api.server.wait_logged(TRACEBACK, mark, count=errors)
    assert logged, (
        f"{errors} requests {FAULTS[fault]} answered 500, but the server's output holds "
        f"{api.server.count_since(TRACEBACK, mark)} traceback(s); operators need one for each")


# --------------------------------------------------------------------------- service-layer-pure


def test_import_job_runs_without_fastapi(worker_run: WorkerRun, jobs: Jobs) -> None:
    if worker_run.setup_problem or worker_run.run is None:
        pytest.fail(f"could not prepare the worker run: {worker_run.setup_problem}",
                    pytrace=False)
    run = worker_run.run
    broke = run.failure(jobs.worker.lab_dir)
    if broke:
        pytest.fail("the import job and its service layer do not run on the worker image, "
                    f"which has only Python, SQLAlchemy, aiosqlite, pydantic and "
                    f"pydantic-settings: {broke}", pytrace=False)
    # The rows that take the job down its error paths (a clash, unknown people, an unreadable
    # date) must not crash it here; what they report is the concern of other checks.
    reported = {number: run.status(number) for number in range(1, 7)}
    assert reported[1] == "booked" and reported[6] == "booked" and all(reported.values()), (
        f"on the worker image the import job reported its 6 rows as {reported}; every row "
        "was expected to be reported, and rows 1 and 6 (free slots) booked")
    booked = sum(status == "booked" for status in reported.values())
    written = rows_holding(jobs.worker.db, worker_run.reason)
    assert written == booked, (
        f"on the worker image the import job reported {booked} bookings, but the database "
        f"holds {written} row(s) with the file's reason")


# --------------------------------------------------------------------------- what keeps working


def test_api_keeps_its_answers(api: Api, lab: Lab) -> None:
    """Creates answer 201 and read back; every other error is the envelope."""
    spec = api.spec()
    patient_request = {"full_name": f"Ada {token()}", "email": f"{token()}@example.org",
                       "date_of_birth": "1990-04-02"}
    clinician_request = {"full_name": f"Dr {token()}", "specialty": f"cardiology {token()}"}
    day = some_morning()
    made = {}
    for kind, request in (("patients", patient_request), ("clinicians", clinician_request)):
        answer = api.post(f"{API}/{kind}", json=request)
        assert answer.status_code == 201, (
            f"POST {API}/{kind} answered {shown(answer)}; 201 was expected, as before"
            + reproduce.request(lab, "POST", f"{API}/{kind}", body=request))
        made[kind] = json_of(answer)
        read = api.get(f"{API}/{kind}/{made[kind]['id']}")
        assert read.status_code == 200 and json_of(read) == made[kind] and all(
            made[kind].get(k) == v for k, v in request.items()), (
            f"GET {API}/{kind}/{{id}} answered {shown(read)}; what was registered was expected")
        listed = json_of(api.get(f"{API}/{kind}")) if kind == "clinicians" else None
        assert kind != "clinicians" or made[kind] in (listed or []), (
            f"GET {API}/clinicians did not list the clinician just registered")
    booking = {"patient_id": made["patients"]["id"], "clinician_id": made["clinicians"]["id"],
               "starts_at": slot(day, 0, 30)[0], "ends_at": slot(day, 0, 30)[1],
               "reason": f"review {token()}"}
    answer = api.post(f"{API}/appointments", json=booking)
    assert answer.status_code == 201, (
        f"POST {API}/appointments answered {shown(answer)}; 201 was expected, as before")
    appointment = json_of(answer)
    read = json_of(api.get(f"{API}/appointments/{appointment['id']}"))
    assert read == appointment and read.get("status") == "booked" \
        and read.get("reason") == booking["reason"], (
        f"GET {API}/appointments/{{id}} answered {read!r}; the booking was expected")
    for owner in ("patients", "clinicians"):
        listed = json_of(api.get(f"{API}/{owner}/{made[owner]['id']}/appointments"))
        assert listed == [appointment], (
            f"GET {API}/{owner}/{{id}}/appointments answered {listed!r}; the one booking "
            "just made was expected")

    nobody = 900_000_000 + secrets.randbelow(99_999_999)
    for operation in api.operations():
        names = set(operation.path_params) & {"clinician_id", "appointment_id"}
        if not names or "patient_id" in operation.path_params or operation.path.endswith("/cancel"):
            continue
        resource = sorted(names)[-1].removesuffix("_id")
        url = operation.url(**{name: nobody for name in operation.path_params})
        expect_error(api.request(operation.method, url), 404, f"{resource}_not_found",
                     f"{operation.method} {url} for a {resource} that does not exist",
                     reproduce.request(lab, operation.method, url))
    unknown_clinician = {**booking, "clinician_id": nobody}
    expect_error(api.post(f"{API}/appointments", json=unknown_clinician), 404,
                 "clinician_not_found", f"POST {API}/appointments for an unknown clinician")

    for method, url, body, status in (
            ("POST", f"{API}/patients", {"email": "x@example.org", "date_of_birth": "1990-01-01"},
             422),
            ("GET", f"{API}/nothing-{token()}", None, 404),
            ("DELETE", f"{API}/clinicians", None, 405)):
        answer = api.request(method, url, json=body)
        error = envelope(answer)
        see = reproduce.request(lab, method, url, body=body)
        assert answer.status_code == status and error is not None, (
            f"{method} {url} answered {shown(answer)}; {status} in the error envelope was "
            "expected: every error answer is the envelope" + see)
        if status == 405:
            allowed = {m.strip() for m in answer.headers.get("allow", "").split(",")}
            assert {"GET", "POST"} <= allowed, (
                f"{method} {url} answered 405 with Allow {answer.headers.get('allow')!r}; "
                "the methods the URL takes (GET, POST) were expected" + see)
        if status == 422:
            assert "full_name" in error["message"], (
                f"{method} {url} without full_name answered {error['message']!r}; the message "
                "should say what is wrong")

    # What the OpenAPI document forbids is refused, an id no database holds is no crash, and
    # the document lists every status an operation answered here.
    seen: list[tuple[str, str, int]] = []
    huge = 2**70
    for what, method, url, body in (
            ("a date of birth given as a number", "POST", f"{API}/patients",
             {**patient_request, "date_of_birth": 0}),
            ("a patient id written as text", "POST", f"{API}/appointments",
             {**booking, "patient_id": str(booking["patient_id"])}),
            ("an id larger than any database holds", "GET", f"{API}/appointments/{huge}", None),
            ("an id larger than any database holds", "GET", f"{API}/clinicians/{huge}", None)):
        answer = api.request(method, url, json=body)
        assert answer.status_code in (404, 422) and envelope(answer) is not None, (
            f"{method} {url} with {what} answered {shown(answer)}; it was expected to be "
            "refused (422, or 404 for an id) in the error envelope")
        seen.append((method, url, answer.status_code))
    for huge in (2**63, -(2**63) - 1):  # just beyond what SQLite's integers hold
        for url in (f"{API}/appointments/{huge}", f"{API}/patients/{huge}"):
            answer = api.get(url)
            assert answer.status_code in (404, 422) and envelope(answer) is not None, (
                f"GET {url} answered {shown(answer)}; an id no database holds was expected "
                "to be refused (422, or 404) in the error envelope")
    patient_schema = resolve(body_schema(spec, "POST", f"{API}/patients"), spec)
    limit = patient_schema.get("properties", {}).get("full_name", {}).get("maxLength")
    if limit:
        answer = api.post(f"{API}/patients", json={**patient_request, "full_name": "n" * (limit + 1)})
        assert answer.status_code == 422 and envelope(answer) is not None, (
            f"POST {API}/patients with a full_name of {limit + 1} characters (the document's "
            f"limit is {limit}) answered {shown(answer)}; 422 was expected")
    for method, url, content, status, code in (
            ("POST", f"{API}/patients", b'{"full_name": "\xff"}', 400, "bad_request"),
            ("GET", f"{API}/nowhere-{token()}", None, 404, "not_found"),
            ("PUT", f"{API}/clinicians", None, 405, "method_not_allowed")):
        answer = api.request(method, url, content=content,
                             headers={"Content-Type": "application/json"})
        expect_error(answer, status, code, f"{method} {url}")
        if operation_for(spec, method, url):
            seen.append((method, url, status))
    later = register_patient(api)
    created(book(api, later["id"], made["clinicians"]["id"], slot(day, 60, 90)),
            f"POST {API}/appointments", "a booking for another patient")
    listed = json_of(api.get(f"{API}/patients/{made['patients']['id']}/appointments"))
    assert listed == [appointment], (
        f"GET {API}/patients/{{id}}/appointments answered {listed!r} once a patient registered "
        "later had booked too; only that patient's own booking was expected")
    seen += [("GET", f"{API}/appointments/{nobody}", 404),
             ("POST", f"{API}/appointments", 404), ("POST", f"{API}/patients", 422)]
    for method, url, status in seen:
        operation = operation_for(spec, method, url)
        assert operation is not None and operation.documents(status), (
            f"{method} {url} answered {status}, which its entry in /openapi.json does not "
            "document; /docs was to show every status an operation can answer")


def test_import_job_reports_each_row(api: Api, mixed_night: MixedNight) -> None:
    run = mixed_night.run
    reported = {number: run.status(number) for number in range(1, 7)}
    expected = {1: "booked", 2: "skipped", 3: "skipped", 4: "skipped", 5: "skipped",
                6: "booked"}
    assert reported == expected, (
        f"the nightly import reported its first 6 rows as {reported}; expected {expected} "
        "(rows 2-5 cannot be read: a bad date, a bad id, no dates, an id no database holds); "
        "an unreadable row must be skipped and the import must go on")
    assert all(run.reason(n) for n in (2, 3, 4, 5)), (
        "the nightly import skipped unreadable rows without saying why")
    if not run.exit_code:
        assert run.summary_problem() is None, run.summary_problem()
    listed = json_of(api.get(f"{API}/patients/{mixed_night.reader['id']}/appointments"))
    reasons = [item.get("reason") for item in listed or [] if isinstance(item, dict)]
    assert reasons == [mixed_night.reason] * 2, (
        f"after the import GET {API}/patients/{{id}}/appointments shows the reasons "
        f"{reasons!r}; the two rows booked, with the file's reason, were expected")
