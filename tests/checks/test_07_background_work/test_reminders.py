"""Reminders are work that must not be lost: queued in the database, done by a worker process,
each exactly once, though the API and the worker are killed mid-job; a reminder that can never
be sent ends failed after a bounded number of backed-off attempts; two workers never run one
job at once."""

from __future__ import annotations

import contextlib
import itertools
import signal
import time
from collections.abc import Iterator
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any

from test_04_request_response_modeling.clinic import error_of

from harness.labs import Lab
from harness.servers import UvicornProcess

from .clinic import (
    API,
    JOBS,
    QUICK_JOBS,
    REMINDERS,
    Clinic,
    Notifier,
    Patient,
    failed,
    json_of,
    shown,
    start_worker,
    wait_for,
)
from .conftest import Started
from .worker import Worker

SENT_WITHIN = 15  # seconds from queueing to a reminder reaching the notifier
DONE_WITHIN = 20  # seconds for a restarted pair to finish every job (a lease of 2 s included)
# With no job queued (the answer listed none) nothing durable is left to finish: what has not
# arrived this long after the restart was lost with the process.
NO_JOB_WITHIN = 5


def patience(jobs: list[int]) -> float:
    return DONE_WITHIN if jobs else NO_JOB_WITHIN
JOB_STATES = ("queued", "running", "done", "failed")
JOB_FIELDS = {"id", "kind", "status", "attempts", "last_error", "created_at", "finished_at"}


def book_on(clinic: Clinic, patient: Patient, day: date, hour: int) -> dict[str, Any]:
    starts = datetime.combine(day, clock(hour, 0))
    sent = {"patient_id": patient.id, "clinician_id": clinic.admin.id,
            "starts_at": starts.isoformat(), "ends_at": starts.replace(minute=30).isoformat(),
            "reason": f"check-up {patient.id}"}
    answer = clinic.call("POST", f"{API}/appointments", json=sent, token=patient.token)
    body = json_of(answer)
    if answer.status_code != 201 or not isinstance(body, dict):
        failed(f"POST {API}/appointments as {patient}, at {starts:%H:%M} on {day}, answered "
               f"{shown(answer)}; the appointment was expected")
    return body


def patients_on_one_day(clinic: Clinic, notifier: Notifier,
                        count: int) -> tuple[date, list[Patient], float]:
    """Patients of this run, each booked on one day, each booking's confirmation received; and
    the moment after them: what reaches the notifier from then on is the reminders."""
    day = clinic.days.day()
    patients = [clinic.register() for _ in range(count)]
    for hour, patient in enumerate(patients, start=8):
        book_on(clinic, patient, day, hour)
    wait_for(lambda: all(notifier.answered(p.email) for p in patients), SENT_WITHIN,
             clinic=clinic)
    return day, patients, time.monotonic()


def queue_reminders(clinic: Clinic, day: date) -> list[int]:
    answer = clinic.call("POST", REMINDERS, json={"day": day.isoformat()},
                         token=clinic.admin.token)
    body = json_of(answer)
    if answer.status_code != 202 or not isinstance(body, dict) \
            or not isinstance(body.get("jobs"), list):
        failed(f"POST {REMINDERS} for {day} (as an admin) answered {shown(answer)}; 202 with "
               "the jobs queued was expected")
    return [int(job) for job in body["jobs"]]


def job(clinic: Clinic, job_id: int) -> dict[str, Any]:
    answer = clinic.call("GET", f"{JOBS}/{job_id}", token=clinic.admin.token)
    body = json_of(answer)
    if answer.status_code != 200 or not isinstance(body, dict) \
            or body.get("status") not in JOB_STATES or not set(body) >= JOB_FIELDS:
        failed(f"GET {JOBS}/{job_id} (as an admin) answered {shown(answer)}; the job, with its "
               f"{', '.join(sorted(JOB_FIELDS))} and a status of {', '.join(JOB_STATES)}, was "
               "expected")
    return body


def finished_after_created(one: dict[str, Any]) -> bool:
    try:
        return datetime.fromisoformat(one["finished_at"]) >= datetime.fromisoformat(
            one["created_at"])
    except (TypeError, ValueError):
        return False


def jobs_listed(clinic: Clinic) -> dict[int, dict[str, Any]]:
    answer = clinic.call("GET", JOBS, token=clinic.admin.token)
    body = json_of(answer)
    if answer.status_code != 200 or not isinstance(body, list) \
            or not all(isinstance(j, dict) and "id" in j for j in body):
        failed(f"GET {JOBS} (as an admin) answered {shown(answer)}; the list of jobs was "
               "expected")
    return {j["id"]: j for j in body}


class Pair:
    """The brief's two processes on the clinic's database: the API (uvicorn) and a worker."""

    def __init__(self, lab: Lab, settings: dict[str, str], folder: Path) -> None:
        self.lab, self.settings, self.folder = lab, settings, folder
        self.api: UvicornProcess | None = None
        self.workers: list[Worker] = []

    def start_api(self) -> UvicornProcess:
        self.api = UvicornProcess(self.lab.path, env=self.settings).start()
        self.api.wait_ready()
        return self.api

    def start_worker(self, **changed: str) -> Worker:
        worker = start_worker(self.lab, self.settings, self.folder,
                              f"worker-{len(self.workers) + 1}", **changed)
        self.workers.append(worker)
        return worker

    def kill(self) -> None:
        """SIGKILL to every process of the pair: nothing of theirs runs to its end."""
        for worker in self.workers:
            worker.kill()
        if self.api is not None:
            self.api.send_signal(signal.SIGKILL)
            self.api.wait_exit(10)
            self.api.stop()

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        if self.api is not None:
            self.api.stop()

    def said(self) -> str:
        return "; ".join(f"worker {n}: {w.tail(2)}" for n, w in enumerate(self.workers, 1))


@contextlib.contextmanager
def pair(lab: Lab, started: Started, folder: Path, **changed: str) -> Iterator[Pair]:
    both = Pair(lab, {**started.settings, **changed}, folder)
    try:
        yield both
    except BaseException:
        both.kill()  # the check has its verdict: no graceful stop is waited for
        raise
    finally:
        both.stop()


def test_reminders_survive_killed_processes_exactly_once(lab: Lab, scratch: Path,
                                                         clinic: Clinic, started: Started) -> None:
    notifier = started.notifier
    day, patients, since = patients_on_one_day(clinic, notifier, 3)
    held = patients[0]
    with pair(lab, started, scratch / "killed") as first:
        first.start_api()
        first.start_worker()
        # Delivered, then held before the answer: the sender dies not knowing it was.
        notifier.hold(held.email, delivered_first=True)
        try:
            with clinic.answered_by(first.api.base_url):
                jobs = queue_reminders(clinic, day)
            if not notifier.wait_until(lambda: notifier.held >= 1, SENT_WITHIN):
                failed(f"reminders for {day} were queued (202), and {held}'s reached the "
                       f"notifier within {SENT_WITHIN} s neither from the API nor from the "
                       f"worker ({first.said()})")
            first.kill()  # the API and the worker, mid-job
        finally:
            notifier.release()
    with pair(lab, started, scratch / "restarted") as second:
        second.start_api()
        second.start_worker()
        with clinic.answered_by(second.api.base_url):
            # Every patient reached, and every job ended: a retry comes once a lease runs out.
            everyone = wait_for(
                lambda: all(notifier.delivered_to(p.email, since) for p in patients)
                and all(job(clinic, j)["status"] in ("done", "failed") for j in jobs),
                patience(jobs), poll=0.2)
            done = [job(clinic, j) for j in jobs]
        ended = {one["id"]: one["status"] for one in done}
        missing = [str(p) for p in patients if not notifier.delivered_to(p.email, since)]
        if missing:
            failed(f"reminders for {day} were queued for {len(patients)} patients; the API and "
                   f"the worker were killed (SIGKILL) while {held}'s was being sent, then "
                   f"started again: {patience(jobs):.0f} s later {len(missing)} of them had never "
                   f"got theirs ({', '.join(missing)}), so the work died with the process "
                   f"({second.said()})")
        if not everyone or any(status != "done" for status in ended.values()):
            failed(f"the API and the worker were killed (SIGKILL) while a reminder was being "
                   f"sent, then started again; {DONE_WITHIN} s later the reminders' jobs read "
                   f"{ended}: every job was to end done")
        for one in done:
            if not finished_after_created(one):
                failed(f"job {one['id']} is done and reads created_at {one['created_at']!r}, "
                       f"finished_at {one['finished_at']!r}: a done job was to say when it "
                       "finished")
        for patient in patients:
            delivered = notifier.delivered_to(patient.email, since)
            if len(delivered) > 1:
                keys = [m["key"] or "(no key)" for m in delivered]
                failed(f"{patient} got their one reminder {len(delivered)} times (Idempotency-"
                       f"Key {keys}): the worker was killed after the notifier had taken it and "
                       "before it heard so; the job was to be retried, and delivered once")


def test_a_poison_job_fails_after_bounded_backed_off_retries(
        lab: Lab, scratch: Path, clinic: Clinic, started: Started) -> None:
    notifier = started.notifier
    attempts = int(QUICK_JOBS["CLINIC_JOB_MAX_ATTEMPTS"])
    backoff = float(QUICK_JOBS["CLINIC_JOB_BACKOFF_SECONDS"])
    day, (poison,), since = patients_on_one_day(clinic, notifier, 1)
    notifier.refusing.add(poison.email)
    with pair(lab, started, scratch / "poison") as both:
        both.start_api()
        both.start_worker()
        with clinic.answered_by(both.api.base_url):
            jobs = queue_reminders(clinic, day)
            if not jobs:
                failed(f"POST {REMINDERS} for {day} answered 202 with no job in its list: no "
                       "reminder was queued as a job, to be retried when it fails or seen to "
                       "have failed")
            ended = wait_for(lambda: all(job(clinic, j)["status"] in ("done", "failed")
                                         for j in jobs), DONE_WITHIN, poll=0.2)
            found = [job(clinic, j) for j in jobs]
            unknown = clinic.call("GET", f"{JOBS}/{max(jobs) + 10_000}",
                                  token=clinic.admin.token)
        if unknown.status_code != 404 or error_of(unknown).get("code") != "job_not_found":
            failed(f"GET {JOBS}/{max(jobs) + 10_000}, a job that was never queued, answered "
                   f"{shown(unknown)}; 404 job_not_found was expected")
        tries = notifier.tried(poison.email, since)
        if not ended:
            failed(f"the notifier refuses every message to {poison} (500); {DONE_WITHIN} s after "
                   f"their reminder was queued it had been tried {len(tries)} times and its job "
                   f"was still {[j['status'] for j in found]}: a job that can never succeed "
                   f"was to fail after CLINIC_JOB_MAX_ATTEMPTS={attempts} attempts")
        listed = jobs_listed(clinic)
        for one in found:
            if listed.get(one["id"]) != one:
                failed(f"GET {JOBS} (as an admin) listed job {one['id']} as "
                       f"{listed.get(one['id'], 'nothing')}; GET {JOBS}/{one['id']} reads {one}")
        failed_jobs = [j for j in found if j["status"] == "failed"]
        if not failed_jobs or len(tries) != attempts:
            failed(f"the notifier refuses every message to {poison} (500), and "
                   f"CLINIC_JOB_MAX_ATTEMPTS is {attempts}: their reminder was tried "
                   f"{len(tries)} times, and its job ended {[j['status'] for j in found]}")
        if failed_jobs[0].get("attempts") != attempts or not failed_jobs[0].get("last_error"):
            failed(f"the failed job reads {failed_jobs[0]}; it was to show its {attempts} "
                   "attempts and the last error")
        for n, (before, after) in enumerate(itertools.pairwise(tries), start=1):
            waited, least = after["at"] - before["at"], backoff * 2 ** (n - 1)
            if waited < 0.9 * least:
                failed(f"attempt {n + 1} of {poison}'s reminder came {waited:.2f} s after "
                       f"attempt {n}; with CLINIC_JOB_BACKOFF_SECONDS={backoff} it was to wait "
                       f"at least {least:.2f} s (each retry twice as long as the one before)")


def test_two_workers_never_run_one_job_at_once(lab: Lab, scratch: Path, clinic: Clinic,
                                                started: Started) -> None:
    notifier = started.notifier
    day, patients, since = patients_on_one_day(clinic, notifier, 6)
    held = patients[0]
    # A lease longer than the check: only a job whose worker died is ever taken again.
    with pair(lab, started, scratch / "two", CLINIC_JOB_LEASE_SECONDS="120") as both:
        both.start_api()
        both.start_worker()
        notifier.hold(held.email)
        try:
            with clinic.answered_by(both.api.base_url):
                jobs = queue_reminders(clinic, day)
            if not notifier.wait_until(lambda: notifier.held >= 1, SENT_WITHIN):
                failed(f"reminders for {day} were queued (202), and {held}'s reached the "
                       f"notifier within {SENT_WITHIN} s neither from the API nor from the "
                       f"worker ({both.said()})")
            both.start_worker()  # while the first one has a job in hand
            others = patients[1:]
            if not wait_for(lambda: all(notifier.answered(p.email, since) for p in others),
                            patience(jobs), poll=0.1):
                failed(f"with {held}'s reminder held at the notifier, the other {len(others)} "
                       f"were not sent within {patience(jobs):.0f} s, though a second worker had "
                       f"been started beside the first ({both.said()})")
        finally:
            notifier.release()
        wait_for(lambda: notifier.answered(held.email, since), SENT_WITHIN, poll=0.1)
    for patient in patients:
        tried = notifier.tried(patient.email, since)
        if len(tried) > 1:
            failed(f"{patient}'s one reminder was sent {len(tried)} times by two workers "
                   f"running side by side ({[m['outcome'] for m in tried]}), though no worker "
                   "died: a job one worker has in hand is not another's to take")
