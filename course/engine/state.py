"""The learner's progress in `.course/state.json`: hints seen, the last verdicts per lab.

Written atomically (temp file + rename) under a lock, so two `course` commands at once lose
nothing; a missing or corrupt file is set aside and rebuilt, never a crash: everything in it
can be recomputed by running the checks again. When it cannot be written (`.course/` read-only,
a full disk), `ProgressNotSaved` says so and the file is as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from course.engine.locks import exclusive
from course.engine.paths import STATE_DIR


class ProgressNotSaved(Exception):
    """The state could not be written; the message is one line saying where and why."""


class LabProgress(BaseModel):
    hints_seen: dict[str, int] = Field(default_factory=dict)  # bug id -> how many shown
    last_checks: dict[str, str] = Field(default_factory=dict)  # check id -> outcome
    fail_streak: dict[str, int] = Field(default_factory=dict)  # check id -> failed runs in a row
    passed_at: float | None = None


class State(BaseModel):
    version: int = 1
    labs: dict[str, LabProgress] = Field(default_factory=dict)
    caught_up: dict[str, str] = Field(default_factory=dict)  # lab id -> backup made by catch-up
    # lab id -> the backup a `course reset` made; left here only when the reset was interrupted
    resetting: dict[str, str] = Field(default_factory=dict)

    def lab(self, lab_id: str) -> LabProgress:
        return self.labs.setdefault(lab_id, LabProgress())


class StateStore:
    def __init__(self, directory: Path = STATE_DIR) -> None:
        self.directory = directory
        self.path = directory / "state.json"

    def load(self) -> State:
        try:
            return State.model_validate_json(self.path.read_bytes())
        except FileNotFoundError:
            return State()
        except (ValidationError, ValueError, OSError):
            self._set_aside()
            return State()

    def _set_aside(self) -> None:
        """Keep the unreadable file for inspection instead of silently overwriting it."""
        with contextlib.suppress(OSError):
            self.path.replace(self.path.with_name(f"state.corrupt-{int(time.time())}.json"))

    def update(self, change: Callable[[State], Any]) -> State:
        """Read, change and write back under the lock; returns the new state."""
        try:
            with exclusive("state", self.directory):  # on Windows, writes are still atomic
                state = self.load()
                change(state)
                write_atomically(self.path, state.model_dump_json(indent=2))
                return state
        except OSError as exc:
            raise ProgressNotSaved(f"{self.path} could not be written: "
                                   f"{exc.strerror or exc}") from exc


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(scratch, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(scratch)
        raise


def record_run(store: StateStore, lab_id: str, outcomes: dict[str, str]) -> LabProgress:
    """Remember a check run: the verdicts and how many times in a row each check failed."""

    def change(state: State) -> None:
        progress = state.lab(lab_id)
        progress.last_checks = outcomes
        progress.fail_streak = {
            check: progress.fail_streak.get(check, 0) + 1
            for check, outcome in outcomes.items() if outcome != "passed"
        }
        if outcomes and all(outcome == "passed" for outcome in outcomes.values()):
            progress.passed_at = progress.passed_at or time.time()

    return store.update(change).lab(lab_id)
