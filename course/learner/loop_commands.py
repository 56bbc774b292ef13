"""The learner's long-running commands: `course watch` (re-check on every save) and `course
start` (the site, served with the learner's progress)."""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer

from course.engine import ports
from course.engine.check_command import RunnerError
from course.engine.console import (
    console,
    fail,
    lab_or_exit,
    record_or_say,
    store,
)
from course.engine.registry import Lab, all_labs
from course.engine.runner import CheckRun, run_checks
from course.learner.check_commands import list_labs


def watch(
    lab_key: Annotated[str | None, typer.Argument(
        help="lab to start with; default: the first one that does not pass")] = None,
    poll: Annotated[bool | None, typer.Option(
        "--poll/--events", help="poll for changes (WSL, containers, network drives) or use "
        "file events; default: chosen for this machine")] = None,
) -> None:
    """Re-check the lab on every save; move on to the next lab when it passes."""
    from course.engine.warm import available as warm_available
    from course.engine.warm import serving_engine
    from course.learner.watch import watch as watch_labs

    labs = all_labs()

    def passed(lab: Lab) -> bool:
        # Read afresh: a `course reset` or `check` in another terminal changes it meanwhile.
        progress = store().load().labs.get(lab.id)
        return bool(progress and progress.last_checks
                    and all(o == "passed" for o in progress.last_checks.values()))

    first = lab_or_exit(lab_key) if lab_key else next(
        (lab for lab in labs if not passed(lab)), labs[0])
    with contextlib.ExitStack() as stack:
        launcher = stack.enter_context(serving_engine()).launch if warm_available() else None

        def check_and_record(lab: Lab) -> CheckRun:
            try:
                run = run_checks(lab, launcher=launcher)
            except RunnerError as exc:
                raise fail(str(exc)) from None
            record_or_say(run)
            return run

        watch_labs(first, labs, check_and_record, passed, poll=poll, console=console)


def start(
    port: Annotated[int, typer.Option(
        help="port on 127.0.0.1 (0: any free one)")] = ports.SITE_PORT,
    build: Annotated[bool, typer.Option(help="rebuild the site first")] = True,
) -> None:
    """Build the site and serve it on http://127.0.0.1:PORT with your lab progress."""
    from course.engine.links import announce_site
    from course.engine.warm import available as warm_available
    from course.engine.warm import serving_engine
    from course.learner.server import PortTaken, claim_port, serve
    from course.website.site_build import build_site

    try:
        sock = claim_port(port)  # before anything is built or printed
    except PortTaken as exc:
        raise fail(str(exc)) from None
    with contextlib.closing(sock), contextlib.ExitStack() as stack:
        if build:
            console.print("Building the site…")
            try:
                build_site()
            except RuntimeError as exc:
                raise fail(str(exc)) from None
        list_labs()
        if warm_available():  # `course check` in other terminals starts warm meanwhile
            stack.enter_context(serving_engine())
        url = ports.site_url(sock.getsockname()[1])
        console.print(f"[bold]The course is at {url}/[/]  (Ctrl-C stops it)", soft_wrap=True)
        with announce_site(url):  # `read:` links in other terminals follow this port
            serve(sock)
