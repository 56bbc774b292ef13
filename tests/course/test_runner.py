"""Bad learner code never hangs the tool or shows its traceback: each fault gets a clear verdict."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from course.launch import RunnerError
from course.registry import find_lab
from course.runner import run_checks

pytestmark = pytest.mark.slow
LAB = find_lab("01")


@pytest.fixture
def lab_copy(tmp_path: Path) -> Path:
    """A copy of the solution: any failure below is the fault the test planted."""
    copy = tmp_path / "labs" / LAB.slug
    shutil.copytree(LAB.solution_dir, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def plant(lab_copy: Path, code: str) -> None:
    main = lab_copy / "app" / "main.py"
    main.write_text(main.read_text() + "\n" + code + "\n")


def assert_every_check_failed_with(run, text: str) -> None:
    assert run.results and not run.ok
    for result in run.results:
        assert result.outcome in ("failed", "error"), f"{result.check}: {result.outcome} {result.message}"
        assert text in result.message, f"{result.check}: {result.message}"
        assert "Traceback" not in result.message


def test_a_syntax_error_names_the_file_and_line(lab_copy: Path) -> None:
    plant(lab_copy, "def half_written(:\n    pass")
    run = run_checks(LAB, str(lab_copy.parent))
    assert_every_check_failed_with(run, "SyntaxError")
    assert any("app/main.py:" in r.message for r in run.results)


def test_an_import_time_exception_is_reported_as_such(lab_copy: Path) -> None:
    plant(lab_copy, 'raise RuntimeError("CLINIC_REGION is not set")')
    run = run_checks(LAB, str(lab_copy.parent))
    assert_every_check_failed_with(run, "RuntimeError: CLINIC_REGION is not set")


def test_a_handler_that_never_returns_is_stopped_in_time(lab_copy: Path, monkeypatch) -> None:
    """1. every request spins the event loop forever 2. the per-check timeout fires
    3. the run is stopped at the lab's deadline 4. the stuck check and the rest get verdicts."""
    plant(lab_copy, '@app.middleware("http")\nasync def spin(request, call_next):\n'
                    "    while True:\n        pass")
    monkeypatch.setenv("COURSE_CHECK_TIMEOUT", "2")
    started = time.monotonic()
    run = run_checks(LAB, str(lab_copy.parent), timeout=8)
    assert time.monotonic() - started < 15
    assert not run.ok and run.results
    assert all(r.message for r in run.results if not r.ok)
    stuck = [r for r in run.results if "never finished" in r.message or "did not finish" in r.message
             or "stopped after" in r.message]
    assert stuck, [f"{r.check}: {r.message}" for r in run.results]


ENDINGS = {
    "segfault": ("import ctypes\nctypes.string_at(0)", "segmentation fault (SIGSEGV)"),
    "os-exit-7": ("import os\nos._exit(7)", "exited with code 7"),
    "os-exit-0": ("import os\nos._exit(0)", "exited with code 0"),
    "kills-its-group": ("import os, signal\nos.killpg(os.getpgrp(), signal.SIGTERM)",
                        "killed by SIGTERM"),
}


@pytest.mark.parametrize("ending", ENDINGS, ids=str)
def test_a_lab_that_ends_the_run_fails_every_check_it_kept_from_running(lab_copy: Path,
                                                                         ending: str) -> None:
    """The lab's first request ends the check process itself: no infrastructure error, no
    check blamed on a missing module, every check listed once and failed, saying how."""
    code, said = ENDINGS[ending]
    body = "".join(f"\n    {line}" for line in code.splitlines())
    plant(lab_copy, f'@app.middleware("http")\nasync def end_it(request, call_next):{body}')
    run = run_checks(LAB, str(lab_copy.parent))
    assert said in run.note, run.note
    checks = [r.check for r in run.results]
    assert sorted(checks) == sorted(set(LAB.mapped_checks)), checks
    for result in run.results:
        assert result.outcome == "failed", f"{result.check}: {result.outcome} {result.message}"
        assert "the lab ended the run" in result.message and said in result.message, result.message


def test_a_deleted_check_module_is_an_infrastructure_error(tmp_path: Path) -> None:
    checks = tmp_path / "tests" / "checks"
    shutil.copytree(LAB.check_path.parent, checks,
                    ignore=shutil.ignore_patterns("__pycache__", LAB.check_path.name))
    with pytest.raises(RunnerError, match="checks for lab 01 are missing"):
        run_checks(LAB, "solutions", checks_dir=checks)


def test_the_check_process_loads_no_autoloaded_plugins() -> None:
    """Installed pytest plugins (notebook tooling among them) cost seconds per run: off."""
    import subprocess
    import sys

    from course.launch import pytest_env
    from course.paths import REPO_ROOT

    probe = ("import sys, pytest; pytest.main(['--co', '-q', '-p', 'pytest_timeout', sys.argv[1]]);"
             "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in "
             "('anyio', 'nbclient', 'jupyter_client', 'ipykernel', 'nbmake') and 'plugin' in m))")
    result = subprocess.run([sys.executable, "-c", probe, str(LAB.check_path)], cwd=REPO_ROOT,
                            env=pytest_env(), capture_output=True, text=True, check=False)
    assert "LOADED []" in result.stdout, result.stdout[-500:]
