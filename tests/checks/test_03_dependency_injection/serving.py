"""Starting the lab the way the checks run it: its jobs (`python -m app.cli ...`) in processes
of their own, forked from the check's before any thread runs, and its app behind the probe.
Everything runs in a scratch folder, never the lab folder: a learner's `.env` there (the brief
has them copy one) must not decide what the lab is configured with."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.forked import start_python
from harness.labs import Lab

from .clinic import Staff, failed

JOB_TIMEOUT = 30
JOB_PACKAGES = ("pydantic", "pydantic_settings", "sqlalchemy.orm", "sqlalchemy.ext.asyncio",
                "aiosqlite", "httpx2")
# `python -m app.cli ARGS`, run when the check writes "go" to it: the job is forked before any
# thread runs here, and runs once the database it writes to exists. (Nothing of the lab is
# imported before: `python -m` runs the module as __main__, and only that.)
JOB = """
import runpy, sys
if sys.stdin.readline().strip() != "go":
    raise SystemExit(0)
sys.argv = ["app.cli", *sys.argv[1:]]
runpy.run_module("app.cli", run_name="__main__", alter_sys=True)
"""


def environment(lab: Lab, settings: Mapping[str, str]) -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(lab.path), os.environ.get("PYTHONPATH", "")]))
    return {**settings, "PYTHONPATH": path}


def start_job(lab: Lab, folder: Path, settings: Mapping[str, str], *args: str) -> Any:
    """The job's process, waiting for `go(job)`."""
    return start_python(JOB, list(args), cwd=folder, env=environment(lab, settings),
                        preload_first=JOB_PACKAGES, stdin=True)


def go(job: Any) -> None:
    with contextlib.suppress(OSError, ValueError):  # it may have died while loading
        job.stdin.write("go\n")
        job.stdin.flush()


def start_create_admin(lab: Lab, folder: Path, settings: Mapping[str, str], admin: Staff) -> Any:
    return start_job(lab, folder, settings, "create-admin", "--email", admin.email,
                     "--full-name", admin.full_name, "--password", admin.password)


def finish_job(job: Any, what: str) -> str:
    """Lets the job run, and waits for its end; a job that fails fails the check."""
    go(job)
    try:
        output, errors = job.communicate(timeout=JOB_TIMEOUT)
    except subprocess.TimeoutExpired:
        job.kill()
        failed(f"{what} did not finish within {JOB_TIMEOUT} s")
    if job.returncode != 0:
        said = [line.strip() for line in (errors or "").strip().splitlines()
                if line.strip() and not line.strip().startswith("For further information")]
        failed(f"{what} exited with code {job.returncode}: "
               f"{' | '.join(said[-3:])[:300] or '(no error output)'}")
    return output
