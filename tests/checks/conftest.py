"""The hidden checks' harness: which lab is graded, how it is imported, how verdicts read.

    pytest tests/checks/test_01_asgi_uvicorn.py                      # grades labs/01-*
    pytest tests/checks/test_01_asgi_uvicorn.py --target solutions   # the reference fix
    pytest tests/checks/test_01_asgi_uvicorn.py --target ~/copy/labs # someone else's copy

Each check module is named `test_NN_<slug>.py` (or is a package `test_NN_<slug>/`);
the NN picks the lab. A check's id is its function name without `test_`.
"""

from __future__ import annotations

import gc
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import sandbox
from harness.labs import Lab, find_lab_dir, forget_app_modules
from harness.verdicts import VerdictCollector, check_id, symptom, with_line_numbers

MODULE_LAB = re.compile(r"test_(\d\d)_")
COLLECTOR_KEY = pytest.StashKey[VerdictCollector]()
LAB_DIRS_KEY = pytest.StashKey[dict[str, Path]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("course", "FastAPI Boundaries checks")
    group.addoption("--target", default="labs",
                    help="what to grade: labs (default), solutions, or a folder of lab copies")
    group.addoption("--course-report", default=None,
                    help="write the verdicts as JSON to this file (used by `course check`)")


def pytest_configure(config: pytest.Config) -> None:
    # The course's own tests turn every warning into an error; a lab's warnings (a deprecated
    # call, a socket the standard library left to the collector) are no verdict on the lab.
    config.addinivalue_line("filterwarnings", "default")
    report = config.getoption("--course-report")
    config.stash[COLLECTOR_KEY] = VerdictCollector(
        Path(report) if report else None, config.getoption("--target"))
    config.stash[LAB_DIRS_KEY] = {}


def lab_id_of(node: pytest.Item | pytest.Collector) -> str:
    for part in reversed(Path(str(node.path)).parts):
        match = MODULE_LAB.match(part)
        if match:
            return match.group(1)
    raise LookupError(f"{node.path} is not named test_NN_<slug>")


@pytest.fixture(scope="module")
def lab(request: pytest.FixtureRequest) -> Iterator[Lab]:
    """The lab under test, its folder first on sys.path for as long as the module runs."""
    lab_id = lab_id_of(request.node)
    target = request.config.getoption("--target")
    try:
        path = find_lab_dir(target, lab_id)
    except LookupError as exc:
        pytest.fail(str(exc), pytrace=False)
    request.config.stash[LAB_DIRS_KEY][lab_id] = path
    forget_app_modules()
    # While a class is graded the lab's code never runs here (harness.sandbox): nothing of it
    # can even be imported by mistake.
    importable = not sandbox.active()
    if importable:
        sys.path.insert(0, str(path))
    under_test = Lab(lab_id, path)
    try:
        yield under_test
    finally:
        under_test.close()
        if importable:
            sys.path.remove(str(path))
        forget_app_modules()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder of the module's own for databases and files, in memory (tmpfs) where the
    machine has one: a SQLite commit costs a tenth there of what it costs on a disk."""
    memory = Path("/dev/shm")
    if not (memory.is_dir() and os.access(memory, os.W_OK)):
        yield tmp_path_factory.mktemp("scratch")
        return
    with tempfile.TemporaryDirectory(dir=memory, prefix="course-check-") as folder:
        yield Path(folder)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    if call.excinfo is not None:
        call.excinfo = with_line_numbers(call.excinfo)
    report = yield
    if report.when != "call" and report.outcome == "passed":
        return report
    message = ""
    if report.outcome == "failed" and call.excinfo is not None:
        lab_dir = item.config.stash[LAB_DIRS_KEY].get(lab_id_of(item))
        message = symptom(call.excinfo, lab_dir)
    elif report.outcome == "skipped" and isinstance(report.longrepr, tuple):
        message = str(report.longrepr[2])
    # Outside the call itself, a failure means a fixture broke: the check could not even run.
    outcome = report.outcome if report.when == "call" or report.outcome == "skipped" else "error"
    item.config.stash[COLLECTOR_KEY].record(check_id(item), outcome, message, report.duration)
    return report


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    collector = config.stash[COLLECTOR_KEY]
    if not collector.verdicts:
        return
    terminalreporter.section("check verdicts")
    for verdict in collector.verdicts.values():
        mark = {"passed": "PASS", "failed": "FAIL", "error": "FAIL", "skipped": "SKIP"}
        line = f"{mark[verdict.outcome]}  {verdict.check}"
        for said in verdict.message.splitlines():  # the symptom, then how to reproduce it
            line += f"\n      {said}"
        terminalreporter.write_line(line)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.config.stash[COLLECTOR_KEY].start(check_id(item))


def pytest_sessionfinish(session: pytest.Session) -> None:
    session.config.stash[COLLECTOR_KEY].finish()


def pytest_unconfigure(config: pytest.Config) -> None:
    # Interpreter shutdown would otherwise walk every FastAPI and pydantic object (~0.2 s).
    gc.freeze()

