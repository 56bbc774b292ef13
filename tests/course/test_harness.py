"""The checks' own machinery (tests/checks/harness/).

- `asgi`: the in-process server treats an app's lifespan the way uvicorn does: `--lifespan
  auto` serves an app that does not speak the lifespan protocol, a reported startup failure
  stops it, a startup that never answers is not waited for, and a request sees the state the
  startup left.
- `forked`: a server forked from the check process behaves as a fresh process: its own
  output, exit code, directory and environment (without pytest's or a CI machine's variables),
  none of pytest's warning filters, and it never returns into the check."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI, Request

from course.engine.paths import CHECKS_DIR


@pytest.fixture
def asgi(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.syspath_prepend(str(CHECKS_DIR))
    from harness import asgi

    yield asgi


def clinic_app(events: list[str], *, startup_error: Exception | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, str]]:
        events.append("startup")
        if startup_error is not None:
            raise startup_error
        yield {"greeting": "opened"}
        events.append("shutdown")

    app = FastAPI(lifespan=lifespan)

    @app.get("/greeting")
    async def greeting(request: Request) -> dict[str, str]:
        return {"greeting": getattr(request.state, "greeting", "no state")}

    @app.post("/echo/")
    async def echo(body: dict[str, int]) -> dict[str, int]:
        return body

    return app


def test_the_client_starts_the_lifespan_and_shares_its_state(asgi: ModuleType) -> None:
    events: list[str] = []
    with asgi.InProcessClient(clinic_app(events)) as client:
        assert events == ["startup"]
        assert client.get("/greeting").json() == {"greeting": "opened"}
        # FastAPI redirects to the trailing slash; the client follows, as TestClient does.
        assert client.post("/echo", json={"n": 3}).json() == {"n": 3}
        assert client.get("/missing").status_code == 404
    assert events == ["startup", "shutdown"]


def test_a_crashing_startup_stops_the_client_with_its_error(asgi: ModuleType) -> None:
    with pytest.raises(LookupError, match="directory file missing"), \
            asgi.InProcessClient(clinic_app([], startup_error=LookupError("directory file missing"))):
        pass


def test_an_error_that_escapes_the_app_answers_500(asgi: ModuleType) -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
            assert message["type"] == "lifespan.shutdown"
            await send({"type": "lifespan.shutdown.complete"})
            return
        raise RuntimeError("the database went away")

    with asgi.InProcessClient(app) as client:
        assert client.get("/anything").status_code == 500


def test_a_reported_failure_that_then_hangs_is_not_waited_for(asgi: ModuleType) -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no database"})
        await asyncio.Event().wait()

    started = time.monotonic()
    with pytest.raises(asgi.StartupFailed, match="no database"), asgi.InProcessClient(app):
        pass
    assert time.monotonic() - started < 5


def served_greeting(asgi: ModuleType, app: Any) -> Any:
    """GET /greeting from an app served as `uvicorn --lifespan auto` would serve it."""
    import httpx2

    async def main() -> Any:
        async with asgi.lifespan(app, required=False) as served:
            transport = httpx2.ASGITransport(app=served)
            async with httpx2.AsyncClient(transport=transport, base_url="http://t") as client:
                return (await client.get("/greeting")).json()

    return asyncio.run(main())


def test_lifespan_auto_stops_on_a_startup_the_app_reports_failed(asgi: ModuleType) -> None:
    """uvicorn exits ("Application startup failed") when Starlette reports the error."""
    events: list[str] = []
    app = clinic_app(events, startup_error=LookupError("directory file missing"))
    with pytest.raises(asgi.StartupFailed, match="directory file missing"):
        served_greeting(asgi, app)
    assert events == ["startup"]


def test_lifespan_auto_serves_an_app_that_does_not_speak_lifespan(asgi: ModuleType) -> None:
    """An app whose lifespan call raises before answering is served without a startup
    ("ASGI 'lifespan' protocol appears unsupported"); one that returns without answering
    is served as if it had started."""
    app = clinic_app([])

    async def crashes(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            raise KeyError("method")
        await app(scope, receive, send)

    async def returns(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)

    assert served_greeting(asgi, crashes) == {"greeting": "no state"}
    assert served_greeting(asgi, returns) == {"greeting": "no state"}


def test_a_startup_that_never_answers_is_not_waited_for_forever(
        asgi: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    async def hangs(scope: dict, receive: Any, send: Any) -> None:
        await asyncio.Event().wait()

    monkeypatch.setattr(asgi, "STARTUP_TIMEOUT", 0.2)
    with pytest.raises(asgi.StartupHung, match="neither finished nor failed"):
        served_greeting(asgi, hangs)


FORK_SCENARIOS = """
import os, signal, subprocess, sys, threading, time, warnings
from harness import forked

assert forked.can_fork(), "a fresh interpreter on Linux is single-threaded"

parents_file = open(os.devnull)

def main():
    warnings.warn("an old API", PendingDeprecationWarning, stacklevel=1)  # ignored by default
    try:
        os.fstat(parents_file.fileno())
        inherited = "inherited"
    except OSError:
        inherited = "closed"
    runner = sorted(k for k in os.environ if k in ("CI", "GITHUB_ACTIONS") or k.startswith("PYTEST_"))
    print(os.getcwd(), os.environ["CLINIC_MODE"], os.getppid(), inherited, runner or "unseen")
    sys.exit(3)

with warnings.catch_warnings():
    warnings.simplefilter("error")  # as pytest sets them around a check
    child = forked.fork_main(main, cwd=sys.argv[1], env={"CLINIC_MODE": "forked"})
with child.stdout:
    print("exit", child.wait(10), "said", *child.stdout.read().split(), "parent", os.getpid())
print("parent keeps", os.environ.get("CLINIC_MODE"), os.getcwd() != sys.argv[1])
print("a fresh lab process gets", sorted(k for k in forked.lab_environ({"CLINIC_MODE": "x"})
                                         if k in ("CI", "CLINIC_MODE") or k.startswith("PYTEST_")))
parents_file.close()

hung = forked.fork_main(lambda: time.sleep(30), cwd=sys.argv[1], env={})
with hung.stdout:
    try:
        hung.wait(0.1)
    except subprocess.TimeoutExpired:
        print("still running")
    hung.kill()
    print("killed", hung.wait(5) == -signal.SIGKILL)

job = forked.fork_python("import sys; print(sys.argv[1:], sys.stdin.readline().strip()[::-1]);"
                         "print('row 3 skipped', file=sys.stderr); sys.exit(2)", ["import"],
                         cwd=sys.argv[1], env={}, stdin=True)
job.stdin.write("go\\n")
job.stdin.flush()
print("job", repr(job.communicate(10)), job.returncode)

gone = forked.fork_python("pass", [], cwd=sys.argv[1], env={}, stdin=True)
gone.wait(10)
try:
    gone.stdin.write("go\\n" * 20000)  # more than a pipe holds, and nobody reads it
except BrokenPipeError:
    print("write refused")
print("gone", gone.communicate(10))

other = threading.Thread(target=time.sleep, args=(0.5,))
other.start()
print("fork with another thread", forked.can_fork())
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the checks fork servers on Linux only")
def test_a_forked_child_runs_as_its_own_process(tmp_path: Path) -> None:
    """In a fresh interpreter: forking from pytest's own process would copy its threads."""
    result = subprocess.run([sys.executable, "-c", FORK_SCENARIOS, str(tmp_path)],
                            env={**os.environ, "PYTHONPATH": str(CHECKS_DIR), "CI": "true",
                                 "GITHUB_ACTIONS": "true", "PYTEST_CURRENT_TEST": "x (call)"},
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-1000:]
    lines = result.stdout.splitlines()
    exit_line = lines[0].split()
    assert exit_line[:4] == ["exit", "3", "said", str(tmp_path)], lines
    assert exit_line[4] == "forked" and exit_line[5] == exit_line[9], lines  # its parent: us
    assert exit_line[6] == "closed", lines  # the parent's files are not open in the child
    assert exit_line[7] == "unseen", lines  # nothing tells the lab it runs under pytest or CI
    assert lines[1:] == [
        "parent keeps None True", "a fresh lab process gets ['CLINIC_MODE']", "still running", "killed True",
        "job (\"['import'] og\\n\", 'row 3 skipped\\n') 2", "write refused", "gone ('', '')",
        "fork with another thread False"], lines


def test_the_http_client_reconnects_and_sends_json(monkeypatch: pytest.MonkeyPatch) -> None:
    """Against an HTTP/1.0 stand-in, which closes every connection: each request still gets
    its own answer, on a fresh connection or the client's own."""
    monkeypatch.syspath_prepend(str(CHECKS_DIR))
    from harness.servers import HeldUpstream, HttpClient

    def answer(call: Any) -> tuple[int, bytes]:
        return 200, json.dumps({"path": call.path}).encode()

    with HeldUpstream(answer) as upstream:
        upstream.release()
        client = HttpClient(upstream.url)
        paths = ["/a", "/b", "/c", "/d"]
        answers = [client.request("GET", path, fresh=path == "/c") for path in paths]
        client.close()
    assert [a.json() for a in answers] == [{"path": path} for path in paths]
    assert all(a.headers["content-type"] == "application/json" for a in answers)


def test_a_traceback_without_line_numbers_is_still_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.11 can leave `tb_lineno` None in an entry (an exception passing an instruction
    without a line); pytest's report of it would end the whole run with an INTERNALERROR."""
    from types import SimpleNamespace

    from _pytest._code.code import ExceptionInfo

    monkeypatch.syspath_prepend(str(CHECKS_DIR))
    from harness.verdicts import with_line_numbers

    def lookup() -> None:
        raise AssertionError("the insurer was never asked")

    try:
        try:
            lookup()
        except AssertionError as inner:
            raise RuntimeError("while reporting") from inner
    except RuntimeError as outer:
        caught = outer
    real = caught.__traceback__
    assert real is not None and real.tb_next is None
    unnumbered = SimpleNamespace(tb_frame=real.tb_frame, tb_lasti=real.tb_lasti, tb_lineno=None,
                                 tb_next=None)
    excinfo = ExceptionInfo.from_exc_info((RuntimeError, caught, unnumbered))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        excinfo.getrepr()  # what pytest's own report does with such an entry
    numbered = with_line_numbers(excinfo)
    report = str(numbered.getrepr())
    assert "while reporting" in report and "the insurer was never asked" in report
    assert [entry.frame.code.name for entry in numbered.traceback] == [real.tb_frame.f_code.co_name]
