"""`course catch-up NN` and `course restore`: nothing a learner wrote is lost on the way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from copies import FULL_DISK, run_course

pytestmark = pytest.mark.slow


def test_catch_up_replaces_failing_labs_and_restore_puts_them_back(course_copy: Path) -> None:
    main = course_copy / "labs" / "01-asgi-uvicorn" / "app" / "main.py"
    main.write_text(main.read_text() + "\n# half of my fix\n")
    result = run_course(course_copy, "catch-up", "02")
    assert result.returncode == 0, result.stderr
    assert "lab 01 now runs the solution" in result.stdout
    assert main.read_text() == (course_copy / "solutions/01-asgi-uvicorn/app/main.py").read_text()
    assert (course_copy / "labs/01-asgi-uvicorn/README.md").is_file(), "the brief must stay"
    assert run_course(course_copy, "check", "01").returncode == 0

    again = run_course(course_copy, "catch-up", "02")
    assert "already passes" in again.stdout

    restored = run_course(course_copy, "restore")
    assert restored.returncode == 0 and "your version is back" in restored.stdout
    assert "# half of my fix" in main.read_text()
    assert "Nothing to restore" in run_course(course_copy, "restore").stdout
    backups = list((course_copy / ".course" / "backups" / "01-asgi-uvicorn").iterdir())
    assert len(backups) == 2, "restore backs up the caught-up copy too"


def test_catch_up_to_the_first_lab_changes_nothing(course_copy: Path) -> None:
    result = run_course(course_copy, "catch-up", "01")
    assert result.returncode == 0 and "nothing to catch up" in result.stdout


@pytest.mark.parametrize("fault", ["full disk", "read-only .course"])
def test_catch_up_never_replaces_a_lab_it_cannot_record(course_copy: Path, fault: str) -> None:
    """A lab whose backup, or the record of it that `course restore` reads, cannot be written
    is left as it is, and the tool says so."""
    state_dir = course_copy / ".course"
    main = course_copy / "labs" / "01-asgi-uvicorn" / "app" / "main.py"
    main.write_text(main.read_text() + "\n# half of my fix\n")
    mine = main.read_text()
    if fault == "full disk":
        result = run_course(course_copy, "catch-up", "02", prelude=FULL_DISK)
    else:
        state_dir.mkdir()
        state_dir.chmod(0o555)
        result = run_course(course_copy, "catch-up", "02", permissions_bind=True)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert "lab 01 was left as it is" in result.stderr, result.stdout + result.stderr
    assert "now runs the solution" not in result.stdout
    assert main.read_text() == mine
    state_dir.chmod(0o755)
    assert "Nothing to restore" in run_course(course_copy, "restore").stdout


@pytest.mark.parametrize("command", ["reset", "catch-up", "restore"])
def test_a_ctrl_c_at_any_step_leaves_the_lab_or_restore_brings_it_back(
        course_copy: Path, command: str) -> None:
    """One run per step of the command (a new folder, a copy, a rename, a removal, a flush),
    each interrupted there by a Ctrl-C (tests/course/ctrl_c.py). After each: the lab is whole,
    as before the command or as after it; every backup that does not say it is partial is
    complete; and `course restore` gives the learner's own version back."""
    import subprocess
    import sys

    from copies import course_env

    driver = subprocess.run([sys.executable, str(course_copy / "tests/course/ctrl_c.py"), command],
                            cwd=course_copy, env=course_env(course_copy), capture_output=True,
                            text=True, timeout=110, check=False)
    assert driver.returncode == 0, driver.stderr[-3000:]
    report = json.loads(driver.stdout)
    assert report["whole"]["code"] == 0, report["whole"]
    learners_after = "learner's" in report["lab_after"].split("+")
    assert learners_after == (command == "restore"), f"uninterrupted, the lab is {report['lab_after']}"
    runs = report["runs"]
    assert len(runs) >= 10, f"only {len(runs)} steps: the injection did not reach the command"
    for run in runs:
        where = f"Ctrl-C at step {run['step']} ({run['where']})"
        assert run["lab"] not in ("missing", "mixed"), f"{where}: the lab is {run['lab']}"
        assert all(name != "mixed" for name in run["backups"]), (
            f"{where}: a backup not marked partial is incomplete: {run['backups']}")
        assert run["restore_code"] == 0 and "learner's" in run["restored"].split("+"), (
            f"{where}: after `course restore` the lab is {run['restored']} (exit "
            f"{run['restore_code']}): {run['restore_said']}")
    with_partial = [run for run in runs if run["partial"]]
    assert with_partial, "no run was interrupted while a backup was being copied"
    for run in with_partial:
        assert "incomplete" in run["restore_said"], run["restore_said"]
