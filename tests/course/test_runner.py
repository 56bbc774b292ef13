"""Bad learner code never hangs the tool or shows its traceback: each fault gets a clear verdict."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from course.engine.check_command import RunnerError
from course.engine.registry import find_lab
from course.engine.runner import run_checks
from course.engine.warm import WarmInterpreter

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


@pytest.mark.waits
def test_a_run_stuck_past_the_per_check_timeout_is_stopped(lab_copy: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """1. every request waits for ever, with the per-check timeout's signal blocked
    2. nothing starts or finishes any more 3. the runner stops the run 4. the stuck check
    says so, every other check has one verdict."""
    plant(lab_copy, '@app.middleware("http")\nasync def block(request, call_next):\n'
                    "    import signal, threading\n"
                    "    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n"
                    "    threading.Event().wait()")
    monkeypatch.setenv("PYTEST_TIMEOUT", "2")
    run = run_checks(LAB, str(lab_copy.parent), timeout=4)
    assert not run.ok and "stopped" in run.note, run.note
    assert_each_check_listed_once(run)
    stuck = [r for r in run.results if r.message.startswith("this check never finished")]
    assert len(stuck) == 1, [f"{r.check}: {r.message}" for r in run.results]


def assert_each_check_listed_once(run) -> None:
    checks = [r.check for r in run.results]
    assert sorted(checks) == sorted(set(run.lab.learner_checks)), checks


def hang_on(lab_copy: Path, condition: str) -> None:
    """Requests for which `condition` holds never get an answer (the event loop stays free)."""
    plant(lab_copy, '@app.middleware("http")\nasync def hang(request, call_next):\n'
                    f"    if {condition}:\n"
                    "        import asyncio\n"
                    "        await asyncio.Event().wait()\n"
                    "    return await call_next(request)")


def assert_only_these_failed(run, needed: set[str]) -> None:
    said = [f"{r.check}: {r.outcome} {r.message}" for r in run.results]
    assert not run.note, run.note
    assert_each_check_listed_once(run)
    failed = {r.check for r in run.results if not r.ok}
    assert failed and failed <= needed, said
    assert all(r.outcome in ("failed", "error") and r.message for r in run.results
               if not r.ok), said
    assert any("did not finish in time" in r.message for r in run.results), said


@pytest.mark.waits
def test_a_handler_that_never_returns_fails_only_the_checks_that_call_it(
        lab_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The patient list never answers, in the check process and under uvicorn: the five
    checks that read it fail, each at its own timeout, and the run goes on to the others,
    though the five took longer together than the lab's time limit."""
    hang_on(lab_copy, 'request.url.path == "/api/patients"')
    monkeypatch.setenv("PYTEST_TIMEOUT", "3")
    run = run_checks(LAB, str(lab_copy.parent), timeout=6)
    assert_only_these_failed(run, {"export_streams_every_appointment",
                                   "failures_answer_as_before",
                                   "front_desk_websocket_answers_check_ins",
                                   "answers_keep_request_id_timing_and_etag",
                                   "health_answers_while_insurer_is_slow"})


@pytest.mark.waits
def test_a_hung_request_to_a_server_leaves_the_next_check_its_connection(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lab 02's checks share one kept-alive connection to uvicorn: the per-check timeout that
    ends a request the app never answers must not leave it to fail the next check's request."""
    lab = find_lab("02")
    copy = tmp_path / "labs" / lab.slug
    shutil.copytree(lab.solution_dir, copy, ignore=shutil.ignore_patterns("__pycache__"))
    hang_on(copy, 'request.url.path.startswith("/api/v1/clinicians/") '
                  'and request.url.path.endswith("/appointments")')
    monkeypatch.setenv("PYTEST_TIMEOUT", "5")
    run = run_checks(lab, str(copy.parent))
    # Those that list a clinician's appointments, directly or in a tour of every operation.
    assert_only_these_failed(run, {"double_booking_refused_by_api_and_import_job",
                                   "unexpected_failure_answers_500_envelope",
                                   "api_keeps_its_answers"})


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
    assert sorted(checks) == sorted(set(LAB.learner_checks)), checks
    for result in run.results:
        assert result.outcome == "failed", f"{result.check}: {result.outcome} {result.message}"
        assert "the lab ended the run" in result.message and said in result.message, result.message


EXITS_AT_IMPORT = {
    "sys-exit": ("import sys\nsys.exit()", "sys.exit()"),
    "sys-exit-saying-why": ('import sys\nsys.exit("CLINIC_REGION is not set")',
                            "sys.exit('CLINIC_REGION is not set')"),
    "os-exit-0": ("import os\nos._exit(0)", "os._exit(0)"),
}


@pytest.mark.parametrize("exit_call", EXITS_AT_IMPORT, ids=str)
def test_a_lab_that_exits_as_it_is_imported_says_so_on_every_check(lab_copy: Path,
                                                                   exit_call: str) -> None:
    """Imported by the checks or by the server they start, the lab exits: every check fails
    naming what it did, not with a symptom of it (a fixture pytest could not set up, a server
    that ended in silence)."""
    code, said = EXITS_AT_IMPORT[exit_call]
    plant(lab_copy, code)
    run = run_checks(LAB, str(lab_copy.parent))
    assert_each_check_listed_once(run)
    assert_every_check_failed_with(run, said)
    if said.startswith("sys.exit"):
        assert len({r.message for r in run.results}) == 1, [r.message for r in run.results]
        assert "app/main.py:" in run.results[0].message, run.results[0].message


LEFT_RUNNING = {
    "a-subprocess": 'import subprocess\nsubprocess.Popen(["sleep", "TAG"])',
    "a-subprocess-in-a-session-of-its-own": (
        'import subprocess\nsubprocess.Popen(["sleep", "TAG"], start_new_session=True)'),
    "a-daemon-by-double-fork": ('import os\nif os.fork() == 0:\n    os.setsid()\n'
                                '    if os.fork() == 0:\n        os.execvp("sleep", ["sleep", "TAG"])\n'
                                "    os._exit(0)"),
    "a-non-daemon-thread": "import threading, time\nthreading.Thread(target=time.sleep, args=(TAG,)).start()",
}


def processes_running(tag: str) -> list[int]:
    """Live processes with `tag` as an argument (a zombie has none)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if tag.encode() in arguments:
            found.append(int(pid))
    return found


@pytest.fixture
def tag() -> Iterator[str]:
    """A sleep length nothing else uses; what still runs with it is stopped after the test."""
    tag = str(10**6 + secrets.randbelow(10**6))
    yield tag
    for pid in processes_running(tag):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.waits
@pytest.mark.parametrize("warm", [False, True], ids=["fresh-interpreter", "forked-warm"])
@pytest.mark.parametrize("left", LEFT_RUNNING, ids=str)
def test_what_the_lab_leaves_running_neither_holds_the_run_nor_outlives_it(
        lab_copy: Path, tag: str, left: str, warm: bool) -> None:
    """A correct lab that starts something at import, in the check process and in the server
    the checks start: the run ends when its checks do, with their verdicts, once each, and
    nothing the lab started is left (`course check` and `course watch` launch alike)."""
    plant(lab_copy, LEFT_RUNNING[left].replace("TAG", tag))
    with contextlib.ExitStack() as stack:
        launcher = stack.enter_context(WarmInterpreter()).launch if warm else None
        run = run_checks(LAB, str(lab_copy.parent), launcher=launcher, timeout=20)
        left_behind = processes_running(tag)
    assert not run.note, run.note
    assert run.ok, [f"{r.check}: {r.outcome} {r.message}" for r in run.results]
    assert_each_check_listed_once(run)
    assert not left_behind, f"still running after the run: {left_behind}"


def test_a_deleted_check_module_is_an_infrastructure_error(tmp_path: Path) -> None:
    checks = tmp_path / "tests" / "checks"
    shutil.copytree(LAB.check_path.parent, checks,
                    ignore=shutil.ignore_patterns("__pycache__", LAB.check_path.name))
    with pytest.raises(RunnerError, match="checks for lab 01 are missing"):
        run_checks(LAB, "solutions", checks_dir=checks)


def test_the_learner_s_run_leaves_the_instructor_only_checks_out(tmp_path: Path) -> None:
    """`course check` and `watch` run the learner-side checks only, and run them the same where
    a handout has no tests/checks/instructor/ at all (course grade and verify add them)."""
    from course.engine.paths import CHECKS_DIR, SOLUTIONS_DIR

    checks = tmp_path / "tests" / "checks"
    shutil.copytree(CHECKS_DIR, checks, ignore=shutil.ignore_patterns("__pycache__", "instructor"))
    run = run_checks(LAB, str(SOLUTIONS_DIR), checks_dir=checks)
    assert LAB.instructor_checks and run.ok, [f"{r.check}: {r.message}" for r in run.results]
    assert sorted(r.check for r in run.results) == sorted(LAB.learner_checks)


def test_the_check_process_loads_no_autoloaded_plugins() -> None:
    """Installed pytest plugins (notebook tooling among them) cost seconds per run: off."""
    import subprocess
    import sys

    from course.engine.check_command import pytest_env
    from course.engine.paths import REPO_ROOT

    probe = ("import sys, pytest; pytest.main(['--co', '-q', '-p', 'pytest_timeout', sys.argv[1]]);"
             "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in "
             "('anyio', 'nbclient', 'jupyter_client', 'ipykernel', 'nbmake') and 'plugin' in m))")
    result = subprocess.run([sys.executable, "-c", probe, str(LAB.check_path)], cwd=REPO_ROOT,
                            env=pytest_env(), capture_output=True, text=True, check=False)
    assert "LOADED []" in result.stdout, result.stdout[-500:]


def test_a_lab_that_kills_its_parent_leaves_the_warm_interpreter_serving(lab_copy: Path) -> None:
    """Under `course watch` the checks are forked from a warm interpreter: the lab that kills
    its parent ends the run's relay, fails the run, and the next run is served as before."""
    plant(lab_copy, '@app.middleware("http")\nasync def end_it(request, call_next):\n'
                    "    import os, signal\n    os.kill(os.getppid(), signal.SIGKILL)")
    with WarmInterpreter() as warm:
        run = run_checks(LAB, str(lab_copy.parent), launcher=lambda *args, **kwargs:
                         warm.launch(*args, **kwargs))
        assert "killed by SIGKILL" in run.note and not run.ok, run.note
        assert warm.process.poll() is None, "the warm interpreter was killed"
        main = lab_copy / "app" / "main.py"
        main.write_text(main.read_text().replace(
            "os.kill(os.getppid(), signal.SIGKILL)", "return await call_next(request)"))
        again = run_checks(LAB, str(lab_copy.parent), launcher=lambda *args, **kwargs:
                           warm.launch(*args, **kwargs))
        assert again.results and "killed" not in again.note, again.note
