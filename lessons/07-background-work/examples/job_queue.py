"""A durable job queue in one SQLite table: enqueue, claim under a lease, complete
or fail. Also a worker: `python job_queue.py DATABASE [--lease SECONDS]` runs the
jobs until none is left."""

import argparse
import json
import os
import random
import sqlite3
import time
from dataclasses import dataclass

import httpx2

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued',  -- queued, running, done, failed
    attempts INTEGER NOT NULL DEFAULT 0,
    run_after REAL NOT NULL,                -- not before (a retry waits its backoff)
    lease_until REAL,                       -- while running: the worker's claim ends
    worker TEXT,
    last_error TEXT
)"""


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    payload: dict
    attempt: int


def connect(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, timeout=30)  # autocommit
    db.execute("PRAGMA journal_mode=WAL")  # readers go on while a worker claims
    db.execute(SCHEMA)
    return db


def enqueue(db: sqlite3.Connection, kind: str, payload: dict, now: float) -> int:
    row = db.execute(
        "INSERT INTO jobs (kind, payload, run_after) VALUES (?, ?, ?) RETURNING id",
        (kind, json.dumps(payload), now),
    ).fetchone()
    return row[0]


# --8<-- [start:claim]
CLAIM = """
UPDATE jobs
SET status = 'running', attempts = attempts + 1,
    lease_until = :now + :lease, worker = :worker
WHERE id = (
    SELECT id FROM jobs
    WHERE (status = 'queued' AND run_after <= :now)
       OR (status = 'running' AND lease_until < :now)  -- its worker is gone
    ORDER BY run_after, id
    LIMIT 1
)
RETURNING id, kind, payload, attempts
"""


def claim(db: sqlite3.Connection, worker: str, now: float, lease: float) -> Job | None:
    """One statement, so two workers never claim the same job at once."""
    row = db.execute(CLAIM, {"now": now, "lease": lease, "worker": worker}).fetchone()
    return None if row is None else Job(row[0], row[1], json.loads(row[2]), row[3])


def complete(db: sqlite3.Connection, job: Job) -> bool:
    """False when the lease ran out and another attempt owns the job now."""
    done = db.execute(
        "UPDATE jobs SET status = 'done', lease_until = NULL"
        " WHERE id = ? AND status = 'running' AND attempts = ?",
        (job.id, job.attempt),
    )
    return done.rowcount == 1


def fail(db: sqlite3.Connection, job: Job, error: str, now: float,
         retry_in: float, max_attempts: int) -> str:
    """Back to the queue after `retry_in` seconds, or `failed` for good."""
    status = "failed" if job.attempt >= max_attempts else "queued"
    db.execute(
        "UPDATE jobs SET status = ?, run_after = ?, last_error = ?, lease_until = NULL"
        " WHERE id = ? AND status = 'running' AND attempts = ?",
        (status, now + retry_in, error, job.id, job.attempt),
    )
    return status


# --8<-- [end:claim]


def unfinished(db: sqlite3.Connection) -> int:
    query = "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
    return db.execute(query).fetchone()[0]


# --8<-- [start:worker]
def send_reminder(job: Job) -> None:
    headers = {"Idempotency-Key": f"reminder-{job.id}"}  # the same on every attempt
    with httpx2.Client(base_url=job.payload["notifier"], timeout=10) as notifier:
        answer = notifier.post("/v1/messages", json=job.payload["message"],
                               headers=headers)
        answer.raise_for_status()


def work(db: sqlite3.Connection, worker: str, lease: float, poll: float) -> None:
    while unfinished(db):
        job = claim(db, worker, time.time(), lease)
        if job is None:
            time.sleep(poll)  # nothing due yet: queued for later, or leased to another
            continue
        print(f"{worker} claimed job {job.id}, attempt {job.attempt}", flush=True)
        try:
            send_reminder(job)  # first the work...
        except httpx2.HTTPError as exc:
            backoff = random.uniform(0, min(60.0, 2.0 ** (job.attempt - 1)))  # jitter
            fail(db, job, repr(exc), time.time(), backoff, max_attempts=5)
        else:
            complete(db, job)  # ...then the record that it is done


# --8<-- [end:worker]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("database")
    parser.add_argument("--lease", type=float, default=30.0)
    parser.add_argument("--poll", type=float, default=0.05)
    arguments = parser.parse_args()
    work(connect(arguments.database), f"worker-{os.getpid()}", arguments.lease,
         arguments.poll)
