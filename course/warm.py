"""A warm interpreter for `course watch`: one process imports pytest and the labs' heavy
dependencies once, then forks a fresh child for every check run. The child starts with those
modules already in memory but imports the learner's `app` anew, from disk, every time.

Only where `os.fork` exists (Linux, macOS); elsewhere watch starts a fresh interpreter per run.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from course import leftovers
from course.launch import RELAY, Launch, pytest_env
from course.paths import REPO_ROOT

# What the checks and the labs import; loading them is most of a check run's start-up time.
# Not pytest plugins given with -p: pytest warns it cannot rewrite an imported plugin.
PRELOAD = ("pytest", "_pytest.python", "fastapi", "fastapi.testclient",
           "starlette.testclient", "httpx2", "pydantic", "pydantic_settings", "sqlalchemy.orm",
           "sqlalchemy.ext.asyncio", "aiosqlite", "anyio", "websockets.sync.client",
           "uvicorn.main")  # the checks fork uvicorn servers from their own process

ZYGOTE = """
import importlib, json, os, sys
{relay}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception:
        pass
import pytest
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        out = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.chdir(request["cwd"])
        relay()
        code = 3
        try:
            code = pytest.main(request["args"])
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(int(code))
    print(json.dumps({"pid": pid}), flush=True)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"pid": pid, "code": os.waitstatus_to_exitcode(status)}), flush=True)
""".replace("{relay}", RELAY)


def available() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32"


class WarmPool:
    """Warm interpreters for many check runs at once: one per thread that asks (each serves
    one run at a time). Used as a runner.Launcher; a fresh interpreter where forking does not
    apply."""

    def __init__(self) -> None:
        self.available = available()
        self._local = threading.local()
        self._all: list[WarmInterpreter] = []
        self._lock = threading.Lock()

    def launch(self, slug: str, target: str, only: tuple[str, ...] = (),
               instructor: bool = False) -> Launch:
        from course.launch import ProcessLaunch

        if not self.available:
            return ProcessLaunch(slug, target, only=only, instructor=instructor)
        warm = getattr(self._local, "warm", None)
        if warm is None:
            warm = self._local.warm = WarmInterpreter()
            with self._lock:
                self._all.append(warm)
        return warm.launch(slug, target, only, instructor)

    def close(self) -> None:
        with self._lock:
            for warm in self._all:
                warm.close()
            self._all.clear()

    def __enter__(self) -> WarmPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class WarmInterpreter:
    """The pre-loaded parent process; `launch` is a runner.Launcher.

    Its mark (course.leftovers) is in the environment of every run forked from it, and of all
    those runs start: it serves one run at a time, so what carries the mark once a run is over,
    besides itself, is that run's."""

    def __init__(self) -> None:
        self.mark = leftovers.new_mark()
        self.process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, *PRELOAD], cwd=REPO_ROOT,
            env=leftovers.marked(pytest_env(), self.mark),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            bufsize=1,
        )
        self._lock = threading.Lock()
        self._ready = False

    def _read(self) -> dict:
        assert self.process.stdout
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the warm interpreter has stopped")
        return json.loads(line)

    def launch(self, slug: str, target: str, only: tuple[str, ...] = (),
               instructor: bool = False) -> Launch:
        return ForkedLaunch(self, slug, target, only, instructor)

    def fork(self, args: list[str], output: Path) -> int:
        with self._lock:
            if not self._ready:
                self._read()  # {"ready": true}: the preloads are in memory
                self._ready = True
            assert self.process.stdin
            request = {"args": args, "cwd": str(REPO_ROOT), "output": str(output)}
            self.process.stdin.write(json.dumps(request) + "\n")
            return self._read()["pid"]

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                assert self.process.stdin
                self.process.stdin.close()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self) -> WarmInterpreter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ForkedLaunch(Launch):
    def __init__(self, warm: WarmInterpreter, slug: str, target: str,
                 only: tuple[str, ...] = (), instructor: bool = False) -> None:
        super().__init__(slug, target, only=only, instructor=instructor)
        self.warm = warm
        self.output = Path(self.scratch.name) / "output.txt"
        self.pid = warm.fork(self.args, self.output)
        self.code = -1
        self._reader = threading.Thread(target=self._await_exit, daemon=True)
        self._reader.start()

    def wait(self, timeout: float) -> tuple[int, str]:
        """Can be called again after a TimeoutError: the run goes on meanwhile."""
        self._reader.join(timeout)
        if self._reader.is_alive():
            raise TimeoutError
        return self.code, self.output.read_text(errors="replace")

    def _await_exit(self) -> None:
        with self.warm._lock:  # the zygote's answer line is this run's; no fork meanwhile
            self.code = self.warm._read()["code"]

    def kill(self) -> None:
        """Every process of the run: a check may have started a server that outlived it, the
        lab anything."""
        leftovers.stop_run(self.pid, self.warm.mark, spare=(self.warm.process.pid,))
        self._reader.join(5)  # the zygote reports the end of what was just killed
