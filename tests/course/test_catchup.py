"""`course catch-up NN` and `course restore`: nothing a learner wrote is lost on the way."""

from __future__ import annotations

from pathlib import Path

import pytest

from copies import run_course

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
