"""The plan catalogue is read once, when the service starts, after what it needs; a service
that cannot read it does not start."""

from __future__ import annotations

import time
from pathlib import Path

from course.engine import ports
from harness.labs import Lab
from harness.servers import UvicornProcess

from .clinic import API, COVERAGE, Clinic, Insurer, failed, json_of, settings_for, shown
from .conftest import Started

PLANS = f"{API}/plans"
# A uvicorn binds its port only once the lifespan's startup is done, so a server that stops
# at startup never listens: waiting for whichever comes first, the exit or the port, takes no
# fixed window a busy machine could overrun. Only a startup that neither ends nor serves (a
# retry that never gives up) is stopped, after this long.
STARTUP_TIMEOUT = 40
POLL = 0.1


def test_the_catalogue_is_read_at_startup(clinic: Clinic, started: Started) -> None:
    insurer = started.insurer
    listed = clinic.call("GET", PLANS)
    if listed.status_code != 200 or json_of(listed) != insurer.plans:
        failed(f"GET {PLANS} answered {shown(listed)}; the insurer lists "
               f"{len(insurer.plans)} plans, and it answered throughout the service's startup: "
               f"{[plan['code'] for plan in insurer.plans]}")
    reads = insurer.catalogue_reads
    for _ in range(3):
        clinic.call("GET", PLANS)
    if insurer.catalogue_reads != reads:
        failed(f"each GET {PLANS} asked the insurer for its catalogue again; it is read once, "
               "when the service starts")
    plan = insurer.plans[-1]
    patient = clinic.register(insurance_member_id=insurer.member(plan))
    answer = clinic.call("GET", COVERAGE, token=patient.token)
    body = json_of(answer)
    if answer.status_code != 200 or not isinstance(body, dict) or body.get("plan") != plan:
        failed(f"GET {COVERAGE} for a member of plan {plan['code']} answered {shown(answer)}; "
               f"the plan as the catalogue lists it was expected: {plan}")


def uvicorn_with_insurer(lab: Lab, scratch: Path, insurer_url: str, name: str,
                         notifier_url: str) -> UvicornProcess:
    folder = scratch / name
    folder.mkdir()
    settings = settings_for(folder / "clinic.db", notifier_url, insurer_url)
    return UvicornProcess(lab.path, env=settings).start()


def exit_or_serving(server: UvicornProcess, deadline: float) -> int | None:
    """The exit code of a uvicorn that stopped at startup; None once it serves, or at the
    deadline (a time.monotonic())."""
    while time.monotonic() < deadline:
        code = server.wait_exit(POLL)
        if code is not None:
            return code
        if server.listening(0):
            return None
    return server.wait_exit(0)


def test_no_catalogue_no_service(lab: Lab, scratch: Path, started: Started) -> None:
    down = Insurer(failing=True).start()
    nobody = f"http://{ports.HOST}:{ports.free_port()}"  # nothing listens there
    servers = {"answering 503 to everything": uvicorn_with_insurer(
                   lab, scratch, down.url, "insurer-failing", started.notifier.url),
               "not listening at all": uvicorn_with_insurer(
                   lab, scratch, nobody, "insurer-gone", started.notifier.url)}
    deadline = time.monotonic() + STARTUP_TIMEOUT  # both start at once
    try:
        for outage, server in servers.items():
            code = exit_or_serving(server, deadline)
            if code is None:
                what = ("started anyway and serves requests" if server.listening(0) else
                        f"had neither stopped nor begun serving after {STARTUP_TIMEOUT} s")
                failed(f"with the insurer {outage} when it starts, the service {what}; without "
                       "the plan catalogue it was to stop at startup, with a non-zero exit")
            if code == 0:
                failed(f"with the insurer {outage} when it starts, uvicorn exited with code "
                       "0; a failed startup exits non-zero, for whatever supervises it to see")
    finally:
        for server in servers.values():
            server.stop()
        down.stop()
