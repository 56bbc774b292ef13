"""A warm interpreter for `course watch`: one process imports pytest and the labs' heavy
dependencies once, then forks a fresh child for every check run. The child starts with those
modules already in memory but imports the learner's `app` anew, from disk, every time.

Only where `os.fork` exists (Linux, macOS); elsewhere watch starts a fresh interpreter per run.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from course.engine import leftovers
from course.engine.check_command import pytest_env
from course.engine.launch import ENGINE_PROTOCOL, ENGINE_SOCKET, RELAY, Launch
from course.engine.paths import REPO_ROOT

# What the checks and the labs import; loading them is most of a check run's start-up time.
# Not pytest plugins given with -p: pytest warns it cannot rewrite an imported plugin.
PRELOAD = ("pytest", "_pytest.python", "fastapi", "fastapi.testclient",
           "starlette.testclient", "httpx2", "pydantic", "pydantic_settings", "sqlalchemy.orm",
           "sqlalchemy.ext.asyncio", "aiosqlite", "anyio", "websockets.sync.client",
           "uvicorn.main")  # the checks fork uvicorn servers from their own process

ZYGOTE = """
import importlib, json, os, select, socket, sys
{relay}
listener = None
if sys.argv[1] == "--listen":  # also for `course check` in other terminals (course.engine.launch)
    listener = socket.socket(socket.AF_UNIX)
    try:
        os.unlink(sys.argv[2])
    except OSError:
        pass
    listener.bind(sys.argv[2])
    listener.listen(16)
    del sys.argv[1:3]
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception:
        pass
import pytest
mark = os.environ.get("COURSE_CHECK_RUN", "")


def serve(request, answer):
    # One run at a time: what carries the mark, besides this process, is that run's.
    pid = os.fork()
    if pid == 0:
        if listener is not None:
            listener.close()
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        out = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.closerange(3, 256)  # the channels of this process's other callers
        os.chdir(request["cwd"])
        if "env" in request:  # the caller's, as a fresh process would have it; this mark
            os.environ.clear()
            os.environ.update(request["env"], COURSE_CHECK_RUN=mark)
        code = 3
        try:
            if "code" in request:  # a run of its own making (course.instructor.grade's, in a sandbox)
                run = {"__name__": "__course_run__", "relay": relay, "request": request}
                exec(request["code"], run)
                code = run.get("code", 3)
            else:
                relay()
                code = pytest.main(request["args"])
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(int(code))
    answer({"pid": pid, "mark": mark, "engine": os.getpid()})
    _, status = os.waitpid(pid, 0)
    answer({"pid": pid, "code": os.waitstatus_to_exitcode(status)})


def owner_answer(message):
    print(json.dumps(message), flush=True)


print(json.dumps({"ready": True}), flush=True)
while True:
    ready = select.select([sys.stdin] + ([listener] if listener else []), [], [])[0]
    if sys.stdin in ready:
        line = sys.stdin.readline()
        if not line:
            break
        serve(json.loads(line), owner_answer)
        continue
    connection = listener.accept()[0]
    with connection, connection.makefile("rw", encoding="utf-8") as channel:
        def client_answer(message):
            try:
                channel.write(json.dumps(message) + "\\n")
                channel.flush()
            except OSError:
                pass
        try:
            line = channel.readline()
            request = json.loads(line) if line else None
        except (OSError, ValueError):
            request = None
        if isinstance(request, dict) and request.get("protocol") == PROTOCOL:
            serve(request, client_answer)
""".replace("{relay}", RELAY).replace("PROTOCOL", repr(ENGINE_PROTOCOL))


def available() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32"


def serving_engine() -> WarmInterpreter:
    """The warm interpreter of `course watch` or `course start`, which also serves `course
    check` from other terminals at ENGINE_SOCKET, unless another one does already (or the path
    is too long for a Unix socket)."""
    free = len(str(ENGINE_SOCKET).encode()) < 100 and not _answers(ENGINE_SOCKET)
    if free:
        ENGINE_SOCKET.parent.mkdir(exist_ok=True)
    return WarmInterpreter(listen=ENGINE_SOCKET if free else None)


def _answers(path: Path) -> bool:
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as probe:
        probe.settimeout(1.0)
        probe.connect(str(path))
        return True
    return False


class WarmPool:
    """Warm interpreters for many check runs at once, each serving one run at a time: a run
    takes an idle one (started when none is idle) and gives it back when it is over. Used as a
    runner.Launcher; a fresh interpreter where forking does not apply."""

    def __init__(self) -> None:
        self.available = available()
        self._idle: list[WarmInterpreter] = []
        self._all: list[WarmInterpreter] = []
        self._lock = threading.Lock()

    def launch(self, slug: str, target: str, only: tuple[str, ...] = (),
               checks_dir: Path | None = None, instructor: bool = False) -> Launch:
        from course.engine.launch import ProcessLaunch

        if not self.available:
            return ProcessLaunch(slug, target, checks_dir, only, instructor)
        warm = self.acquire()
        try:
            return ForkedLaunch(warm, slug, target, only, checks_dir, instructor,
                                done=self.release)
        except BaseException:
            self.release(warm)
            raise

    def acquire(self) -> WarmInterpreter:
        with self._lock:
            while self._idle:
                warm = self._idle.pop()
                if warm.process.poll() is None:
                    return warm
        warm = WarmInterpreter()
        with self._lock:
            self._all.append(warm)
        return warm

    def release(self, warm: WarmInterpreter) -> None:
        with self._lock:
            self._idle.append(warm)

    def close(self) -> None:
        with self._lock:
            for warm in self._all:
                warm.close()
            self._all.clear()
            self._idle.clear()

    def __enter__(self) -> WarmPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class WarmInterpreter:
    """The pre-loaded parent process; `launch` is a runner.Launcher.

    Its mark (course.engine.leftovers) is in the environment of every run forked from it, and of all
    those runs start: it serves one run at a time, so what carries the mark once a run is over,
    besides itself, is that run's."""

    def __init__(self, listen: Path | None = None) -> None:
        """`listen`: a Unix socket where `course check` in another terminal has its runs
        forked too (course.engine.launch.engine_launch)."""
        self.mark = leftovers.new_mark()
        self.listen = listen
        serving = ["--listen", str(listen)] if listen is not None else []
        self.process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, *serving, *PRELOAD], cwd=REPO_ROOT,
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
        return ForkedLaunch(self, slug, target, only, None, instructor)

    def fork(self, args: list[str], output: Path, code: str | None = None,
             **given: object) -> int:
        """A run forked: `pytest args`, or `code` run in the child (which finds `relay` and
        the `request`, with `given` in it, as globals, and sets `code` to its exit code)."""
        with self._lock:
            if not self._ready:
                self._read()  # {"ready": true}: the preloads are in memory
                self._ready = True
            assert self.process.stdin
            request = {"args": args, "cwd": str(REPO_ROOT), "output": str(output), **given}
            if code is not None:
                request["code"] = code
            self.process.stdin.write(json.dumps(request) + "\n")
            return self._read()["pid"]

    def close(self) -> None:
        if self.listen is not None:
            with contextlib.suppress(OSError):
                self.listen.unlink()
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
                 only: tuple[str, ...] = (), checks_dir: Path | None = None,
                 instructor: bool = False,
                 done: Callable[[WarmInterpreter], None] | None = None) -> None:
        super().__init__(slug, target, checks_dir, only, instructor)
        self.warm = warm
        self._done = done
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
        if self._done is not None and not self._reader.is_alive():
            self._done(self.warm)
            self._done = None
