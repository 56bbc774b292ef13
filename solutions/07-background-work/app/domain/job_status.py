"""Where a job is in its life: queued (waiting to run, or to run again), running (a worker
holds its lease), then done or failed for good."""

from enum import StrEnum


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
