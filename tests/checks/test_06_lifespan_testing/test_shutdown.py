"""What the service opens, it closes: a real uvicorn stopped with SIGTERM has, by the end of
its lifespan, closed its connections to the insurer and the notifier and its database."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from harness.labs import Lab
from harness.servers import UvicornProcess

from .clinic import API, COVERAGE, Clinic, Staff, failed, shown
from .conftest import CHECKS_DIR, Started

SHUTDOWN_TIMEOUT = 20  # seconds from SIGTERM to the end of the lifespan
# uvicorn, once it has shut down, ends by the signal it was stopped with (as a supervisor expects).
STOPPED = (0, -signal.SIGTERM)


def described(count: int, what: str) -> str:
    return f"{count} {what}" if count == 1 else f"{count} {what}s"


def test_shutdown_closes_what_startup_opened(lab: Lab, scratch: Path, started: Started,
                                             clinic: Clinic) -> None:
    folder = scratch / "held"
    folder.mkdir()
    report, release = folder / "report.json", folder / "release"
    insurer, notifier = started.insurer, started.notifier
    db = clinic.db  # the clinic's own: its first admin is there
    env = {**started.settings, "HELD_REPORT": str(report), "HELD_RELEASE": str(release),
           "PYTHONPATH": str(CHECKS_DIR)}
    server = UvicornProcess(lab.path, "test_06_lifespan_testing.held:app", env=env).start()
    try:
        server.wait_ready()
        use_every_resource(clinic, server, insurer)
        server.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + SHUTDOWN_TIMEOUT
        while not report.exists() and server.wait_exit(0.05) is None \
                and time.monotonic() < deadline:
            pass
        if not report.exists():
            code = server.wait_exit(0)
            ended = "is still shutting down" if code is None else f"exited with code {code}"
            failed(f"after SIGTERM the service {ended} without finishing its lifespan's "
                   f"shutdown within {SHUTDOWN_TIMEOUT} s: {server.tail()}")
        held = json.loads(report.read_text())
        leaks = [described(sum(c["remote_port"] == port for c in held["connections"]),
                           f"connection to the {name}")
                 for name, port in (("insurer", insurer.port),
                                    ("notifier", int(notifier.url.rsplit(":", 1)[1])))]
        leaks = [leak for leak in leaks if not leak.startswith("0 ")]
        handles = sum(Path(path).name.startswith(db.name) for path in held["files"])
        if handles:
            leaks.append(described(handles, f"handle on {db.name}"))
        if leaks:
            listed = ", ".join(leaks[:-1]) + " and " + leaks[-1] if len(leaks) > 1 else leaks[0]
            failed("a real uvicorn, stopped with SIGTERM after a few requests, still held "
                   f"{listed} open once its lifespan had finished shutting down: "
                   "what the service opens, nobody closes (only the process's exit would)")
        release.touch()
        code = server.wait_exit(SHUTDOWN_TIMEOUT)
        if code not in STOPPED:
            failed(f"after SIGTERM uvicorn exited with code {code}, not as a server that stopped "
                   f"well: {server.tail()}")
    finally:
        release.touch()
        server.stop()


def use_every_resource(clinic: Clinic, server: UvicornProcess, insurer) -> None:
    """Requests that take a connection of each kind: the database, the insurer's client (its
    catalogue at startup, then coverage) and the notifier's (a welcome for a new account)."""
    with clinic.answered_by(server.base_url):
        patient = clinic.register(insurance_member_id=insurer.member(insurer.plans[0]))
        clinic.call("GET", COVERAGE, token=patient.token)
        created = clinic.call("POST", f"{API}/admin/staff", token=clinic.admin.token,
                              json=Staff.of_this_run().created())
        if created.status_code != 201:
            failed(f"POST {API}/admin/staff on a real uvicorn answered {shown(created)}; the "
                   "new account was expected (201)")
