"""Lab 01 · The front desk stalls.

The lab runs twice for the whole module:
- a real uvicorn process, with uvicorn's default settings (`--lifespan auto`), as in
  production. It is forked from this process once FastAPI is loaded here and imports the lab
  anew (harness.servers); it boots while the first checks run. The insurer scenario (a slow
  insurer, held for seconds) plays against it in the background from the start, so its hold
  costs little wall time.
- the app in this process, its lifespan driven as uvicorn drives it (harness.asgi), for the
  checks that book data of their own or send responses of their own through the lab's
  middleware.

The insurer is a stand-in that answers each patient with a plan made up for this run and holds
its answers as long as the check says; the clinician directory is a file written for this run.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import http.client
import io
import json
import os
import re
import secrets
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from harness import asgi, reproduce
from harness.labs import Lab, describe_exception
from harness.openapi import operation_for, operations
from harness.servers import HeldUpstream, UpstreamCall, UvicornProcess

# How long the stand-in insurer holds an eligibility answer: the brief's insurer takes seconds
# on a busy morning, so a lookup that gives up sooner is caught (the service is told to wait
# up to INSURER_TIMEOUT). It runs in the background, beside the other checks. It holds on, up
# to INSURER_HOLD_LIMIT, until /health has answered and the second lookup has arrived: on a
# busy machine a server that does not block may take longer than the shortest hold to show it,
# and one that blocks shows nothing however long it is given.
INSURER_HOLD_SECONDS = 1.0
INSURER_HOLD_LIMIT = 5.0
INSURER_TIMEOUT = "30"
# The app in this process is told to wait this long for an insurer that never answers.
SILENT_INSURER_TIMEOUT = 0.3
# Every request looks like one from the front desk's own app, not from a test client.
USER_AGENT = "ClinicFrontDesk/4.2 (Windows NT 10.0; Win64; x64)"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
SERVER_TIMING = re.compile(r"(?:^|,)\s*app;dur=([0-9]+(?:\.[0-9]+)?)\s*(?:,|$)")

T = TypeVar("T")


# ---------------------------------------------------------------- data of this run


def clinicians_of_this_run(names: list[str]) -> list[dict[str, Any]]:
    token = secrets.token_hex(3).upper()
    first_id = 1000 + secrets.randbelow(8000)
    specialties = ["General practice", "Cardiology", "Dermatology", "Paediatrics"]
    return [{"id": first_id + 7 * n, "full_name": f"Dr. {name} {token}",
             "specialty": f"{specialties[n % 4]} {token.lower()}"} for n, name in enumerate(names)]


@dataclass
class Directory:
    path: Path
    entries: list[dict[str, Any]]  # in the file at startup
    later: list[dict[str, Any]]  # written over it once the server is up

    def replace_after_startup(self) -> None:
        # Atomically, as a deploy would: whoever reads the file meanwhile reads a whole one.
        scratch = self.path.with_suffix(".new")
        scratch.write_text(json.dumps(self.later))
        os.replace(scratch, self.path)


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Directory:
    """A clinician directory file with people who exist only for this run."""
    entries = clinicians_of_this_run(["Alder", "Birch", "Cedar", "Dogwood"])
    path = tmp_path_factory.mktemp("clinic") / "clinicians.json"
    path.write_text(json.dumps(entries))
    return Directory(path, entries, clinicians_of_this_run(["Elm", "Fir"]))


@dataclass
class Coverage:
    plan: str
    active: bool


class InsurerPlans:
    """What the stand-in insurer says about each person, made up for this run: a plan named
    after the person asked about, so an answer shows whom the lab asked."""

    def __init__(self) -> None:
        self.token = secrets.token_hex(4)
        self.decided: dict[tuple[str, str], bool] = {}

    def settle(self, patients: list[dict[str, Any]]) -> None:
        """Of the patients to be looked up, one active and one lapsed, in random order: an
        answer that reports every plan alike can then never match both."""
        for patient, active in zip(secrets.SystemRandom().sample(patients, len(patients)),
                                   (True, False), strict=False):
            self.decided[(patient.get("full_name", ""), patient.get("date_of_birth", ""))] = active

    def coverage(self, name: str, date_of_birth: str) -> Coverage:
        digest = hashlib.sha256(f"{self.token}|{name}|{date_of_birth}".encode()).hexdigest()
        active = self.decided.get((name, date_of_birth), int(digest[6], 16) % 2 == 0)
        return Coverage(f"Plan {self.token}-{digest[:6]}", active)

    def answer(self, call: UpstreamCall) -> tuple[int, bytes]:
        if call.path != "/v1/coverage":
            return 404, b'{"error": "unknown endpoint"}'
        found = self.coverage(call.query.get("name", ""), call.query.get("date_of_birth", ""))
        return 200, json.dumps({"plan": found.plan, "active": found.active}).encode()


@dataclass
class Insurer:
    upstream: HeldUpstream
    plans: InsurerPlans


@pytest.fixture(scope="module")
def insurer() -> Iterator[Insurer]:
    """The slow insurer the real server asks: bound now, serving from `morning` on, once the
    server is forked (a fork copies no thread, so none may run before it)."""
    plans = InsurerPlans()
    upstream = HeldUpstream(plans.answer)
    try:
        yield Insurer(upstream, plans)
    finally:
        upstream.__exit__()


# ---------------------------------------------------------------- the real server


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    started: float = 0.0  # time.monotonic() when the request was sent
    finished: float = 0.0  # ... and when the whole answer had arrived

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class NoAnswer(Exception):
    """The server gave no complete answer in time."""


def http_get(port: int, path: str, headers: dict[str, str] | None = None,
             timeout: float = 10.0) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.monotonic()
    try:
        connection.request("GET", path, headers={"User-Agent": USER_AGENT, **(headers or {})})
        response = connection.getresponse()
        body = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body,
                      started, time.monotonic())
    except (OSError, http.client.HTTPException) as exc:
        raise NoAnswer(f"GET {path} got no complete answer within {timeout:.0f} s "
                       f"({type(exc).__name__})") from exc
    finally:
        connection.close()


@dataclass
class RealClinic:
    process: UvicornProcess
    directory: Directory
    _serving: threading.Lock = field(default_factory=threading.Lock)
    _swapped: bool = False

    def serving(self, timeout: float = 15.0) -> bool:
        """Has uvicorn started serving (its startup done)? The first to see it, before any
        request, writes other clinicians over the directory file: an app that reads the file
        later than at startup then lists those."""
        if not self.process.listening(timeout):
            return False
        with self._serving:
            if not self._swapped:
                self.directory.replace_after_startup()
                self._swapped = True
        return True

    def ready(self) -> UvicornProcess:
        self.serving()
        return self.process.wait_ready()

    def get(self, path: str, headers: dict[str, str] | None = None,
            timeout: float = 10.0) -> Answer:
        try:
            return http_get(self.process.port, path, headers, timeout)
        except NoAnswer as exc:
            pytest.fail(f"{exc}; uvicorn's last output: {self.process.tail()}", pytrace=False)


@pytest.fixture(scope="module", autouse=True)
def real_clinic(lab: Lab, directory: Directory, insurer: Insurer) -> Iterator[RealClinic]:
    """`uvicorn app.main:app` with this run's directory and insurer; it boots while other
    checks run."""
    env = {"CLINIC_DIRECTORY_FILE": str(directory.path),
           "CLINIC_INSURER_URL": insurer.upstream.url, "CLINIC_INSURER_TIMEOUT": INSURER_TIMEOUT,
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    with UvicornProcess(lab.path, env=env, fork=True) as process:
        yield RealClinic(process, directory)
        # No check here needs a graceful stop; killing it saves uvicorn's shutdown tick.
        if process.process is not None:
            process.process.kill()


# ---------------------------------------------------------------- a slow morning at the insurer


@dataclass
class Lookup:
    """One GET sent to the real server from a thread of its own (an eligibility lookup, or
    /health), so the scenario never waits on it."""

    patient: dict[str, Any]
    path: str
    request_id: str = field(default_factory=lambda: f"desk-{secrets.token_hex(6)}")
    sent: float = 0.0
    answer: Answer | None = None
    problem: str = ""
    done: threading.Event = field(default_factory=threading.Event)

    def start(self, port: int) -> Lookup:
        def run() -> None:
            self.sent = time.monotonic()
            try:
                self.answer = http_get(port, self.path, {"X-Request-ID": self.request_id},
                                       timeout=float(INSURER_TIMEOUT) + 10)
            except NoAnswer as exc:
                self.problem = str(exc)
            finally:
                self.done.set()

        threading.Thread(target=run, daemon=True).start()
        return self

    def answered_at(self) -> float | None:
        return self.answer.finished if self.answer is not None else None


@dataclass
class Morning:
    """What the insurer scenario saw (harness-free: plain facts for the checks to judge)."""

    problem: str = ""
    first: Lookup | None = None
    second: Lookup | None = None
    health: Lookup | None = None
    held_from: float = 0.0  # the first lookup reached the insurer
    released: float = 0.0
    second_arrived_while_held: bool = False
    finished: threading.Event = field(default_factory=threading.Event)

    def lookups(self) -> list[Lookup]:
        return [lookup for lookup in (self.first, self.second) if lookup is not None]


def asked_about(call: UpstreamCall, patient: dict[str, Any]) -> bool:
    return (call.query.get("name") == patient.get("full_name")
            and call.query.get("date_of_birth") == patient.get("date_of_birth"))


def play_morning(clinic: RealClinic, insurer: Insurer, morning: Morning) -> None:
    """1. a lookup for one patient reaches the insurer, which holds its answer
    2. meanwhile /health is asked, and a second lookup for another patient is sent
    3. the insurer holds both for INSURER_HOLD_SECONDS, as a slow morning would, and on until
       /health has answered and the second lookup arrived (INSURER_HOLD_LIMIT at most)
    4. it answers; each lookup must then report what the insurer said about its patient."""
    upstream = insurer.upstream
    try:
        if not clinic.serving(30):
            morning.problem = f"uvicorn did not start serving the lab: {clinic.process.tail()}"
            return
        port = clinic.process.port
        listed = http_get(port, "/api/patients").json()
        patients = [p for p in listed if isinstance(p, dict)] if isinstance(listed, list) else []
        if len(patients) < 2:
            morning.problem = "GET /api/patients under uvicorn did not list the demo patients"
            return
        first, second = secrets.SystemRandom().sample(patients, 2)
        insurer.plans.settle([first, second])
        morning.first = Lookup(first, f"/api/patients/{first['id']}/eligibility").start(port)
        if not upstream.wait_until(lambda calls: bool(calls) or morning.first.done.is_set(), 10):
            morning.problem = (f"GET {morning.first.path} never reached the insurer within 10 s; "
                               "the patient's eligibility lookup was expected to ask it")
            return
        if not upstream.calls:
            status = morning.first.answer.status if morning.first.answer else "nothing"
            morning.problem = (f"GET {morning.first.path} answered {status} without asking the "
                               "insurer; the insurer's answer was expected")
            return
        morning.held_from = upstream.calls[0].arrived
        shortest = morning.held_from + INSURER_HOLD_SECONDS
        longest = morning.held_from + INSURER_HOLD_LIMIT
        morning.health = Lookup({}, "/health").start(port)
        morning.second = Lookup(second, f"/api/patients/{second['id']}/eligibility").start(port)
        morning.second_arrived_while_held = upstream.wait_until(
            lambda calls: len(calls) >= 2, max(0.0, longest - time.monotonic()))
        morning.health.done.wait(max(0.0, longest - time.monotonic()))
        time.sleep(max(0.0, shortest - time.monotonic()))  # the hold itself, not a sync
        morning.released = time.monotonic()
        upstream.release()
        for lookup in (*morning.lookups(), morning.health):
            lookup.done.wait(float(INSURER_TIMEOUT) + 15)
    except NoAnswer as exc:
        morning.problem = str(exc)
    except Exception as exc:  # reported by the check, never lost in this thread
        morning.problem = f"the insurer scenario stopped: {type(exc).__name__}: {exc}"
    finally:
        upstream.release()
        morning.finished.set()


@pytest.fixture(scope="module", autouse=True)
def morning(real_clinic: RealClinic, insurer: Insurer) -> Morning:
    """Starts the insurer, and its scenario in the background, at once."""
    insurer.upstream.start()
    scenario = Morning()
    threading.Thread(target=play_morning, args=(real_clinic, insurer, scenario),
                     daemon=True).start()
    return scenario


def morning_seen(scenario: Morning) -> Morning:
    if not scenario.finished.wait(float(INSURER_TIMEOUT) + 30):
        pytest.fail("the eligibility lookups never finished", pytrace=False)
    if scenario.problem:
        pytest.fail(scenario.problem, pytrace=False)
    return scenario


# ---------------------------------------------------------------- the app in this process


@pytest.fixture(scope="module")
def flaky_insurer() -> Iterator[FlakyInsurer]:
    with FlakyInsurer() as stand_in:
        yield stand_in


class FlakyInsurer:
    """An insurer on a bad day, for the app in this process: each call gets the next answer
    of a script (bad status, not JSON, the wrong shape); then it stops listening at all."""

    def __init__(self) -> None:
        self.script: list[tuple[int, bytes] | None] = []  # None: never answers
        self.upstream = HeldUpstream(self._next)
        self.upstream.release()

    def _next(self, call: UpstreamCall) -> tuple[int, bytes] | None:
        return self.script.pop(0) if self.script else (503, b'{"error": "maintenance"}')

    @property
    def url(self) -> str:
        return self.upstream.url

    def go_offline(self) -> None:
        self.upstream.__exit__()

    def __enter__(self) -> FlakyInsurer:
        self.upstream.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.upstream.__exit__()


@pytest.fixture(scope="module")
def clinic_app(lab: Lab, directory: Directory, flaky_insurer: FlakyInsurer) -> Iterator[object]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLINIC_DIRECTORY_FILE", str(directory.path))
        patch.setenv("CLINIC_INSURER_URL", flaky_insurer.url)
        patch.setenv("CLINIC_INSURER_TIMEOUT", str(SILENT_INSURER_TIMEOUT))
        patch.setenv("NO_PROXY", "127.0.0.1,localhost")
        patch.setenv("no_proxy", "127.0.0.1,localhost")
        yield lab.asgi_app("app.main:app")


def in_process(app: object, script: Callable[[Any], Awaitable[T]],
               escaped: list[tuple[str, BaseException]] | None = None) -> T:
    """Runs `script(client)` with an HTTP client wired straight to the app, served the way
    uvicorn serves it: its lifespan runs first (`--lifespan auto`). Exceptions that escape
    the app on a request (logged by uvicorn as errors) are added to `escaped`."""
    import httpx2

    async def main() -> T:
        try:
            async with asgi.lifespan(app, required=False) as served:
                recorder = asgi.EscapeRecorder(served)
                recorder.escaped = escaped if escaped is not None else []
                # The transport awaits the whole app call before it returns the response.
                transport = httpx2.ASGITransport(app=recorder, raise_app_exceptions=False)
                async with httpx2.AsyncClient(transport=transport, base_url="http://clinic.test",
                                              headers={"User-Agent": USER_AGENT}) as client:
                    return await script(client)
        except (asgi.StartupFailed, asgi.StartupHung) as exc:
            pytest.fail(f"under uvicorn the app would not serve: {exc}", pytrace=False)

    return asyncio.run(main())


async def call(client: Any, method: str, path: str, label: str = "", **kwargs: Any) -> Any:
    try:
        return await client.request(method, path, **kwargs)
    except AssertionError:  # the test transport's own: the app never sent the last body message
        pytest.fail(f"{label or f'{method} {path}'} never finished: the last body message "
                    "(more_body false) was not sent", pytrace=False)


def shown(response: Any) -> str:
    kind = response.headers.get("content-type", "no content-type").split(";")[0]
    return f"{response.status_code} ({kind}) {response.text[:120]!r}"


async def demo_patients(client: Any) -> list[dict[str, Any]]:
    listed = await call(client, "GET", "/api/patients")
    patients = listed.json() if listed.status_code == 200 else None
    assert isinstance(patients, list) and patients and all(
        isinstance(p, dict) and "id" in p for p in patients), (
        f"GET /api/patients answered {shown(listed)}; the demo patients were expected")
    return patients


async def book_some(client: Any, count: int, tag: str) -> dict[str, dict[str, Any]]:
    """Books `count` appointments with reasons of this run; returns them by id."""
    patients = await demo_patients(client)
    booked: dict[str, dict[str, Any]] = {}
    for n in range(count):
        day = f"2031-{1 + n // 28:02d}-{1 + n % 28:02d}"
        request = {"patient_id": patients[n % len(patients)]["id"], "clinician_id": 1 + n % 3,
                   "starts_at": f"{day}T09:00:00", "ends_at": f"{day}T09:30:00",
                   "reason": f"review, {tag} #{n}"}
        answer = await call(client, "POST", "/api/appointments", json=request)
        body = answer.json() if answer.status_code == 201 else None
        assert isinstance(body, dict) and "id" in body, (
            f"POST /api/appointments answered {shown(answer)}; the booked appointment was "
            "expected (201)")
        booked[str(body["id"])] = {**request, "id": body["id"]}
    return booked


# ---------------------------------------------------------------- streaming-more-body


def test_export_streams_every_appointment(clinic_app: object, lab: Lab) -> None:
    tag = secrets.token_hex(4)
    export_it = reproduce.request(lab, "GET", "/api/appointments/export.csv",
                                  note="after booking one appointment as the brief does")

    async def script(client: Any) -> None:
        booked = await book_some(client, 12, tag)
        export = await call(client, "GET", "/api/appointments/export.csv")
        assert export.status_code == 200, (
            f"GET /api/appointments/export.csv answered {shown(export)}; the CSV export "
            "was expected" + export_it)
        assert export.headers.get("content-type", "").startswith("text/csv"), (
            f"GET /api/appointments/export.csv answered {export.headers.get('content-type')!r}; "
            "billing's CSV (text/csv) was expected")
        rows = list(csv.DictReader(io.StringIO(export.text)))
        exported = {row.get("id"): row for row in rows}
        missing = [id_ for id_, booking in booked.items()
                   if (exported.get(id_) or {}).get("reason") != booking["reason"]]
        assert not missing, (
            f"GET /api/appointments/export.csv ended after {len(export.content)} bytes with "
            f"{len(rows)} data row(s); all {len(booked)} appointments just booked were expected "
            f"({len(missing)} missing)" + export_it)
        wrong = [id_ for id_, booking in booked.items()
                 if exported[id_].get("patient_id") != str(booking["patient_id"])
                 or not exported[id_].get("starts_at", "").startswith(booking["starts_at"][:16])]
        assert not wrong, (
            f"GET /api/appointments/export.csv lists {len(wrong)} of the appointments just "
            "booked with another patient or start time than they were booked with")

        await book_some(client, 1, tag + "-later")
        later = await call(client, "GET", "/api/appointments/export.csv")
        tags = (export.headers.get("etag"), later.headers.get("etag"))
        assert None in tags or tags[0] != tags[1], (
            "two exports with different appointments came back with the same ETag: an ETag "
            "that is not a digest of the whole body lets the mobile app keep a stale export")

        listed = await call(client, "GET", "/api/appointments")
        ids = {str(item.get("id")) for item in listed.json() if isinstance(item, dict)} \
            if listed.status_code == 200 and isinstance(listed.json(), list) else set()
        assert set(booked) <= ids, (
            f"GET /api/appointments answered {shown(listed)}; the appointments just booked "
            "were expected in the list")

    in_process(clinic_app, script)


@dataclass
class Stream:
    """A response of the check's own, sent through the lab's middleware."""

    label: str
    path: str
    body: bytes
    media_type: str
    declares_length: bool


def stream_routes(streams: list[Stream], folder: Path) -> list[Any]:
    from starlette.responses import FileResponse, StreamingResponse
    from starlette.routing import Route

    def chunks_of(body: bytes, size: int) -> list[bytes]:
        return [body[i:i + size] for i in range(0, len(body), size)] or [b""]

    def endpoint(stream: Stream) -> Callable[[Any], Awaitable[Any]]:
        async def serve(request: Any) -> Any:
            if stream.label.startswith("a file"):
                path = folder / f"{secrets.token_hex(4)}.bin"
                path.write_bytes(stream.body)
                return FileResponse(path, media_type=stream.media_type)
            size = 16_384 if len(stream.body) > 100_000 else 7

            async def produce() -> AsyncIterator[bytes]:
                for n, chunk in enumerate(chunks_of(stream.body, size)):
                    if n % 5 == 3:
                        yield b""  # an empty chunk in the middle is still part of a stream
                    yield chunk

            headers = {"content-length": str(len(stream.body))} if stream.declares_length else {}
            return StreamingResponse(produce(), media_type=stream.media_type, headers=headers)

        return serve

    return [Route(stream.path, endpoint(stream)) for stream in streams]


def test_any_streamed_response_arrives_whole(clinic_app: object,
                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    token = secrets.token_hex(6)
    rows = "".join(f'{{"n": {n}, "token": "{token}"}}\n' for n in range(40_000)).encode()
    streams = [
        Stream("a short text stream", "/short", f"{token}\n".encode() * 40, "text/plain", False),
        Stream("a large JSON stream", "/ndjson", rows, "application/x-ndjson", False),
        Stream("a CSV stream of one line", "/one", f"id,{token}\n".encode(), "text/csv", False),
        Stream("a stream that declares its length", "/sized", secrets.token_bytes(300_000),
               "application/octet-stream", True),
        Stream("a file download", "/file", secrets.token_bytes(200_000) + token.encode(),
               "application/pdf", True),
    ]
    routes = stream_routes(streams, tmp_path_factory.mktemp("streams"))
    twin = asgi.with_routes_of_its_own(clinic_app, routes)
    if twin is None:
        pytest.fail("app.main:app is no longer a FastAPI application; the brief keeps "
                    "`uvicorn app.main:app`", pytrace=False)

    async def script(client: Any) -> None:
        for stream in streams:
            request_id = f"stream-{secrets.token_hex(4)}"
            answer = await call(client, "GET", stream.path, label=stream.label,
                                headers={"X-Request-ID": request_id})
            what = f"{stream.label} ({len(stream.body):,} bytes, {stream.media_type})"
            assert answer.status_code == 200, (
                f"{what} sent through the app's middleware answered {answer.status_code}; "
                "200 was expected")
            assert answer.content == stream.body, (
                f"{what} sent through the app's middleware reached the client with "
                f"{len(answer.content):,} bytes" + ("" if len(answer.content) != len(stream.body)
                                                    else " of other content")
                + "; every byte was expected to arrive")
            declared = answer.headers.get("content-length")
            assert declared is None or declared == str(len(stream.body)), (
                f"{what} reached the client with Content-Length {declared}; its "
                f"{len(stream.body):,} bytes were expected")
            assert answer.headers.get("content-type", "").startswith(stream.media_type), (
                f"{what} reached the client as {answer.headers.get('content-type')!r}")
            assert answer.headers.get("x-request-id") == request_id, (
                f"{what} came back without the caller's X-Request-ID; the brief says every "
                "HTTP answer keeps its request id")

    in_process(twin, script)


# ---------------------------------------------------------------- what the brief says keeps working
# (in this process, before the checks on the real server: a starter that blocks its loop
# holds those until the insurer answers)


def test_failures_answer_as_before(clinic_app: object, flaky_insurer: FlakyInsurer,
                                   lab: Lab) -> None:
    nobody = 900_000 + secrets.randbelow(99_999)

    async def script(client: Any) -> None:
        seen: list[tuple[str, str, int]] = []
        patient = (await demo_patients(client))[0]
        for path in (f"/api/patients/{nobody}", f"/api/patients/{nobody}/eligibility",
                     f"/api/appointments/{nobody}"):
            answer = await call(client, "GET", path)
            assert answer.status_code == 404, (
                f"GET {path} for something that does not exist answered {shown(answer)}; "
                "404 was expected, as before" + reproduce.request(lab, "GET", path))
            seen.append(("GET", path, 404))
        day = "2032-02-02"
        good = {"patient_id": patient["id"], "clinician_id": 1, "starts_at": f"{day}T10:00:00",
                "ends_at": f"{day}T10:20:00", "reason": "x"}
        bad = {
            "an unknown patient": ({**good, "patient_id": nobody}, 404),
            "an end before its start": ({**good, "ends_at": f"{day}T09:00:00"}, 422),
            "an end at its start": ({**good, "ends_at": good["starts_at"]}, 422),
            "an empty reason": ({**good, "reason": ""}, 422),
            "a reason of 201 characters": ({**good, "reason": "r" * 201}, 422),
            "a patient id written as text": ({**good, "patient_id": str(patient["id"])}, 422),
            "a start given as a number": ({**good, "starts_at": 1_900_000_000}, 422),
            "a start with a time zone and an end without":
                ({**good, "starts_at": f"{day}T10:00:00+00:00"}, 422),
            "an end with a time zone and a start without":
                ({**good, "ends_at": f"{day}T10:20:00+00:00"}, 422),
        }
        for what, (request, status) in bad.items():
            answer = await call(client, "POST", "/api/appointments", json=request)
            assert answer.status_code == status, (
                f"POST /api/appointments with {what} answered {shown(answer)}; {status} was "
                "expected, as before"
                + reproduce.request(lab, "POST", "/api/appointments", body=request))
            seen.append(("POST", "/api/appointments", status))
        wrong_method = await call(client, "PUT", "/api/appointments")
        allowed = {m.strip() for m in wrong_method.headers.get("allow", "").split(",")}
        assert wrong_method.status_code == 405 and {"GET", "POST"} <= allowed, (
            f"PUT /api/appointments answered {shown(wrong_method)} with Allow "
            f"{wrong_method.headers.get('allow')!r}; 405 naming GET and POST was expected, "
            "as before" + reproduce.request(lab, "PUT", "/api/appointments"))
        for reason in ("x", "r" * 200):
            answer = await call(client, "POST", "/api/appointments", json={**good, "reason": reason})
            assert answer.status_code == 201, (
                f"POST /api/appointments with a reason of {len(reason)} character(s) answered "
                f"{shown(answer)}; 201 was expected"
                + reproduce.request(lab, "POST", "/api/appointments", body={**good, "reason": reason}))

        flaky_insurer.script[:] = [(500, b'{"error": "boom"}'), (200, b"<html>busy</html>"),
                                   (200, b'{"coverage": "unknown"}'), (200, b'["Gold"]'), None]
        failures = ["answers 500", "answers HTML", "answers without a plan",
                    "answers a list", "never answers", "is offline"]
        path = f"/api/patients/{patient['id']}/eligibility"
        for what in failures:
            if what == "is offline":
                flaky_insurer.go_offline()
            patience = SILENT_INSURER_TIMEOUT * 10
            try:
                answer = await asyncio.wait_for(call(client, "GET", path), patience)
            except TimeoutError:
                pytest.fail(f"GET {path} while the insurer {what} was still waiting after "
                            f"{patience:.0f} s; CLINIC_INSURER_TIMEOUT was "
                            f"{SILENT_INSURER_TIMEOUT} s", pytrace=False)
            allowed = (502, 504) if what == "never answers" else (502,)
            assert answer.status_code in allowed, (
                f"GET {path} while the insurer {what} answered {shown(answer)}; 502 (the "
                "insurer did not answer) was expected, as before")
            seen.append(("GET", path, answer.status_code))

        unreadable = await call(client, "POST", "/api/appointments", content=b'{"reason": "\xff"}',
                                headers={"Content-Type": "application/json"})
        assert unreadable.status_code in (400, 422), (
            f"POST /api/appointments with a body that is not UTF-8 answered {shown(unreadable)}; "
            "400 was expected, as before")
        seen.append(("POST", "/api/appointments", unreadable.status_code))

        spec = (await call(client, "GET", "/openapi.json")).json()
        for operation in operations(spec):
            if operation.path_params:
                assert operation.documents(404), (
                    f"{operation} takes an id, but its entry in /openapi.json does not document "
                    "the 404 for an id that does not exist")
        export = operation_for(spec, "GET", "/api/appointments/export.csv")
        assert export is not None and "text/csv" in export.responses.get("200", {}).get(
            "content", {}), "/openapi.json does not document the CSV export's text/csv answer"
        for method, url, status in seen:
            operation = operation_for(spec, method, url)
            assert operation is not None and operation.documents(status), (
                f"{method} {url} answered {status}, which its entry in /openapi.json does not "
                "document; /docs showed every status an operation can answer")

    in_process(clinic_app, script)


def server_timing_ms(headers: Any) -> float | None:
    match = SERVER_TIMING.search(headers.get("server-timing", ""))
    return float(match.group(1)) if match else None


# ---------------------------------------------------------------- raw-middleware-scope


def test_front_desk_websocket_answers_check_ins(real_clinic: RealClinic, lab: Lab) -> None:
    from websockets.exceptions import InvalidStatus, WebSocketException
    from websockets.sync.client import connect

    process = real_clinic.ready()
    patients = real_clinic.get("/api/patients").json()
    assert isinstance(patients, list) and len(patients) >= 2, (
        "GET /api/patients did not list the demo patients under uvicorn")
    first, second = secrets.SystemRandom().sample(patients, 2)
    nobody = 900_000 + secrets.randbelow(99_999)
    url = f"{process.ws_url}/ws/front-desk"
    mark = process.mark()
    sessions = [[first, {"patient_id": nobody}, second], [first]]
    replies: list[list[Any]] = []
    problem = ""
    try:
        for session in sessions:
            with connect(url, proxy=None, open_timeout=5, close_timeout=1,
                         user_agent_header=USER_AGENT) as desk:
                said: list[Any] = []
                for check_in in session:
                    desk.send(json.dumps({"patient_id": check_in.get("patient_id",
                                                                     check_in.get("id"))}))
                    said.append(json.loads(desk.recv(timeout=5)))
                replies.append(said)
    except InvalidStatus as exc:
        problem = (f"the WebSocket /ws/front-desk was refused during the handshake "
                   f"(HTTP {exc.response.status_code}); the desk expected it to accept check-ins"
                   + reproduce.command(
                       f"python -m websockets {reproduce.lab_url(lab, 'ws')}/ws/front-desk"))
    except TimeoutError:
        problem = ("the WebSocket /ws/front-desk did not open, or did not answer a check-in, "
                   "within 5 s")
    except (WebSocketException, OSError, ValueError) as exc:
        problem = (f"the WebSocket /ws/front-desk failed after {sum(map(len, replies))} "
                   f"answer(s): {type(exc).__name__}: {exc}")
    if problem:
        pytest.fail(problem, pytrace=False)
    (to_first, to_nobody, to_second), (again,) = replies
    for patient, reply in ((first, to_first), (second, to_second), (first, again)):
        assert isinstance(reply, dict) and reply.get("full_name") == patient["full_name"] \
            and reply.get("patient_id") == patient["id"], (
            f"a check-in for patient {patient['id']} was answered with {reply!r}; their queue "
            "ticket and name were expected")
    assert isinstance(to_nobody, dict) and "error" in to_nobody and "ticket" not in to_nobody, (
        f"a check-in for patient {nobody}, who does not exist, was answered with {to_nobody!r}; "
        "an error was expected")
    # Each tablet that hung up: the server's output must not hold a crash for it. A request
    # made after both have closed is logged after anything their sessions logged.
    request_id = f"after-desk-{secrets.token_hex(4)}"
    real_clinic.get("/health", headers={"X-Request-ID": request_id})
    process.wait_logged('"GET /health', mark)
    assert not process.count_since("WebSocketDisconnect", mark), (
        "when the front-desk tablet hung up, the server logged an error with a traceback; "
        "a tablet closing its connection is the normal end of a session")
    tickets = [reply.get("ticket") for reply in (to_first, to_second, again)]
    assert all(isinstance(t, int) for t in tickets) and tickets[0] < tickets[1] < tickets[2], (
        f"three check-ins, one after another (the last on a new connection), got the tickets "
        f"{tickets}; increasing numbers were expected")


def test_directory_is_loaded_at_startup(real_clinic: RealClinic, lab: Lab) -> None:
    process = real_clinic.ready()
    request_id = f"desk-{secrets.token_hex(4)}"
    answer = real_clinic.get("/api/clinicians", headers={"X-Request-ID": request_id})
    unsupported = process.logged("'lifespan' protocol appears unsupported")
    said = (" (uvicorn logged: ASGI 'lifespan' protocol appears unsupported)"
            if unsupported else "")
    assert answer.status == 200, (
        f"GET /api/clinicians answered {answer.status} under uvicorn; the clinicians from "
        f"CLINIC_DIRECTORY_FILE were expected{said}"
        + reproduce.request(lab, "GET", "/api/clinicians"))
    listed = answer.json()
    found = {entry.get("id"): entry for entry in listed if isinstance(entry, dict)} \
        if isinstance(listed, list) else {}
    expected = real_clinic.directory.entries
    if any(entry["id"] in found for entry in real_clinic.directory.later):
        pytest.fail("GET /api/clinicians under uvicorn listed the clinicians written to "
                    "CLINIC_DIRECTORY_FILE after the server had started: the directory is "
                    "read later, not loaded at startup", pytrace=False)
    missing = [entry for entry in expected if found.get(entry["id"]) != entry]
    assert not missing and len(found) == len(expected), (
        f"GET /api/clinicians under uvicorn listed {len(found)} clinician(s); the "
        f"{len(expected)} of CLINIC_DIRECTORY_FILE were expected, as the file has them "
        f"({len(missing)} missing or different){said}")
    assert not unsupported, (
        "uvicorn logged \"ASGI 'lifespan' protocol appears unsupported\": the app's startup "
        "and shutdown do not run under the real server"
        + reproduce.command(reproduce.uvicorn(lab), note="in the lab's folder, its first lines"))
    assert answer.headers.get("x-request-id") == request_id, (
        "GET /api/clinicians with an X-Request-ID header did not echo it back; the brief says "
        "every HTTP answer keeps its request id"
        + reproduce.request(lab, "GET", "/api/clinicians", headers={"X-Request-ID": request_id}))
    one = secrets.choice(expected)
    by_id = real_clinic.get(f"/api/clinicians/{one['id']}")
    assert by_id.status == 200 and by_id.json() == one, (
        f"GET /api/clinicians/{one['id']} answered {by_id.status} {by_id.body[:120]!r}; that "
        "clinician from CLINIC_DIRECTORY_FILE was expected")
    unknown = max(entry["id"] for entry in expected) + 1 + secrets.randbelow(1000)
    assert real_clinic.get(f"/api/clinicians/{unknown}").status == 404, (
        f"GET /api/clinicians/{unknown} for a clinician not in the directory did not answer 404")


# ---------------------------------------------------------------- more of what keeps working
# (the two checks that wait for the insurer scenario come last, so the others run meanwhile)


def test_answers_keep_request_id_timing_and_etag(clinic_app: object, morning: Morning,
                                                 lab: Lab) -> None:
    async def script(client: Any) -> None:
        patients = await demo_patients(client)
        booked = await book_some(client, 2, secrets.token_hex(4))
        one, other = list(booked)
        reads = ["/health", "/api/patients", f"/api/patients/{patients[-1]['id']}",
                 f"/api/appointments/{one}", f"/api/appointments/{other}"]
        etags: dict[str, str] = {}
        for path in reads:
            request_id = f"app-{secrets.token_hex(8)}"
            sent = time.monotonic()
            answer = await call(client, "GET", path, headers={"X-Request-ID": request_id})
            took_ms = (time.monotonic() - sent) * 1000
            # The appointments were booked here; a learner's own lab has others.
            see = "" if path.startswith("/api/appointments/") else reproduce.request(
                lab, "GET", path, headers={"X-Request-ID": request_id})
            assert answer.status_code == 200, f"GET {path} answered {shown(answer)}" + see
            assert answer.headers.get("x-request-id") == request_id, (
                f"GET {path} with X-Request-ID {request_id} answered with "
                f"{answer.headers.get('x-request-id')!r}; the brief says every HTTP answer "
                "echoes the caller's request id" + see)
            reported = server_timing_ms(answer.headers)
            assert reported is not None and reported <= took_ms + 1, (
                f"GET {path} answered Server-Timing {answer.headers.get('server-timing')!r} "
                f"after {took_ms:.1f} ms; the app's time (app;dur=<milliseconds>) was "
                "expected, as before" + see)
            etag = answer.headers.get("etag", "")
            assert re.fullmatch(r'(W/)?"[^"]+"', etag), (
                f"GET {path} answered JSON with ETag {etag!r}; the brief says JSON answers "
                "keep their ETag" + see)
            again = await call(client, "GET", path)
            if path != "/api/patients" or again.content == answer.content:
                assert again.headers.get("etag") == etag or again.content != answer.content, (
                    f"GET {path} twice gave the same body with two ETags; an ETag that changes "
                    "when the body does not defeats the mobile app's cache")
            etags[path] = etag
        assert etags[reads[-1]] != etags[reads[-2]], (
            "two different appointments came back with the same ETag; each body was expected "
            "to have its own")
        booking = booked[one]
        read = (await call(client, "GET", f"/api/appointments/{one}")).json()
        assert isinstance(read, dict) and read.get("reason") == booking["reason"] \
            and read.get("patient_id") == booking["patient_id"], (
            f"GET /api/appointments/{one} answered {read!r}; the appointment just booked "
            "was expected")

        minted: set[str] = set()
        for sent in (None, "x" * 65, "two words", "semi;colon"):
            headers = {} if sent is None else {"X-Request-ID": sent}
            answer = await call(client, "GET", "/health", headers=headers)
            given = answer.headers.get("x-request-id", "")
            assert given and given != sent and SANE_REQUEST_ID.fullmatch(given), (
                f"GET /health with {'no X-Request-ID' if sent is None else f'X-Request-ID {sent!r}'}"
                f" answered X-Request-ID {given!r}; a new, plain id was expected (the caller's "
                "is kept only when it is short and plain)"
                + reproduce.request(lab, "GET", "/health", headers=headers))
            minted.add(given)
        assert len(minted) == 4, "four requests without a usable id were given the same new id"

    escaped: list[tuple[str, BaseException]] = []
    in_process(clinic_app, script, escaped)
    if escaped:
        request, exc = escaped[0]
        pytest.fail(f"{request} answered, but then an error escaped the app "
                    f"({describe_exception(exc, lab.path)}): the server logs an error for "
                    f"{len(escaped)} of these ordinary requests", pytrace=False)

    # The lookup the insurer held: its Server-Timing must cover the hold. (If the scenario
    # itself went wrong, the insurer's check says how; this one has nothing to judge.)
    if not morning.finished.wait(float(INSURER_TIMEOUT) + 30) or morning.problem \
            or morning.first is None or morning.first.answer is None:
        return
    seen = morning
    lookup = morning.first
    assert lookup.answer is not None
    held_ms = (seen.released - seen.held_from) * 1000
    took_ms = (lookup.answer.finished - lookup.sent) * 1000
    reported = server_timing_ms(lookup.answer.headers)
    assert lookup.answer.headers.get("x-request-id") == lookup.request_id, (
        f"GET {lookup.path} under uvicorn did not echo its X-Request-ID")
    assert reported is not None and held_ms * 0.95 <= reported <= took_ms + 50, (
        f"GET {lookup.path} waited {held_ms:.0f} ms for the insurer, and the client had its "
        f"answer after {took_ms:.0f} ms, but Server-Timing reports "
        f"{lookup.answer.headers.get('server-timing')!r}; the app's time in milliseconds was "
        "expected")


# ---------------------------------------------------------------- blocking-in-async (last: its
# scenario plays in the background meanwhile)


SLOW_MORNING = reproduce.recipe("the brief's four terminals under \"Run it\": a slow insurer "
                                "sandbox, the lab, a lookup, and /health while it waits")


def test_health_answers_while_insurer_is_slow(morning: Morning, insurer: Insurer) -> None:
    seen = morning_seen(morning)
    first, second = seen.first, seen.second
    assert first is not None and second is not None
    held = f"while the insurer held its answer to GET {first.path}"
    health = seen.health.answer if seen.health else None
    if health is None:
        problem = seen.health.problem if seen.health else "it was never sent"
        pytest.fail(f"GET /health got no answer {held}: {problem}", pytrace=False)
    assert health.finished < seen.released, (
        f"GET /health answered only after the insurer answered GET {first.path}: while one "
        "eligibility lookup waited, every request waited" + SLOW_MORNING)
    assert health.status == 200, f"GET /health answered {health.status} {held}; 200 was expected"
    assert seen.second_arrived_while_held, (
        f"GET {second.path} reached the insurer only after it answered GET {first.path}: "
        "while one eligibility lookup waited, the next one waited too" + SLOW_MORNING)
    for lookup in (first, second):
        gave_up = next((c for c in insurer.upstream.calls
                        if asked_about(c, lookup.patient) and c.gave_up is not None), None)
        answered = lookup.answered_at()
        if gave_up is not None or (answered is not None and answered < seen.released):
            waited = (gave_up.gave_up - gave_up.arrived) if gave_up else answered - lookup.sent
            status = lookup.answer.status if lookup.answer else "nothing"
            pytest.fail(
                f"GET {lookup.path} gave up on the insurer after {waited:.1f} s and answered "
                f"{status}; the insurer takes seconds on a busy morning, and the lookup was "
                f"expected to wait for it (up to CLINIC_INSURER_TIMEOUT, {INSURER_TIMEOUT} s "
                "here)", pytrace=False)
        if lookup.answer is None:
            pytest.fail(f"GET {lookup.path} did not finish after the insurer answered: "
                        f"{lookup.problem}", pytrace=False)
    for lookup in (first, second):
        patient = lookup.patient
        asked = [c for c in insurer.upstream.calls if asked_about(c, patient)]
        if not asked:
            queries = "; ".join(json.dumps(c.query) for c in insurer.upstream.calls) or "nothing"
            pytest.fail(
                f"GET {lookup.path} did not ask the insurer about patient {patient['id']} (by "
                f"name and date of birth, as GET /api/patients lists them); the insurer was "
                f"asked about: {queries}", pytrace=False)
        assert lookup.answer is not None
        expected = insurer.plans.coverage(patient["full_name"], patient["date_of_birth"])
        body = lookup.answer.json()
        body = body if isinstance(body, dict) else {}
        assert lookup.answer.status == 200, (
            f"GET {lookup.path} answered {lookup.answer.status} once the insurer answered; the "
            f"patient's eligibility was expected")
        assert body.get("insurer_plan") == expected.plan and body.get("active") is expected.active, (
            f"GET {lookup.path} reported plan {body.get('insurer_plan')!r} (active: "
            f"{body.get('active')!r}); the insurer said {expected.plan!r} (active: "
            f"{expected.active}) about that patient")
        assert body.get("patient_id") == patient["id"], (
            f"GET {lookup.path} reported the eligibility of patient {body.get('patient_id')!r}; "
            f"patient {patient['id']} was expected")
