"""The learner's state: rebuilt when corrupt or missing, never lost to two commands at once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from course.state import StateStore, record_run


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
