"""`course check` in one terminal while `course watch` or `course start` runs in another: the
check's run is forked by their warm interpreter (the engine at .course/engine.sock), with the
same verdicts, and falls back to a fresh interpreter when no engine answers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from copies import course_env, run_course
from course.engine.warm import available

pytestmark = pytest.mark.skipif(not available(), reason="the engine forks: Linux and macOS")

LAB = "01-asgi-uvicorn"
# Appended to the lab's app: which process forked the checks' process (the one importing the
# app in-process: its parent is the run's relay, whose parent started the run).
WHO_STARTED_IT = '''
import os as _os, sys as _sys
if "_pytest" in _sys.modules:  # not in the servers the checks fork from there
    with open("/proc/%d/stat" % _os.getppid()) as _stat:
        _starter = _stat.read().rsplit(")", 1)[1].split()[1]
    with open(_os.environ["COURSE_TEST_STARTER"], "a") as _out:
        _out.write(_starter + "\\n")
'''
SERVE = """
import sys
from course.engine.warm import serving_engine
with serving_engine() as engine:
    print(engine.process.pid, engine.listen, flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def engine(course_copy: Path) -> Iterator[tuple[Path, int]]:
    """What `course watch` starts, in the copy: (the copy, the engine's pid)."""
    serving = subprocess.Popen([sys.executable, "-c", SERVE], cwd=course_copy,
                               env=course_env(course_copy), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert serving.stdout is not None and serving.stdin is not None
    pid, listen = serving.stdout.readline().split()
    assert Path(listen) == course_copy / ".course" / "engine.sock"
    try:
        yield course_copy, int(pid)
    finally:
        serving.stdin.close()
        serving.wait(30)
        serving.stdout.close()
    assert not (course_copy / ".course" / "engine.sock").exists(), "the engine left its socket"


def solution_that_tells(copy: Path, starters: Path) -> dict[str, str]:
    lab = copy / "labs" / LAB
    shutil.rmtree(lab)
    shutil.copytree(copy / "solutions" / LAB, lab)
    main = lab / "app" / "main.py"
    main.write_text(main.read_text() + WHO_STARTED_IT)
    return {"COURSE_TEST_STARTER": str(starters)}


def check(copy: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "course", "check", "01"], cwd=copy,
                          env={**course_env(copy), **env}, capture_output=True, text=True,
                          timeout=120, check=False)


def test_check_runs_in_the_running_engine_with_the_same_verdicts(engine, tmp_path) -> None:
    copy, engine_pid = engine
    starters = tmp_path / "starters.txt"
    done = check(copy, solution_that_tells(copy, starters))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "7 passed, 0 failed" in done.stdout, done.stdout
    assert set(starters.read_text().split()) == {str(engine_pid)}, \
        "the checks were not forked by the running engine"
    shutil.rmtree(copy / "labs" / LAB)
    subprocess.run(["git", "checkout", "--", f"labs/{LAB}"], cwd=copy, check=True)
    starter = run_course(copy, "check", "01")
    assert starter.returncode == 1 and "✗" in starter.stdout, starter.stdout


def test_without_an_engine_check_starts_a_fresh_interpreter(course_copy, tmp_path) -> None:
    starters = tmp_path / "starters.txt"
    (course_copy / ".course").mkdir(exist_ok=True)
    (course_copy / ".course" / "engine.sock").touch()  # left by an engine that was killed
    done = check(course_copy, solution_that_tells(course_copy, starters))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "7 passed, 0 failed" in done.stdout, done.stdout
    assert starters.read_text().strip(), "the app was never imported"
