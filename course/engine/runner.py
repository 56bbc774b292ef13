"""Runs one lab's checks and maps the outcomes to lab.toml's check ids.

The pytest process itself (one per lab, plugin autoloading off, a per-check timeout inside it)
is started by `course.engine.launch`; here it gets a wall-clock timeout around its whole process
group, and its verdict report becomes one result per check.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from course.engine import launch
from course.engine.check_command import RunnerError, per_check_timeout, resolve_target
from course.engine.launch import Launch, claim_early

if TYPE_CHECKING:
    from course.engine.registry import Lab

Outcome = Literal["passed", "failed", "error", "skipped", "missing"]


@dataclass
class CheckResult:
    check: str
    outcome: Outcome
    message: str = ""
    seconds: float = 0.0
    bugs: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome == "passed"


@dataclass
class CheckRun:
    lab: Lab
    target: str
    results: list[CheckResult]
    seconds: float
    note: str = ""  # why some checks have no verdict (timeout, crash)

    @property
    def passed(self) -> int:
        return sum(result.ok for result in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def ok(self) -> bool:
        return bool(self.results) and self.failed == 0

    def result(self, check: str) -> CheckResult | None:
        return next((r for r in self.results if r.check == check), None)

    def to_json(self) -> dict:
        return {
            "lab": self.lab.id, "slug": self.lab.slug, "target": self.target,
            "passed": self.passed, "failed": self.failed, "seconds": round(self.seconds, 3),
            "note": self.note,
            "checks": [
                {"id": r.check, "outcome": r.outcome, "message": r.message,
                 "seconds": round(r.seconds, 3), "bugs": r.bugs}
                for r in self.results
            ],
        }


Launcher = Callable[..., Launch]  # (slug, target, only=(), instructor=False) -> Launch


def run_checks(lab: Lab, target: str = "labs", *, checks_dir: Path | None = None,
               timeout: float | None = None, launcher: Launcher | None = None,
               only: tuple[str, ...] = (), instructor: bool = False) -> CheckRun:
    """Run lab's checks against target. `checks_dir` lets a grader use its own copy of
    tests/checks; `launcher` lets `course watch` run them in a warm interpreter; `only` runs
    just those checks (the results then hold only them); `instructor` adds the instructor-only
    checks (`course grade`, `course verify`), which the learner's loop never runs."""
    target = resolve_target(target)
    early = checks_dir is None and not only and not instructor
    run = claim_early(lab.slug, target) if early else None
    if run is None:
        run = launcher(lab.slug, target, only=only, instructor=instructor) \
            if launcher and checks_dir is None else \
            launch.fresh_launch(lab.slug, target, checks_dir, only, instructor)
    # Never shorter than one check may take: its own timeout, and as long again to clean up.
    timeout = max(timeout or lab.timeout, 2 * per_check_timeout())
    with run.scratch:
        try:
            code, output = _wait_while_progressing(run, timeout)
            note = ""
        except TimeoutError:
            code, output = -1, ""
            note = (f"the checks were stopped after {timeout:.0f} s in which none started or "
                    "finished: something in the lab never finished")
        finally:
            run.kill()
        seconds = time.monotonic() - run.started
        verdicts, running, written = _read_report(run.report)
    if note and running:
        stuck = {"check": running, "outcome": "failed", "seconds": seconds,
                 "message": f"this check never finished: the lab got stuck and the run was "
                            f"stopped after {timeout:.0f} s without progress"}
        # It may have a verdict already (its clean-up is what got stuck): one per check.
        at = next((n for n, v in enumerate(verdicts) if v["check"] == running), len(verdicts))
        verdicts[at:at + 1] = [stuck]
    _one_cause_for_all(verdicts)
    ended = "" if note else how_the_lab_ended_it(code, running, written)
    if ended:
        verdicts += _unfinished(lab.checks_run(instructor), verdicts, running, ended, only)
        note = f"the lab ended the check run: {ended}"
    if not verdicts and not note:
        if code in (1, 3, 4):
            note = "pytest could not run the checks: " + _last_meaningful_line(output)
        elif code == 5:
            note = "no checks were collected"
        else:
            note = f"pytest ended with code {code}: {_last_meaningful_line(output)}"
        if code not in (0, 1, 5):
            raise RunnerError(note)
    return CheckRun(lab, target, _merge(lab, verdicts, note, only, instructor), seconds, note)


PROGRESS_POLL = 0.5  # seconds between looks at a waiting run's report; its end is seen at once


def _wait_while_progressing(run: Launch, timeout: float) -> tuple[int, str]:
    """The run's end, however long its checks take while they keep starting and finishing
    (pytest-timeout bounds each, and the report is rewritten whenever one does); TimeoutError
    once none has for `timeout` seconds: something the per-check timeout cannot stop is stuck.
    A total limit instead would cut off checks that never needed what hangs."""
    stamp = _stamp(run.report)
    deadline = time.monotonic() + timeout
    while True:
        try:
            return run.wait(PROGRESS_POLL)
        except TimeoutError:
            seen = _stamp(run.report)
            if seen != stamp:
                stamp, deadline = seen, time.monotonic() + timeout
            elif time.monotonic() >= deadline:
                raise


def _stamp(report: Path) -> tuple[int, int] | None:
    """Changes whenever the report is rewritten (each write replaces the file)."""
    try:
        status = report.stat()
    except OSError:
        return None
    return status.st_ino, status.st_mtime_ns


def _read_report(path: Path) -> tuple[list[dict], str | None, bool]:
    """The verdicts so far, the check that was running when the report was last written, and
    whether it was written at all (a finished run always writes it, running none)."""
    try:
        payload = json.loads(path.read_text())
        return payload["checks"], payload.get("running"), True
    except (OSError, ValueError, KeyError):
        return [], None, False


PYTEST_EXIT_CODES = range(6)  # ok, tests failed, interrupted, internal error, usage, none collected
SIGNALS_SAID = {"SIGSEGV": "it crashed with a segmentation fault (SIGSEGV)",
                "SIGABRT": "it aborted (SIGABRT)", "SIGBUS": "it crashed (SIGBUS)"}


def how_the_lab_ended_it(code: int, running: str | None, written: bool) -> str:
    """What ended the check process before pytest could finish the run, in words ("" when
    pytest finished it): only the lab's code runs there besides the checks, so it is the lab's
    doing: a crash, a signal to its own process or group, `os._exit`, `sys.exit` in a thread."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return SIGNALS_SAID.get(name, f"its process was killed by {name}")
    if code not in PYTEST_EXIT_CODES:
        return f"its process exited with code {code} (os._exit or a process-wide exit in the lab)"
    if running is not None:
        # pytest itself exits only once the session is over, and catches sys.exit in a check.
        return (f"its process exited with code {code} in the middle of the run: "
                f"os._exit({code}), or another process-wide exit, in the lab")
    if not written and code == 0:
        return "its process exited with code 0 before any check ran (an exit at import?)"
    return ""


# The harness's words (tests/checks/harness/labs.py) for a lab whose import calls sys.exit().
EXITS_AT_IMPORT = "the lab exits as it is imported"


def _one_cause_for_all(verdicts: list[dict]) -> None:
    """A lab that exits as it is imported fails every check that needs it, in-process or under
    a server (where it only shows as a server that ended in silence): each says why, alike."""
    said = next((v["message"] for v in verdicts
                 if v["outcome"] in ("failed", "error")
                 and v["message"].startswith(EXITS_AT_IMPORT)), "")
    for verdict in verdicts:
        if said and verdict["outcome"] in ("failed", "error"):
            verdict["message"] = said


def _unfinished(expected: list[str], verdicts: list[dict], running: str | None, ended: str,
                only: tuple[str, ...]) -> list[dict]:
    """A failed verdict for the check the lab ended and every mapped check it never reached."""
    reported = {v["check"] for v in verdicts}
    added = []
    if running and running not in reported:
        added.append({"check": running, "outcome": "failed", "seconds": 0.0,
                      "message": f"the lab ended the run while this check ran: {ended}"})
        reported.add(running)
    for check in expected:
        if check not in reported and (not only or check in only):
            added.append({"check": check, "outcome": "failed", "seconds": 0.0,
                          "message": f"this check was not reached: the lab ended the run "
                                     f"before it; {ended}"})
    return added


def _last_meaningful_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("E ") or "Error" in line]
    return (errors or lines or ["(no output)"])[-1].removeprefix("E ").strip()


def _merge(lab: Lab, verdicts: list[dict], note: str, only: tuple[str, ...] = (),
           instructor: bool = False) -> list[CheckResult]:
    """One result per check: collected ones in run order, then mapped checks of the run (of
    `only`, if given) that never reported."""
    results = [
        CheckResult(v["check"], v["outcome"], v["message"], v["seconds"],
                    [bug.id for bug in lab.bugs_caught_by(v["check"])])
        for v in verdicts
    ]
    reported = {r.check for r in results}
    for check in lab.checks_run(instructor):
        if check not in reported and (not only or check in only):
            message = note or "this check did not run (it is missing from the check module)"
            results.append(CheckResult(check, "missing", message, 0.0,
                                       [bug.id for bug in lab.bugs_caught_by(check)]))
    return results
