"""The clinic as lab 07's checks drive it: chapter 06's driver (patients and staff of this run,
signed in through the lab's own sign-ins, an insurer of this run), with the partners this
chapter adds (partners.py) and a real uvicorn and worker on the clinic's own database."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from test_06_lifespan_testing import clinic as chapter_06
from test_06_lifespan_testing.clinic import (
    API,
    COVERAGE,
    Clinic,
    Insurer,
    Patient,
    Staff,
    failed,
    hexed,
    json_of,
    open_clinic,
    shown,
    start_create_admin,
)

from harness.labs import Lab
from harness.servers import UvicornProcess

from .partners import LabPartner, Notifier, Processor
from .worker import Worker

__all__ = ["API", "COVERAGE", "Clinic", "Insurer", "LabPartner", "Notifier", "Patient",
           "Processor", "Staff", "failed", "hexed", "json_of", "open_clinic", "settings_for",
           "shown", "start_create_admin"]

JOBS = f"{API}/admin/jobs"
REMINDERS = f"{API}/admin/reminders"
PAYMENTS = f"{API}/payments"
LAB_RESULTS = f"{API}/patients/me/lab-results"
# What the brief's settings make fast enough to check: a lease, a poll and a backoff of a
# fraction of a second, and few attempts.
QUICK_JOBS = {"CLINIC_JOB_LEASE_SECONDS": "2", "CLINIC_WORKER_POLL_SECONDS": "0.1",
              "CLINIC_JOB_BACKOFF_SECONDS": "0.3", "CLINIC_JOB_MAX_ATTEMPTS": "3"}
STOPPED = (0, -signal.SIGTERM)  # how uvicorn ends once it has shut down


def settings_for(db: Path, notifier_url: str, insurer_url: str, lab_results_url: str,
                 payments_url: str) -> dict[str, str]:
    return {**chapter_06.settings_for(db, notifier_url, insurer_url),
            "CLINIC_LAB_RESULTS_URL": lab_results_url, "CLINIC_LAB_RESULTS_TIMEOUT": "5",
            "CLINIC_PAYMENTS_URL": payments_url, **QUICK_JOBS}


@contextlib.contextmanager
def served(lab: Lab, settings: dict[str, str], clinic: Clinic,
           **changed: str) -> Iterator[UvicornProcess]:
    """A real uvicorn of the lab on the clinic's database, answering the block's requests."""
    server = UvicornProcess(lab.path, env={**settings, **changed}).start()
    try:
        server.wait_ready()
        with clinic.answered_by(server.base_url):
            yield server
    except BaseException:
        # The check has its verdict: a lab that hangs on its way out (a call it never ends)
        # is not waited for.
        server.send_signal(signal.SIGKILL)
        raise
    finally:
        server.stop()


def wait_for(condition: Any, timeout: float, poll: float = 0.05,
             clinic: Clinic | None = None) -> bool:
    """Whether `condition` came true within `timeout`; with the in-process `clinic`, its event
    loop runs meanwhile, as a server's would (it runs only during requests otherwise, so work
    the lab left running after its answer would wait for the next request)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        settle(clinic, poll)
    return bool(condition())


def settle(clinic: Clinic | None, seconds: float) -> None:
    runner = getattr(clinic.http, "_runner", None) if clinic is not None else None
    if runner is None:  # a served lab's loop runs on its own
        time.sleep(seconds)
    else:
        runner.run(asyncio.sleep(seconds))


def start_worker(lab: Lab, settings: dict[str, str], folder: Path, name: str,
                 **changed: str) -> Worker:
    folder.mkdir(parents=True, exist_ok=True)
    return Worker(lab.path, {**settings, **changed}, folder / f"{name}.log").start()
