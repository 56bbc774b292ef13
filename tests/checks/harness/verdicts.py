"""Turns pytest outcomes into check verdicts: one id per check function, one plain symptom."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from harness.labs import describe_exception


@dataclass
class Verdict:
    check: str
    outcome: str  # "passed" | "failed" | "error" | "skipped"
    message: str = ""
    seconds: float = 0.0


def check_id(item: pytest.Item) -> str:
    name = getattr(item, "originalname", None) or item.name.split("[", 1)[0]
    return name.removeprefix("test_")


def _numbered(tb: Any) -> TracebackType | None:
    """The traceback chain again, each entry with a line number: on Python 3.11 an exception
    that passes an instruction without one (seen in asyncio's task steps) carries
    `tb_lineno = None`, and pytest's report of it then fails the whole run (INTERNALERROR)."""
    if tb is None:
        return None
    line = tb.tb_lineno if tb.tb_lineno is not None else tb.tb_frame.f_code.co_firstlineno
    return TracebackType(_numbered(tb.tb_next), tb.tb_frame, tb.tb_lasti, line)


def with_line_numbers(excinfo: pytest.ExceptionInfo[BaseException]) -> pytest.ExceptionInfo[BaseException]:
    """`excinfo`, with every traceback in it (its chained causes' too) numbered."""
    seen: set[int] = set()
    chained: list[BaseException | None] = [excinfo.value]
    while chained:
        exc = chained.pop()
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        exc.__traceback__ = _numbered(exc.__traceback__)
        chained += [exc.__cause__, exc.__context__]
    return pytest.ExceptionInfo.from_exc_info((excinfo.type, excinfo.value, _numbered(excinfo.tb)))


def symptom(excinfo: pytest.ExceptionInfo[BaseException], lab_dir: Path | None) -> str:
    """The message a learner reads: the check's own words, never pytest's introspection."""
    exc = excinfo.value
    if isinstance(exc, AssertionError):
        text = str(exc).split("\nassert ", 1)[0].strip()
        # pytest indents the lines after the first (a "reproduce:" line): the message's own.
        return "\n".join(line.strip() for line in text.splitlines()) or (
            "an expectation of the check did not hold")
    if excinfo.typename == "Failed":  # pytest.fail(...) and pytest-timeout
        text = str(exc).strip()
        if text.startswith("Timeout"):
            return ("the check did not finish in time: a request or the service never "
                    "answered (something is stuck or blocked)")
        return text
    detail = describe_exception(exc, lab_dir) if lab_dir else f"{type(exc).__name__}: {exc}"
    return f"the check stopped on an error raised by the lab: {detail}"


RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


class VerdictCollector:
    """Collects one verdict per check (worst outcome wins for parametrized checks).

    With a report path, the report is rewritten after every change, naming the check that is
    running: if the whole run is killed (a lab that hangs), what finished is still known.
    """

    def __init__(self, report: Path | None = None, target: str = "") -> None:
        self.verdicts: dict[str, Verdict] = {}
        self.running: str | None = None
        self.report = report
        self.target = target

    def start(self, check: str) -> None:
        self.running = check
        self._write()

    def record(self, check: str, outcome: str, message: str, seconds: float) -> None:
        current = self.verdicts.get(check)
        if current is None:
            self.verdicts[check] = Verdict(check, outcome, message, seconds)
        else:
            current.seconds += seconds
            if RANK[outcome] > RANK[current.outcome]:
                current.outcome, current.message = outcome, message
        self._write()

    def finish(self) -> None:
        self.running = None
        self._write()

    def _write(self) -> None:
        if self.report is None:
            return
        payload = {"target": self.target, "running": self.running,
                   "checks": [asdict(v) for v in self.verdicts.values()]}
        scratch = self.report.with_suffix(".tmp")
        scratch.write_text(json.dumps(payload, indent=2))
        scratch.replace(self.report)
