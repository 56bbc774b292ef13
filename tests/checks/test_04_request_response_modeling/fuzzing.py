"""The fuzzer's run: schemathesis against the lab's own /openapi.json, in a process of the lab's
(forked at the start, before any thread runs here), over ASGI in that process: no port, nothing
but loopback. Seeded and derandomized with a bounded number of examples, so a run always sends
the same requests, and it overlaps every other check.

Before fuzzing, the process makes the first admin with the lab's own job (`app.cli`), and a
patient with an appointment through the API, so that ids the fuzzer picks name real rows and
its requests carry the admin's token: the staff routes answer more than 401.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.forked import start_python
from harness.labs import Lab

SEED = 20261204
MAX_EXAMPLES = 4
SETTINGS: dict[str, Any] = {
    "seed": SEED,
    "workers": 1,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    # A few requests per operation, valid and not, generated from its schemas; the edges of
    # every schema (the coverage phase) and requests the document forbids are chapter 02's,
    # and cost most: the other checks of this lab hold its own edges.
    "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False},
               "stateful": {"enabled": False}},
    "checks": {
        "enabled": False,
        # A 5xx is a fault, unless it is the documented 502 of a notifier that failed.
        "not_a_server_error": {"enabled": True, "expected-statuses": ["2xx", "3xx", "4xx", 502]},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
        "response_headers_conformance": {"enabled": True},
    },
}
# What the lab imports, loaded here before the fork (the in-process checks need it anyway);
# schemathesis itself the child imports, on the other core.
PRELOAD = ("fastapi", "starlette.testclient", "pydantic_settings", "sqlalchemy.ext.asyncio",
           "sqlalchemy.orm", "aiosqlite", "httpx2")

PROGRAM = r"""
import json
import socket
import sys
from pathlib import Path

settings, report_path, email, password = (json.loads(sys.argv[1]), Path(sys.argv[2]),
                                          sys.argv[3], sys.argv[4])
# The notifier: a port of this process's own that takes no connection (every message fails:
# the documented 502).
refusing = socket.socket()
refusing.bind(("127.0.0.1", 0))
import os
os.environ["CLINIC_NOTIFIER_URL"] = f"http://127.0.0.1:{refusing.getsockname()[1]}"

from app.cli import main as job

problems = {}
if job(["create-admin", "--email", email, "--password", password]) != 0:
    problems["setup"] = "the lab's job `python -m app.cli create-admin` failed"

import schemathesis
from schemathesis.engine import Status, events, from_schema
from starlette.testclient import TestClient

from app.main import app

with TestClient(app) as client:
    signed = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    token = signed.json().get("access_token", "") if signed.status_code == 200 else ""
    client.post("/api/v1/patients", json={
        "full_name": "Fuzz Patient", "email": "fuzz@example.org", "date_of_birth": "1990-04-02",
        "phone": "+442079460958", "password": "fuzz-password-1"})
    client.post("/api/v1/appointments", json={
        "patient_id": 1, "clinician_id": 1, "starts_at": "2031-05-05T09:00",
        "ends_at": "2031-05-05T09:30"})
if token:
    settings["headers"] = {"Authorization": f"Bearer {token}"}

schema = schemathesis.openapi.from_asgi(
    "/openapi.json", app, config=schemathesis.Config.from_dict(settings))
cases = 0
for event in from_schema(schema).execute():
    if isinstance(event, events.ScenarioFinished):
        cases += len(event.recorder.cases)
        for checks in event.recorder.checks.values():
            for check in checks:
                if check.status == Status.FAILURE and check.failure_info is not None:
                    failure = check.failure_info.failure
                    problems.setdefault(f"{failure.operation}: {failure.title}",
                                        failure.message.strip().splitlines()[0][:200]
                                        if failure.message.strip() else "")
    elif isinstance(event, events.NonFatalError):
        problems.setdefault(f"{event.label}: {type(event.value).__name__} raised",
                            str(event.value).strip().splitlines()[0][:200]
                            if str(event.value).strip() else "")
    elif isinstance(event, events.FatalError):
        problems.setdefault(f"the run stopped: {type(event.exception).__name__}",
                            str(event.exception)[:200])
report_path.write_text(json.dumps({"cases": cases, "problems": problems}))
"""


def start_fuzzer(lab: Lab, folder: Path, settings: dict[str, str], admin_email: str,
                 admin_password: str) -> Any:
    """The fuzzer's process, on a database of its own; its report lands in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {**settings, "CLINIC_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'fuzz.db'}",
           "PYTHONPATH": str(lab.path), "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    return start_python(PROGRAM, [json.dumps(SETTINGS), str(folder / "report.json"),
                                  admin_email, admin_password],
                        cwd=folder, env=env, preload_first=PRELOAD)
