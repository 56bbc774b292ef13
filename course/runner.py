"""Runs one lab's checks in a pytest subprocess and maps the outcomes to lab.toml's check ids.

One process per lab (every lab has a package named `app`), plugin autoloading off (notebook
tooling registers pytest plugins that cost seconds), a per-check timeout inside pytest and a
wall-clock timeout around the whole process group.
"""

from __future__ import annotations

import abc
import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from course.paths import CHECKS_DIR, REPO_ROOT

if TYPE_CHECKING:
    from course.registry import Lab

Outcome = Literal["passed", "failed", "error", "skipped", "missing"]
PER_CHECK_TIMEOUT = int(os.environ.get("COURSE_CHECK_TIMEOUT", "10"))


class RunnerError(Exception):
    """The checks could not run at all (no check file, pytest broken): exit code 2."""


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


def resolve_target(target: str) -> str:
    """`labs`, `solutions`, or a path (made absolute so the subprocess finds it)."""
    if target in ("labs", "solutions"):
        return target
    path = Path(target).expanduser().resolve()
    if not path.is_dir():
        raise RunnerError(f"--target {target}: no such folder")
    return str(path)


def check_path_for(slug: str, checks_dir: Path | None = None) -> Path:
    """tests/checks/test_NN_slug.py, or the package test_NN_slug/ where a lab has several."""
    stem = "test_" + slug.replace("-", "_")
    folder = CHECKS_DIR if checks_dir is None else checks_dir
    return folder / stem if (folder / stem).is_dir() else folder / f"{stem}.py"


def existing_check_path(slug: str, checks_dir: Path | None = None) -> Path:
    check_path = check_path_for(slug, checks_dir)
    if not check_path.exists():
        restore = (f" (restore it with: git checkout -- {check_path.relative_to(REPO_ROOT)})"
                   if check_path.is_relative_to(REPO_ROOT) else "")
        raise RunnerError(f"the checks for lab {slug[:2]} are missing: {check_path} not found"
                          + restore)
    return check_path


def pytest_args(check_path: Path, target: str, report: Path, checks_dir: Path | None) -> list[str]:
    return [
        str(check_path), "--target", target, "--course-report", str(report),
        "-p", "pytest_timeout", f"--timeout={PER_CHECK_TIMEOUT}",
        "-q", "--no-header", "--tb=no", "-p", "no:cacheprovider",
        "--rootdir", str(REPO_ROOT if checks_dir is None else checks_dir.parent.parent),
    ]


def pytest_env() -> dict[str, str]:
    # Only the plugins the checks need: notebook tooling alone adds seconds to every start.
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    return env


class Launch(abc.ABC):
    """A pytest run under way for one lab and target, in a process group of its own."""

    def __init__(self, slug: str, target: str, checks_dir: Path | None = None) -> None:
        check_path = existing_check_path(slug, checks_dir)
        self.scratch = tempfile.TemporaryDirectory(prefix="course-check-")
        self.report = Path(self.scratch.name) / "report.json"
        self.args = pytest_args(check_path, target, self.report, checks_dir)
        self.started = time.monotonic()

    @abc.abstractmethod
    def wait(self, timeout: float) -> tuple[int, str]:
        """(exit code, output); raises TimeoutError when the run takes longer."""

    @abc.abstractmethod
    def kill(self) -> None:
        """Stop the run and everything it started; harmless once it has ended."""


class ProcessLaunch(Launch):
    """`python -m pytest` in a fresh interpreter."""

    def __init__(self, slug: str, target: str, checks_dir: Path | None = None) -> None:
        super().__init__(slug, target, checks_dir)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pytest", *self.args], cwd=REPO_ROOT, env=pytest_env(),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True,
        )

    def wait(self, timeout: float) -> tuple[int, str]:
        try:
            output, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError from None
        return self.process.returncode, output

    def kill(self) -> None:
        """The whole group: a check may have started a server of its own."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.communicate()


Launcher = Callable[[str, str], Launch]
_early: dict[tuple[str, str], Launch] = {}


def start_early(slug: str, target: str) -> None:
    """Start a lab's checks before the rest of the tool has even been imported; `run_checks`
    picks the process up. An early start nobody claims is stopped when the tool exits."""
    try:
        _early[(slug, resolve_target(target))] = ProcessLaunch(slug, resolve_target(target))
    except RunnerError:
        return  # run_checks will report it properly
    if len(_early) == 1:
        atexit.register(_stop_unclaimed)


def _stop_unclaimed() -> None:
    for early in _early.values():
        early.kill()
        early.scratch.cleanup()


def run_checks(lab: Lab, target: str = "labs", *, checks_dir: Path | None = None,
               timeout: float | None = None, launcher: Launcher | None = None) -> CheckRun:
    """Run lab's checks against target. `checks_dir` lets a grader use its own copy of
    tests/checks; `launcher` lets `course watch` run them in a warm interpreter."""
    target = resolve_target(target)
    run = _early.pop((lab.slug, target), None) if checks_dir is None else None
    if run is None:
        run = launcher(lab.slug, target) if launcher and checks_dir is None else \
            ProcessLaunch(lab.slug, target, checks_dir)
    timeout = timeout or lab.timeout
    with run.scratch:
        try:
            code, output = run.wait(timeout)
            note = ""
        except TimeoutError:
            code, output = -1, ""
            note = (f"the checks were stopped after {timeout:.0f} s: something in the lab "
                    "never finished")
        finally:
            run.kill()
        seconds = time.monotonic() - run.started
        verdicts, running = _read_report(run.report)
    if note and running:
        verdicts.append({"check": running, "outcome": "failed", "seconds": seconds,
                         "message": f"this check never finished: the lab got stuck and the run "
                                    f"was stopped after {timeout:.0f} s"})
    if not verdicts and not note:
        if code in (1, 3, 4):
            note = "pytest could not run the checks: " + _last_meaningful_line(output)
        elif code == 5:
            note = "no checks were collected"
        else:
            note = f"pytest ended with code {code}: {_last_meaningful_line(output)}"
        if code not in (0, 1, 5):
            raise RunnerError(note)
    return CheckRun(lab, target, _merge(lab, verdicts, note), seconds, note)


def _read_report(path: Path) -> tuple[list[dict], str | None]:
    """The verdicts so far, and the check that was running when the report was last written."""
    try:
        payload = json.loads(path.read_text())
        return payload["checks"], payload.get("running")
    except (OSError, ValueError, KeyError):
        return [], None


def _last_meaningful_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("E ") or "Error" in line]
    return (errors or lines or ["(no output)"])[-1].removeprefix("E ").strip()


def _merge(lab: Lab, verdicts: list[dict], note: str) -> list[CheckResult]:
    """One result per check: collected ones in run order, then mapped checks that never reported."""
    results = [
        CheckResult(v["check"], v["outcome"], v["message"], v["seconds"],
                    [bug.id for bug in lab.bugs_caught_by(v["check"])])
        for v in verdicts
    ]
    reported = {r.check for r in results}
    for check in lab.mapped_checks:
        if check not in reported:
            message = note or "this check did not run (it is missing from the check module)"
            results.append(CheckResult(check, "missing", message, 0.0,
                                       [bug.id for bug in lab.bugs_caught_by(check)]))
    return results
