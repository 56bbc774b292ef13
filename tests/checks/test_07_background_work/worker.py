"""The lab's worker, `python -m app.worker`, as the brief runs it: a real process in the lab
folder on the clinic's database, its output kept in a file of the check's, killed or stopped
by the check (and dying with the check process if that is killed)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from harness import sandbox
from harness.forked import die_with_parent, lab_environ

STOP_TIMEOUT = 10  # seconds from SIGTERM to the worker's exit: it finishes the job in hand


class Worker:
    def __init__(self, lab_dir: Path, env: Mapping[str, str], output: Path) -> None:
        self.lab_dir = lab_dir
        self.env = dict(env)
        self.output = output
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        with self.output.open("ab") as log:
            self.process = subprocess.Popen(
                sandbox.lab_command([sys.executable, "-m", "app.worker"], self.lab_dir),
                cwd=self.lab_dir, env=lab_environ({"PYTHONUNBUFFERED": "1", **self.env}),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent if sys.platform == "linux" else None)
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: the worker dies where it stands, as in an out-of-memory kill."""
        if self.process is not None:
            with contextlib.suppress(OSError):
                self.process.kill()
            self.process.wait(STOP_TIMEOUT)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 4) -> str:
        try:
            said = self.output.read_text(errors="replace").splitlines()
        except OSError:
            return "(nothing)"
        return " | ".join(said[-lines:]) or "(nothing)"
