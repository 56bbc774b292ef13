"""Lab 01 · The front desk stalls.

In-process checks drive the app over ASGI with an HTTP client; the others talk to a real
uvicorn server process (default `--lifespan auto`, as in production), started before the
first check so it boots while the in-process checks run. It is forked from this process
once FastAPI is loaded here, and imports the lab anew (harness.servers). The insurer is a local stand-in that
holds every answer until the check releases it; the clinician directory is a file written
for this run only.
"""

from __future__ import annotations

import asyncio
import csv
import http.client
import io
import json
import secrets
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from harness import asgi
from harness.labs import Lab
from harness.servers import HeldUpstream, UvicornProcess, release_after, wait_for

# The watchdog: an event loop stuck in a way the check does not recognise still gets the
# insurer's answer after this long, so the check ends either way.
INSURER_HOLD_SECONDS = 2.0

T = TypeVar("T")


@dataclass
class Directory:
    path: Path
    names: list[str]


@dataclass
class Insurer:
    upstream: HeldUpstream
    plan: str


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Directory:
    """A clinician directory file with names that exist only for this run."""
    token = secrets.token_hex(3).upper()
    names = [f"Dr. {name} {token}" for name in ("Alder", "Birch", "Cedar")]
    path = tmp_path_factory.mktemp("clinic") / "clinicians.json"
    path.write_text(json.dumps([
        {"id": 100 + n, "full_name": name, "specialty": "General practice"}
        for n, name in enumerate(names)
    ]))
    return Directory(path, names)


@pytest.fixture(scope="module")
def insurer() -> Iterator[Insurer]:
    plan = f"Plan {secrets.token_hex(4)}"
    body = json.dumps({"plan": plan, "active": True}).encode()
    with HeldUpstream(lambda path: body) as upstream:
        yield Insurer(upstream, plan)


# ---------------------------------------------------------------- the real server

@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass
class RealClinic:
    process: UvicornProcess
    directory: Directory

    def ready(self) -> UvicornProcess:
        return self.process.wait_ready()

    def get(self, path: str, headers: dict[str, str] | None = None,
            timeout: float = 10.0) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.process.port, timeout=timeout)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                          response.read())
        except (OSError, http.client.HTTPException) as exc:
            pytest.fail(f"GET {path} got no complete answer from uvicorn within {timeout:.0f} s "
                        f"({type(exc).__name__}); uvicorn's last output: {self.process.tail()}",
                        pytrace=False)
        finally:
            connection.close()


@pytest.fixture(scope="module", autouse=True)
def real_clinic(lab: Lab, directory: Directory) -> Iterator[RealClinic]:
    """`uvicorn app.main:app` with the run's directory file; it boots while other checks run."""
    env = {"CLINIC_DIRECTORY_FILE": str(directory.path)}
    with UvicornProcess(lab.path, env=env, fork=True) as process:
        yield RealClinic(process, directory)
        # No check here needs a graceful stop; killing it saves uvicorn's shutdown tick.
        if process.process is not None:
            process.process.kill()


# ---------------------------------------------------------------- the app in this process

@pytest.fixture(scope="module")
def clinic_app(lab: Lab, directory: Directory, insurer: Insurer) -> Iterator[object]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLINIC_DIRECTORY_FILE", str(directory.path))
        patch.setenv("CLINIC_INSURER_URL", insurer.upstream.url)
        patch.setenv("NO_PROXY", "127.0.0.1,localhost")
        patch.setenv("no_proxy", "127.0.0.1,localhost")
        yield lab.attribute("app.main", "app")


def in_process(app: object, script: Callable[[Any], Awaitable[T]], *,
               lifespan: bool = False) -> T:
    """Runs `script(client)` with an HTTP client wired straight to the app."""
    import httpx2

    async def main() -> T:
        async with asgi.lifespan(app, required=False) if lifespan else _as_is(app) as served:
            transport = httpx2.ASGITransport(app=served, raise_app_exceptions=False)
            async with httpx2.AsyncClient(transport=transport,
                                          base_url="http://clinic.test") as client:
                return await script(client)

    return asyncio.run(main())


@asynccontextmanager
async def _as_is(app: Any) -> AsyncIterator[Any]:
    yield app


async def call(client: Any, method: str, path: str, label: str = "", **kwargs: Any) -> Any:
    try:
        return await client.request(method, path, **kwargs)
    except AssertionError:  # the test transport's own: the app never sent the last body message
        pytest.fail(f"{label or f'{method} {path}'} never finished: the last body message "
                    "(more_body false) was not sent", pytrace=False)


def waiting_on_a_socket(thread_id: int) -> bool:
    """Is this thread inside a synchronous socket read (http.client, urllib, urllib3,
    requests, httpcore's sync backend)? An event loop's own thread never is."""
    frame = sys._current_frames().get(thread_id)
    while frame is not None:
        code = frame.f_code
        filename = code.co_filename.replace("\\", "/")
        if filename.endswith("/socket.py") and code.co_name == "readinto":
            return True
        if "/httpcore" in filename and filename.endswith("/_backends/sync.py"):
            return True
        frame = frame.f_back
    return False


# ---------------------------------------------------------------- checks

def test_export_streams_every_appointment(clinic_app: object) -> None:
    tag = secrets.token_hex(4)

    async def script(client: Any) -> None:
        patients = await call(client, "GET", "/api/patients")
        assert patients.status_code == 200, (
            f"GET /api/patients answered {patients.status_code}; the list of patients was expected")
        patient_ids = [patient["id"] for patient in patients.json()]
        assert patient_ids, "GET /api/patients answered an empty list; demo patients were expected"

        booked: dict[str, str] = {}
        for n in range(12):
            reason = f"review, {tag} #{n}"
            day = f"2031-05-{1 + n:02d}"
            answer = await call(client, "POST", "/api/appointments", json={
                "patient_id": patient_ids[n % len(patient_ids)], "clinician_id": 1 + n % 3,
                "starts_at": f"{day}T09:00:00", "ends_at": f"{day}T09:30:00", "reason": reason,
            })
            assert answer.status_code == 201, (
                f"POST /api/appointments answered {answer.status_code}; the booked appointment "
                "was expected (201)")
            booked[str(answer.json()["id"])] = reason

        export = await call(client, "GET", "/api/appointments/export.csv")
        assert export.status_code == 200, (
            f"GET /api/appointments/export.csv answered {export.status_code}; the CSV export "
            "was expected")
        rows = list(csv.DictReader(io.StringIO(export.text)))
        exported = {row.get("id"): row.get("reason") for row in rows}
        missing = [id_ for id_, reason in booked.items() if exported.get(id_) != reason]
        assert not missing, (
            f"GET /api/appointments/export.csv ended after {len(export.content)} bytes with "
            f"{len(rows)} data row(s); all {len(booked)} appointments just booked were expected "
            f"({len(missing)} missing)")

        first, second = [await call(client, "GET", f"/api/appointments/{id_}")
                         for id_ in list(booked)[:2]]
        etags = [answer.headers.get("etag") for answer in (first, second)]
        assert all(etags), (
            "GET /api/appointments/{id} came back without an ETag header; the brief says "
            "JSON answers keep theirs")
        assert etags[0] != etags[1], (
            "two different appointments came back with the same ETag; each body was expected "
            "to have its own")

    in_process(clinic_app, script)


def test_any_streamed_response_arrives_whole(clinic_app: object) -> None:
    from fastapi.responses import StreamingResponse

    token = secrets.token_hex(6)
    chunks = [f"{n:03d} {token}\n" for n in range(40)]
    expected = "".join(chunks)

    async def produce() -> AsyncIterator[str]:
        for chunk in chunks:
            yield chunk

    async def stream() -> StreamingResponse:
        return StreamingResponse(produce(), media_type="text/plain")

    path = f"/api/streams/{token}"
    add_route = getattr(clinic_app, "add_api_route", None)
    if add_route is None:
        pytest.fail("app.main:app is no longer a FastAPI application", pytrace=False)
    add_route(path, stream, include_in_schema=False)

    async def script(client: Any) -> None:
        answer = await call(client, "GET", path, label="a streamed response")
        assert answer.status_code == 200, (
            f"a streamed response from a new route answered {answer.status_code}; "
            "200 was expected")
        assert answer.text == expected, (
            f"a streamed response sent in {len(chunks)} chunks ({len(expected)} bytes) reached "
            f"the client with {len(answer.content)} bytes; every chunk was expected to arrive")

    in_process(clinic_app, script)


@dataclass
class LookupRun:
    loop_thread: int = 0
    lookup_path: str = ""
    problem: str = ""
    health_status: int = 0
    health_while_held: bool = False
    eligibility_status: int = 0
    eligibility_text: str = ""
    finished: threading.Event = field(default_factory=threading.Event)


def test_health_answers_while_insurer_is_slow(clinic_app: object, insurer: Insurer) -> None:
    """1. an eligibility lookup reaches the insurer, which holds its answer
    2. /health is asked while the insurer still holds it: it must answer now
    3. the insurer is released: the lookup must report the insurer's plan.
    A check thread watches the event loop's thread meanwhile: if it is seen blocked in a
    synchronous read, the insurer is released at once (the verdict is the same, only sooner)."""
    upstream = insurer.upstream
    run = LookupRun()

    async def script(client: Any) -> None:
        run.loop_thread = threading.get_ident()
        patients = await call(client, "GET", "/api/patients")
        if patients.status_code != 200 or not patients.json():
            run.problem = f"GET /api/patients answered {patients.status_code} with no patients"
            return
        run.lookup_path = f"/api/patients/{patients.json()[0]['id']}/eligibility"
        lookup = asyncio.ensure_future(call(client, "GET", run.lookup_path))
        while not (upstream.arrived.is_set() or lookup.done()):
            await asyncio.sleep(0.002)
        if not upstream.arrived.is_set():
            run.problem = (f"GET {run.lookup_path} answered {lookup.result().status_code} "
                           "without waiting for the insurer; the insurer's answer was expected")
            return
        health = await call(client, "GET", "/health")
        run.health_while_held = not upstream.released.is_set()
        run.health_status = health.status_code
        upstream.release()
        eligibility = await lookup
        run.eligibility_status, run.eligibility_text = eligibility.status_code, eligibility.text

    def serve() -> None:
        try:
            in_process(clinic_app, script, lifespan=True)
        except BaseException as exc:  # reported below, from the check's own thread
            run.problem = run.problem or f"the lookup scenario stopped: {type(exc).__name__}: {exc}"
        finally:
            run.finished.set()

    with release_after(upstream, INSURER_HOLD_SECONDS):
        threading.Thread(target=serve, daemon=True).start()
        wait_for(lambda: run.finished.is_set() or upstream.released.is_set() or (
            upstream.arrived.is_set() and waiting_on_a_socket(run.loop_thread)), timeout=10)
        if not run.finished.is_set() and not upstream.released.is_set():
            upstream.release()  # the loop is stuck reading the insurer's answer: let it go
        run.finished.wait(15)

    if run.problem:
        pytest.fail(run.problem, pytrace=False)
    assert run.finished.is_set(), f"GET {run.lookup_path} did not finish after the insurer answered"
    assert run.health_while_held, (
        f"GET /health answered only after the insurer answered GET {run.lookup_path}: while one "
        "eligibility lookup waited, every request waited")
    assert run.health_status == 200, f"GET /health answered {run.health_status}; 200 was expected"
    assert run.eligibility_status == 200, (
        f"GET {run.lookup_path} answered {run.eligibility_status} once the insurer answered; "
        "the patient's eligibility was expected")
    assert insurer.plan in run.eligibility_text, (
        f"GET {run.lookup_path} did not report the plan the insurer answered ({insurer.plan!r})")


def test_front_desk_websocket_answers_check_ins(real_clinic: RealClinic) -> None:
    from websockets.exceptions import InvalidStatus, WebSocketException
    from websockets.sync.client import connect

    process = real_clinic.ready()
    patients = real_clinic.get("/api/patients").json()
    assert isinstance(patients, list) and len(patients) >= 2, (
        "GET /api/patients did not list the demo patients under uvicorn")
    url = f"{process.ws_url}/ws/front-desk"
    replies: list[Any] = []
    problem = ""
    try:
        with connect(url, proxy=None, open_timeout=5, close_timeout=1) as desk:
            for patient in patients[:2]:
                desk.send(json.dumps({"patient_id": patient["id"]}))
                replies.append(json.loads(desk.recv(timeout=5)))
    except InvalidStatus as exc:
        problem = (f"the WebSocket /ws/front-desk was refused during the handshake "
                   f"(HTTP {exc.response.status_code}); the desk expected it to accept check-ins")
    except TimeoutError:
        problem = ("the WebSocket /ws/front-desk did not open, or did not answer a check-in, "
                   "within 5 s")
    except (WebSocketException, OSError, ValueError) as exc:
        problem = f"the WebSocket /ws/front-desk failed: {type(exc).__name__}: {exc}"
    if problem:
        pytest.fail(problem, pytrace=False)
    for patient, reply in zip(patients[:2], replies, strict=True):
        assert isinstance(reply, dict) and reply.get("full_name") == patient["full_name"], (
            f"a check-in for patient {patient['id']} was answered with {reply!r}; their queue "
            "ticket and name were expected")
    tickets = [reply.get("ticket") for reply in replies]
    assert all(isinstance(ticket, int) for ticket in tickets) and tickets[1] > tickets[0], (
        f"two check-ins got the tickets {tickets}; increasing numbers were expected")


def test_directory_is_loaded_at_startup(real_clinic: RealClinic) -> None:
    process = real_clinic.ready()
    request_id = f"desk-{secrets.token_hex(4)}"
    answer = real_clinic.get("/api/clinicians", headers={"X-Request-ID": request_id})
    unsupported = process.logged("'lifespan' protocol appears unsupported")
    said = (" (uvicorn logged: ASGI 'lifespan' protocol appears unsupported)"
            if unsupported else "")
    assert answer.status == 200, (
        f"GET /api/clinicians answered {answer.status} under uvicorn; the clinicians from "
        f"CLINIC_DIRECTORY_FILE were expected{said}")
    listed = answer.json()
    names = {entry.get("full_name") for entry in listed if isinstance(entry, dict)} \
        if isinstance(listed, list) else set()
    expected = real_clinic.directory.names
    missing = [name for name in expected if name not in names]
    assert not missing, (
        f"GET /api/clinicians under uvicorn did not list the clinicians of CLINIC_DIRECTORY_FILE "
        f"(missing {len(missing)} of {len(expected)}){said}")
    assert not unsupported, (
        "uvicorn logged \"ASGI 'lifespan' protocol appears unsupported\": the app's startup "
        "and shutdown do not run under the real server")
    assert answer.headers.get("x-request-id") == request_id, (
        "GET /api/clinicians with an X-Request-ID header did not echo it back; the brief says "
        "every HTTP answer keeps its request id")
