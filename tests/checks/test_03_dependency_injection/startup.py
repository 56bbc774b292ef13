"""The real uvicorn processes, forked at the start (before any thread runs here), each in a scratch
folder of its own with exactly the settings the check gives it:

- the clinic most checks talk to: the lab's app behind the probe (probe.py), in development,
  with a token secret and lifetime of this run;

- three that must not start: production without CLINIC_TOKEN_SECRET, and none or a broken
  CLINIC_NOTIFIER_URL; each on a database file of its own, in case it does start;
- a production server with a token secret of its own, configured by a `.env` file in its
  folder, on a database of its own.
The first admin of the clinic's and of the production server's database is made by the lab's
own job, `python -m app.cli create-admin`, forked at the start too and run once its server is
up (its tables made).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.labs import Lab
from harness.servers import UvicornProcess

from . import probe, serving
from .clinic import Staff

PRELOAD = ("uvicorn.main", "fastapi", *serving.JOB_PACKAGES)


@contextlib.contextmanager
def no_clinic_settings() -> Iterator[None]:
    """The processes forked meanwhile see no CLINIC_* variable of this shell's: each gets exactly
    what the check gives it."""
    saved = {name: value for name, value in os.environ.items() if name.startswith("CLINIC_")}
    for name in saved:
        del os.environ[name]
    try:
        yield
    finally:
        os.environ.update(saved)


def uvicorn_in(folder: Path, lab: Lab, settings: dict[str, str], app: str = "app.main:app",
               first: bool = False) -> UvicornProcess:
    """`uvicorn app.main:app` started in `folder`, the lab imported from its own: the harness
    starts uvicorn in the folder it is given, and the last `--app-dir` is the one uvicorn uses.
    Unless it comes `first`, it boots behind the checks."""
    folder.mkdir(parents=True, exist_ok=True)
    checks = str(Path(__file__).resolve().parents[1])  # where a fresh interpreter finds the probe
    env = {**settings, "NO_PROXY": "127.0.0.1", "PYTHONPATH": checks}
    server = UvicornProcess(folder, app, extra_args=("--app-dir", str(lab.path)), fork=True,
                            env=env, preload=PRELOAD).start()
    if not first:
        behind(server.process)
    return server


def behind(process: object) -> None:
    """These servers are looked at last: they boot on whatever CPU the checks before them leave
    free, instead of slowing them down."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, process.pid, 10)  # type: ignore[attr-defined]


@dataclass
class Servers:
    db: Path
    admin: Staff
    base_settings: dict[str, str]  # the database and the notifier
    clinic_settings: dict[str, str] = field(default_factory=dict)
    ttl_minutes: int = 60
    clinic: UvicornProcess | None = None
    must_not_start: dict[str, tuple[str, UvicornProcess]] = field(default_factory=dict)
    production: UvicornProcess | None = None
    jobs: dict[str, Any] = field(default_factory=dict)  # waiting for their database
    setup_problem: str = ""

    def stop(self) -> None:
        for job in self.jobs.values():
            with contextlib.suppress(OSError, ValueError):
                job.kill()
                job.communicate()
        every = [server for _, server in self.must_not_start.values()]
        for server in [*every, self.production, self.clinic]:
            # No check needs a graceful stop; killing saves uvicorn's shutdown.
            if server is not None and server.process is not None:
                server.process.kill()
                server.stop()


def start_servers(lab: Lab, scratch: Path, notifier_url: str, *, clinic: bool = True,
                  startup: bool = True) -> Servers:
    """Every process the selected checks need (the clinic, the startup servers), forked at
    once; the jobs create the first admin once their server has made its tables (a job and a
    server making them in one new file at once would race)."""
    db = scratch / "clinic.db"
    base = {"CLINIC_DATABASE_URL": f"sqlite+aiosqlite:///{db}", "CLINIC_NOTIFIER_URL": notifier_url,
            "CLINIC_NOTIFIER_TIMEOUT": "5"}
    servers = Servers(db, Staff.of_this_run("admin"), base)

    def alone(name: str) -> dict[str, str]:
        return {**base, "CLINIC_DATABASE_URL": f"sqlite+aiosqlite:///{scratch / name}.db"}

    production = {"CLINIC_ENVIRONMENT": "production"}
    without_notifier = {k: v for k, v in alone("no-notifier").items() if k != "CLINIC_NOTIFIER_URL"}
    cases = {
        "token_secret": ("production, without CLINIC_TOKEN_SECRET", {**alone("no-secret"),
                                                                   **production}),
        "token_secret empty": ("production, with CLINIC_TOKEN_SECRET set to nothing (an empty "
                               "line in the manifest)", {**alone("empty-secret"), **production,
                                                         "CLINIC_TOKEN_SECRET": ""}),
        "notifier_url": ("without CLINIC_NOTIFIER_URL", without_notifier),
        "notifier_url invalid": (
            "with CLINIC_NOTIFIER_URL=notifier.internal:8031 (no scheme, not a URL)",
            {**alone("bad-notifier"), "CLINIC_NOTIFIER_URL": "notifier.internal:8031"}),
    }
    job_settings = {"CLINIC_ENVIRONMENT": "development",
                    "CLINIC_TOKEN_SECRET": secrets.token_urlsafe(24)}
    servers.ttl_minutes = 20 + secrets.randbelow(200)
    servers.clinic_settings = {**base, **job_settings,
                               "CLINIC_TOKEN_SECRET": secrets.token_urlsafe(24),
                               "CLINIC_TOKEN_TTL_MINUTES": str(servers.ttl_minutes)}
    with no_clinic_settings():
        if clinic:
            servers.jobs["clinic"] = serving.start_create_admin(
                lab, scratch, {**base, **job_settings}, servers.admin)
            servers.clinic = uvicorn_in(scratch / "clinic", lab, servers.clinic_settings,
                                        app=f"{probe.__name__}:lab_app", first=True)
        if not startup:
            return servers
        servers.jobs["production"] = serving.start_create_admin(
            lab, scratch, {**alone("production"), **job_settings}, servers.admin)
        behind(servers.jobs["production"])
        for name, (said, settings) in cases.items():
            servers.must_not_start[name] = (said, uvicorn_in(scratch / name.replace(" ", "-"),
                                                             lab, settings))
        # Its settings come from a .env file in the folder it starts in, as the brief allows;
        # only the database from the environment.
        folder = scratch / "production"
        folder.mkdir()
        dotenv = {**base, **production, "CLINIC_TOKEN_SECRET": secrets.token_urlsafe(24)}
        del dotenv["CLINIC_DATABASE_URL"]
        (folder / ".env").write_text("".join(f"{k}={v}\n" for k, v in dotenv.items()))
        servers.production = uvicorn_in(folder, lab, {
            "CLINIC_DATABASE_URL": alone("production")["CLINIC_DATABASE_URL"]})
    return servers


def first_admin(servers: Servers, which: str) -> str:
    """Runs the lab's job that creates the first admin on that server's database, once the
    server has made its tables; '' or what went wrong."""
    job = servers.jobs.pop(which, None)
    if job is None:
        return servers.setup_problem
    try:
        serving.finish_job(job, "the lab's job `python -m app.cli create-admin ...`")
    except BaseException as exc:  # a broken job must fail the checks that need it, only
        servers.setup_problem = str(exc).strip() or repr(exc)
    return servers.setup_problem
