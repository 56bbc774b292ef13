"""`course watch`: a save re-checks the lab, a pass moves on to the next lab, Ctrl-C exits cleanly."""

from __future__ import annotations

import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from copies import course_env
from course.learner.catchup import replace_code
from course.learner.watch import changed_labs, poll_reason, relevant

pytestmark = pytest.mark.slow
LAB = "01-asgi-uvicorn"


class Watcher:
    """`course watch` in a course copy, its output read line by line."""

    def __init__(self, copy: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "course", "watch", *args], cwd=copy, env=course_env(copy), text=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout
        for line in self.process.stdout:
            self.lines.put(line.rstrip())

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} in {timeout} s; saw: {self.seen[-10:]}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(10)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            if self.process.stdout:
                self.process.stdout.close()


def fix_lab(copy: Path, slug: str) -> None:
    """Save the solution's files over the lab, file by file, as an editor would."""
    for source in (copy / "solutions" / slug).rglob("*.py"):
        target = copy / "labs" / slug / source.relative_to(copy / "solutions" / slug)
        if target.read_text() != source.read_text():
            target.write_text(source.read_text())


@pytest.mark.parametrize("mode", ["--events", "--poll"])
def test_a_save_rechecks_and_a_pass_moves_on(course_copy: Path, mode: str) -> None:
    watcher = Watcher(course_copy, "01", mode)
    try:
        watcher.wait_for("[watch] lab 01: FAIL")
        fix_lab(course_copy, LAB)
        watcher.wait_for("[watch] lab 01: PASS")
        watcher.wait_for("Lab 01 passes! Moving on to lab 02")
        watcher.wait_for("[watch] lab 02: FAIL")
    finally:
        code = watcher.stop()
    assert code == 0, watcher.seen[-5:]
    rest = "".join(iter_lines(watcher))
    assert "Traceback" not in rest and "Stopped watching" in rest


def iter_lines(watcher: Watcher):
    while not watcher.lines.empty():
        yield watcher.lines.get() + "\n"


def test_cache_and_database_files_do_not_trigger_a_check() -> None:
    assert relevant(None, "/x/labs/01/app/main.py")
    assert not relevant(None, "/x/labs/01/app/__pycache__/main.cpython-311.pyc")
    assert not relevant(None, "/x/labs/01/clinic.db-journal")


def test_polling_is_chosen_where_events_do_not_arrive(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WATCHFILES_FORCE_POLLING", "1")
    assert poll_reason(tmp_path)
    monkeypatch.delenv("WATCHFILES_FORCE_POLLING")
    monkeypatch.setattr("course.learner.watch.filesystem_type", lambda path: "cifs")
    assert "cifs" in poll_reason(tmp_path)
    monkeypatch.setattr("course.learner.watch.filesystem_type", lambda path: "ext4")
    monkeypatch.setattr("platform.release", lambda: "5.15.90.1-microsoft-standard-WSL2")
    assert poll_reason(Path("/mnt/c/course")) and poll_reason(tmp_path) is None


def test_watch_of_an_unknown_lab_is_a_usage_error(course_copy: Path) -> None:
    from copies import run_course

    result = run_course(course_copy, "watch", "99")
    assert result.returncode == 2 and "no lab matches" in result.stderr


# How long watch may take to grade a lab once: a deadline for a stuck watch, not a measure of
# speed (a lab with servers takes tens of seconds on a busy CI machine).
SECONDS_PER_LAB = 60


# What watch does once every lab passes does not depend on how many labs there are, and each
# later lab's checks add seconds to tens of seconds: the copy keeps its first labs only.
LABS_KEPT = 2
# pytest-timeout's own limit for the test: the deadline above for the labs kept, and a minute
# for the rest of the test.
GRADING_ALL_TIMEOUT = SECONDS_PER_LAB * LABS_KEPT + 60


def keep_first_labs(copy: Path, count: int = LABS_KEPT) -> None:
    """The copy with its first `count` labs only: each later lab's folder, solution, checks and
    lesson taken out and the change committed (the registry reads labs as committed). Later
    labs' checks import earlier ones', never the other way."""
    later = sorted(p.name for p in (copy / "labs").iterdir() if p.is_dir())[count:]
    paths = [f"{root}/{slug}" for slug in later for root in ("labs", "solutions", "lessons")]
    for slug in later:
        package = f"test_{slug.replace('-', '_')}"
        paths += [f"tests/checks/{package}", f"tests/checks/instructor/{package}.py"]
    git = ["git", "-C", str(copy), "-c", "user.name=course", "-c", "user.email=course@localhost"]
    subprocess.run([*git, "rm", "-rq", "--ignore-unmatch", *paths], check=True)
    for path in paths:  # what git did not hold (caches) goes too
        if (copy / path).is_dir():
            shutil.rmtree(copy / path)
    subprocess.run([*git, "commit", "-qm", f"the first {count} labs only"], check=True)


def solve_every_lab(copy: Path) -> float:
    """Puts each solution in its lab; returns how long watch may take to grade them all."""
    slugs = [p.name for p in (copy / "solutions").iterdir()]
    for slug in slugs:
        replace_code(copy / "labs" / slug, copy / "solutions" / slug)
    return SECONDS_PER_LAB * len(slugs)


@pytest.mark.timeout(GRADING_ALL_TIMEOUT)
def test_all_labs_passing_is_said_once_and_a_reset_then_is_noticed(course_copy: Path) -> None:
    """1. every lab passes, watch says so once (and watches the last lab) 2. `course reset 01`
    in another terminal puts the starter back (the folder replaced whole) 3. watch checks lab
    01 again and says it fails 4. `course list` shows lab 01 failing, not its old verdicts.
    One test, not two: grading every lab is most of what it costs."""
    from copies import run_course

    keep_first_labs(course_copy)
    grading = solve_every_lab(course_copy)
    watcher = Watcher(course_copy)
    try:
        watcher.wait_for("Every lab passes", grading)
        assert run_course(course_copy, "reset", "01").returncode == 0
        watcher.wait_for("[watch] lab 01: FAIL")
    finally:
        assert watcher.stop() == 0
    said = [line for line in watcher.seen if "Every lab passes" in line]
    assert len(said) == 1, said
    row = next(line for line in run_course(course_copy, "list").stdout.splitlines()
               if "01-asgi-uvicorn" in line)
    passing, total = re.search(r"(\d+)/(\d+)", row).groups()
    assert passing != total, row


def test_a_folder_replaced_whole_is_a_change_of_its_lab(tmp_path: Path) -> None:
    changed = {str(tmp_path / "01-asgi-uvicorn"), str(tmp_path / "02-x" / "app" / "main.py"),
               str(tmp_path.parent / "elsewhere.py")}
    assert changed_labs(changed, tmp_path) == {"01-asgi-uvicorn", "02-x"}
