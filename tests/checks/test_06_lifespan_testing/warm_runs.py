"""Runs of the lab's tests forked from an interpreter that has already imported what every run
imports (pytest and the lab's stack): a run then costs its tests, not the second and more of
imports it would take again in a fresh interpreter, and the checks run the lab's tests a dozen
times.

The warm interpreter is a fresh one (in the lab's sandbox when a class is graded), so nothing
of the checks' process is in it, and it never runs a test itself: each run is a child forked
from it, in a session of its own, that sets its folder, environment and import path as
`python -m pytest` in that folder would have them, and imports the lab anew from its copy.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from harness import sandbox

# What a run of the lab's tests imports before its first test: imported here once.
PRELOAD = ("pytest", "_pytest.python", "_pytest.fixtures", "fastapi", "fastapi.testclient",
           "starlette.testclient", "sqlalchemy.ext.asyncio", "sqlalchemy.orm", "aiosqlite",
           "pydantic_settings", "httpx2", "anyio", "pwdlib", "jwt")

SERVER = r"""
import json, os, sys, tempfile
for name in sys.argv[1:]:
    try:
        __import__(name)
    except ImportError:
        pass
print(json.dumps({"ready": True}), flush=True)
site = sys.path[1:]
for line in sys.stdin:
    job = json.loads(line)
    child = os.fork()
    if child == 0:
        os.setsid()
        out = os.open(job["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
        os.chdir(job["cwd"])
        os.environ.clear()
        os.environ.update(job["env"])
        tempfile.tempdir = None
        sys.path[:] = [job["cwd"], *job["path"], *site]
        sys.argv = ["pytest", *job["args"]]
        import pytest
        code = pytest.main(job["args"])
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(code))
    print(json.dumps({"pid": child}), flush=True)
    _, status = os.waitpid(child, 0)
    print(json.dumps({"code": os.waitstatus_to_exitcode(status)}), flush=True)
"""


class WarmRunner:
    """One warm interpreter: runs one at a time, `run()` from any thread."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self._lock = threading.Lock()
        self.process = subprocess.Popen(
            sandbox.lab_command([sys.executable, "-c", SERVER, *PRELOAD], cwd), cwd=cwd,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**_plain_environment(), "PYTHONDONTWRITEBYTECODE": "1"})
        self._ready = False

    def run(self, folder: Path, args: list[str], env: dict[str, str], path: list[str],
            output: Path, timeout: float) -> int:
        """pytest ARGS in `folder`: its exit code, -1 when it ran past `timeout` (stopped)."""
        with self._lock:
            assert self.process.stdin and self.process.stdout
            if not self._ready:
                self._read(timeout)
                self._ready = True
            job = {"cwd": str(folder), "args": args, "env": env, "path": path,
                   "output": str(output)}
            self.process.stdin.write(json.dumps(job) + "\n")
            self.process.stdin.flush()
            child = self._read(timeout).get("pid")
            finished = self._read(timeout, child)
            return int(finished.get("code", -1))

    def _read(self, timeout: float, child: int | None = None) -> dict:
        assert self.process.stdout
        answer: list[str] = []
        reader = threading.Thread(target=lambda: answer.append(self.process.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(timeout)
        if reader.is_alive():
            if child:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child, signal.SIGKILL)
                reader.join(5)
            if not answer:
                return {"code": -1}
        line = answer[0] if answer else ""
        return json.loads(line) if line.strip() else {"code": -1}

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                if self.process.stdin:
                    self.process.stdin.close()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def _plain_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items()
            if not name.startswith(("CLINIC_", "PYTEST_", "COURSE_", "COV_"))}
