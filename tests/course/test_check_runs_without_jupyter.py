"""The check runner stays free of the notebook stack the course also installs: a check run (fresh
interpreter for `course check`, warm forked one for `course watch`) imports nothing of Jupyter and
loads no pytest plugin it did not ask for. Measured, Jupyter's tooling adds seconds to every start.

The evidence is every module the checks' process loaded, recorded by an audit hook that a
sitecustomize on PYTHONPATH installs in each interpreter the runs start (one file per process)."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from course.engine.check_command import existing_check_path, pytest_args, pytest_env
from course.engine.launch import Launch, ProcessLaunch
from course.engine.paths import REPO_ROOT
from course.engine.registry import Lab, all_labs
from course.engine.warm import WarmInterpreter

# Top-level packages of the notebook stack (jupyterlab, the kernel, nbclient and their transport).
NOTEBOOK_STACK = {"jupyter", "jupyterlab", "jupyter_server", "jupyter_client", "jupyter_core",
                  "jupyter_events", "jupyter_lsp", "notebook", "notebook_shim", "nbclient",
                  "nbconvert", "nbformat", "ipykernel", "IPython", "comm", "debugpy", "zmq",
                  "tornado", "nbmake", "pytest_jupyter"}
ASKED_FOR = {"pytest_timeout"}  # the `-p pytest_timeout` of tests/checks/pytest.toml
RECORDED_CHECK_TIMEOUT = 60  # seconds per check, while the recorder runs
# sys.modules, written out at exit and whenever an import statement finds it grown (a forked run
# ends in os._exit, past atexit): every module the process has loaded, however it was imported.
RECORDER = """
import atexit, os, sys

_log = os.environ["COURSE_IMPORT_LOG"]
_known = [0]


def _record():
    if len(sys.modules) != _known[0]:
        _known[0] = len(sys.modules)
        with open(os.path.join(_log, f"{os.getpid()}.txt"), "w") as log:
            log.write(" ".join(sys.modules))


sys.addaudithook(lambda event, args: _record() if event == "import" else None)
atexit.register(_record)
"""

Modules = Callable[..., set[str]]


@pytest.fixture
def loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Modules:
    """Records the modules of each interpreter started from here; loaded(pid) reads one."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(RECORDER)
    (tmp_path / "log").mkdir()
    monkeypatch.setenv("COURSE_IMPORT_LOG", str(tmp_path / "log"))
    # The recorder slows every import of every process; what this proves is what the run
    # loads, not how fast: a loaded machine must not fail it by the checks' own 10 s limit.
    monkeypatch.setenv("PYTEST_TIMEOUT", str(RECORDED_CHECK_TIMEOUT))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [str(tmp_path / "site"), os.environ.get("PYTHONPATH")])))

    def modules(pid: int | None = None) -> set[str]:
        """One process's modules; with no pid, those of every process recorded (the checks run
        in a child of the process the tool starts, and start servers of their own)."""
        logs = [tmp_path / "log" / f"{pid}.txt"] if pid else (tmp_path / "log").glob("*.txt")
        return {name for log in logs if log.is_file() for name in log.read_text().split()}

    return modules


def unasked_plugins() -> set[str]:
    """The modules of every pytest plugin installed here, except those the runner names."""
    plugins = {entry.value.split(":")[0] for entry in importlib.metadata.entry_points(group="pytest11")}
    return plugins - ASKED_FOR


def promise_checks(lab: Lab) -> tuple[str, ...]:
    return tuple(check for promise in lab.promises for check in promise.checks)


def finished(launch: Launch, lab: Lab) -> tuple[int, str]:
    try:
        return launch.wait(max(lab.timeout, 4 * RECORDED_CHECK_TIMEOUT))
    finally:
        launch.kill()
        launch.scratch.cleanup()


def assert_clean(modules: set[str], where: str) -> None:
    stack = sorted(m for m in modules if m.split(".")[0] in NOTEBOOK_STACK)
    assert not stack, f"{where} imported the notebook stack: {stack[:8]}"
    plugins = sorted(modules & unasked_plugins())
    assert not plugins, f"{where} loaded pytest plugins it did not ask for: {plugins}"


def test_the_evidence_would_show_plugins_that_autoload(loaded: Modules, tmp_path: Path) -> None:
    """The runner's own pytest command line with plugin autoloading back on (the options of
    tests/checks/pytest.toml left out): installed plugins show up in the record. That is what
    the runs below must not look like."""
    assert unasked_plugins(), "no third-party pytest plugin is installed: nothing to prove"
    lab = all_labs()[0]
    args = pytest_args(existing_check_path(lab.slug), "solutions", tmp_path / "report.json")
    process = subprocess.Popen([sys.executable, "-m", "pytest", *args, "-o", "addopts=",
                                "--collect-only"],
                               cwd=REPO_ROOT, env=pytest_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    assert process.wait(120) == 0
    assert loaded(process.pid) & unasked_plugins()


@pytest.mark.parametrize("lab", all_labs(), ids=lambda lab: lab.slug)
def test_a_check_run_leaves_jupyter_out(lab: Lab, loaded: Modules) -> None:
    """`course check NN`: pytest in a fresh interpreter. The run is of the lab's promise checks:
    it collects (imports) every check module, serves the lab as its checks do, and runs the
    check helpers; the bug checks would add tens of seconds a lab and no module."""
    launch = ProcessLaunch(lab.slug, "solutions", only=promise_checks(lab))
    code, output = finished(launch, lab)
    assert code == 0, f"the solution's checks did not pass: {output[-800:]}"
    modules = loaded()
    assert {"pytest_timeout", "fastapi"} <= modules, "the record did not see the run"
    assert_clean(modules, f"course check {lab.id}")


def test_a_watch_run_leaves_jupyter_out(loaded: Modules) -> None:
    """`course watch`: the warm interpreter's preloads, then a check run forked from it."""
    lab = all_labs()[0]
    with WarmInterpreter() as warm:
        launch = warm.launch(lab.slug, "solutions")
        code, output = finished(launch, lab)
        preloads = loaded(warm.process.pid)
    assert code == 0, f"the solution's checks did not pass: {output[-800:]}"
    modules = loaded()  # the preloads, and what the forked run loaded besides
    assert "fastapi" in preloads and "pytest_timeout" in modules - preloads, "the record missed it"
    assert_clean(modules, f"a check run of lab {lab.id} forked from the warm interpreter")
