"""The learner's state: rebuilt when corrupt or missing, never lost to two commands at once."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from course.engine.state import StateStore, record_run


def test_a_missing_file_is_a_fresh_start(tmp_path: Path) -> None:
    assert StateStore(tmp_path).load().labs == {}


def test_a_corrupt_file_is_set_aside_and_rebuilt(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.path.write_text('{"labs": {"01": {"hints_seen": "oops"')
    progress = record_run(store, "01", {"a": "failed"})
    assert progress.last_checks == {"a": "failed"}
    assert json.loads(store.path.read_text())["labs"]["01"]["fail_streak"] == {"a": 1}
    assert list(tmp_path.glob("state.corrupt-*.json")), "the corrupt file was not kept"


def test_wrong_types_are_treated_as_corrupt(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.path.write_text("[1, 2, 3]")
    assert store.load().labs == {}


def test_failures_in_a_row_are_counted_and_reset(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    for _ in range(3):
        progress = record_run(store, "02", {"a": "failed", "b": "passed"})
    assert progress.fail_streak == {"a": 3}
    progress = record_run(store, "02", {"a": "passed", "b": "passed"})
    assert progress.fail_streak == {}
    assert progress.passed_at is not None


def test_concurrent_updates_lose_nothing(tmp_path: Path) -> None:
    store = StateStore(tmp_path)

    def reveal(number: int) -> None:
        store.update(lambda state: state.lab(f"{number:02d}").hints_seen.update(bug=1))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(reveal, range(40)))
    assert len(store.load().labs) == 40


def test_a_broken_state_file_never_breaks_a_command(course_copy: Path) -> None:
    from copies import run_course

    """Every command that reads the state meets each kind of garbage once (list, which runs
    no check, meets all three): one loader reads the file for all of them."""
    state = course_copy / ".course" / "state.json"
    state.parent.mkdir(parents=True)
    garbages = ('{"labs": {"01": {"hints_seen": [', "\x00\x01binary", "")
    runs = [(("list",), garbage) for garbage in garbages]
    runs += list(zip((("hint", "01"), ("check", "01"), ("check", "01")), garbages, strict=True))
    for args, garbage in runs:
        state.write_text(garbage)
        result = run_course(course_copy, *args)
        assert result.returncode in (0, 1), f"{args} on {garbage!r}: {result.stderr}"
        assert "Traceback" not in result.stderr
    state.unlink()
    assert run_course(course_copy, "list").returncode == 0


def test_two_commands_at_once_lose_no_backup(course_copy: Path) -> None:
    import subprocess

    from copies import course_env

    main = course_copy / "labs" / "01-asgi-uvicorn" / "app" / "main.py"
    main.write_text(main.read_text() + "\n# precious\n")
    commands = [("reset", "01"), ("reset", "01"), ("check", "01"), ("hint", "01")]
    running = [subprocess.Popen([sys.executable, "-m", "course", *args], cwd=course_copy,
                                env=course_env(course_copy), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for args in commands]
    results = [(process.communicate(timeout=120), process.returncode) for process in running]
    for (_, stderr), code in results:
        assert code in (0, 1) and "Traceback" not in stderr, stderr
    backups = list((course_copy / ".course" / "backups" / "01-asgi-uvicorn").iterdir())
    assert len(backups) == 2
    assert any("# precious" in (b / "app" / "main.py").read_text() for b in backups)
    json.loads((course_copy / ".course" / "state.json").read_text())


def test_resets_at_once_take_turns(course_copy: Path) -> None:
    """Five resets of one lab at once: each backs up what it found and swaps in the starter
    whole; none trips over another's half-done swap."""
    import subprocess

    from copies import course_env

    main = course_copy / "labs" / "01-asgi-uvicorn" / "app" / "main.py"
    starter = main.read_text()
    main.write_text(starter + "\n# precious\n")
    running = [subprocess.Popen([sys.executable, "-m", "course", "reset", "01"], cwd=course_copy,
                                env=course_env(course_copy), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(5)]
    for process in running:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0 and "Traceback" not in stderr, stderr[-1000:]
    backups = list((course_copy / ".course" / "backups" / "01-asgi-uvicorn").iterdir())
    assert len(backups) == 5
    assert sum("# precious" in (b / "app" / "main.py").read_text() for b in backups) == 1
    assert main.read_text() == starter


def read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["read-only .course", "full disk"])
def test_verdicts_are_printed_when_progress_cannot_be_saved(course_copy: Path, fault: str) -> None:
    """The verdicts stand (exit 1 on the starter, each check listed) with one line saying the
    progress was not saved; nothing half-written is left in .course/; a hint still shows."""
    from copies import FULL_DISK, run_course
    from course.engine.registry import load_lab

    state_dir = course_copy / ".course"
    state_dir.mkdir()

    def left() -> list[str]:  # a lock file may be made: it holds nothing
        return sorted(path.name for path in state_dir.iterdir() if path.suffix != ".lock")

    before = left()
    prelude, bind = (FULL_DISK, False) if fault == "full disk" else ("", True)
    if fault == "read-only .course":
        read_only(state_dir)
    human, machine = results = [
        run_course(course_copy, "check", "01", *extra, prelude=prelude, permissions_bind=bind)
        for extra in ((), ("--json",))]
    for result in results:
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr, result.stderr
        said = [line for line in result.stderr.splitlines() if "progress" in line]
        assert len(said) == 1 and "not saved" in said[0], result.stderr
    assert "✗" in human.stdout and " failed" in human.stdout.splitlines()[-1], human.stdout
    assert json.loads(machine.stdout)["failed"] >= 1
    assert left() == before
    bug = load_lab(course_copy / "labs" / "01-asgi-uvicorn" / "lab.toml").bugs[0]
    hint = run_course(course_copy, "hint", "01", bug.id, prelude=prelude, permissions_bind=bind)
    assert hint.returncode == 0 and "hint 1/" in hint.stdout, hint.stdout + hint.stderr
    assert "Traceback" not in hint.stderr and "not be written" in hint.stderr, hint.stderr
