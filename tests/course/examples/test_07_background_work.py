"""Runs every example of chapter 07 (lessons/07-background-work/examples): the follow-ups and
the disconnect watcher under a real uvicorn, the task lifetimes on a plain event loop, the job
queue with a worker process killed mid-job, timeouts against a stand-in partner that never
answers (or trickles), the idempotency keys under concurrent retries, and the backoff.

The stand-in partner (the notifier, the laboratory) is a local server run by threads: it
records every request, holds the ones it is told to until they are released, and notices a
caller that hangs up while it waits. No sleep stands in for synchronisation: each step waits
on what the previous one makes visible (a log line, a request at the partner, a process's
exit); the only sleeps pace the trickling partner, whose slowness is what a test is about; and
the few timing claims are lower bounds."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import httpx2
import pytest
from asgi_lifespan import LifespanManager
from fastapi.testclient import TestClient

from course.engine import ports

CHAPTER = "07-background-work"
EXAMPLES = Path(__file__).resolve().parents[3] / "lessons" / CHAPTER / "examples"
WAIT = 30  # seconds: how long any step may take before the test gives up on it


@pytest.fixture
def example(load_example: Callable[[str, str], ModuleType]) -> Callable[[str], ModuleType]:
    """This chapter's example NAME, imported fresh."""
    return lambda name: load_example(CHAPTER, name)


# The stand-in partner ---------------------------------------------------------------------

@dataclass
class Seen:
    """One request the partner received."""

    label: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)
    hung_up: bool = False  # the caller closed its connection while the partner held it
    answered: bool = False


class Partner:
    """A stand-in upstream on a free local port. `label` names each request (its path, a
    header, a field of its body); requests whose label is held wait until released."""

    def __init__(self, label: Callable[[str, dict[str, str], bytes], str] | None = None,
                 status: Callable[[str], int] = lambda label: 200,
                 body: bytes = b'{"results": []}', trickle: float = 0.0) -> None:
        self.label = label or (lambda path, headers, body: path.split("?")[0])
        self.status, self.body, self.trickle = status, body, trickle
        self.seen: list[Seen] = []
        self.holding: set[str] = set()
        self.changed = threading.Condition()
        self.closing = False
        self.listener = socket.create_server((ports.HOST, 0))
        self.listener.settimeout(0.05)
        self.url = f"http://{ports.HOST}:{self.listener.getsockname()[1]}"
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def hold(self, *labels: str) -> None:
        with self.changed:
            self.holding.update(labels)

    def release(self, label: str) -> None:
        with self.changed:
            self.holding.discard(label)
            self.changed.notify_all()

    def wait_until(self, ready: Callable[[], bool], timeout: float = WAIT) -> bool:
        with self.changed:
            return self.changed.wait_for(ready, timeout)

    def outcome(self, label: str, index: int = 0) -> str:
        """How the INDEXth request with LABEL ended, once it has: answered, or hung up."""
        def ended() -> bool:
            matching = [seen for seen in self.seen if seen.label == label]
            return len(matching) > index and (matching[index].answered
                                              or matching[index].hung_up)
        assert self.wait_until(ended), f"request {index} for {label} never ended"
        with self.changed:
            seen = [seen for seen in self.seen if seen.label == label][index]
            return "answered" if seen.answered else "hung up"

    def labels(self) -> list[str]:
        with self.changed:
            return [seen.label for seen in self.seen]

    def close(self) -> None:
        with self.changed:
            self.closing = True
            self.changed.notify_all()
        for thread in self.threads:
            thread.join(WAIT)
        self.listener.close()

    def _accept(self) -> None:
        while not self.closing:
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            self._exchange(connection)
        except OSError:
            pass  # the caller left: whatever it sent is recorded already
        finally:
            connection.close()

    def _exchange(self, connection: socket.socket) -> None:
        connection.settimeout(WAIT)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                return
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        request_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {name.strip().lower(): value.strip()
                   for name, _, value in (line.partition(":") for line in lines)}
        while len(body) < int(headers.get("content-length", 0)):
            body += connection.recv(65536)
        seen = Seen(self.label(request_line.split()[1], headers, body), headers, body)
        with self.changed:
            self.seen.append(seen)
            self.changed.notify_all()
        if not self._held(connection, seen):
            self._answer(connection, seen)

    def _held(self, connection: socket.socket, seen: Seen) -> bool:
        """Waits while the request is held; True when the caller hung up (or the test ended)."""
        while True:
            with self.changed:
                if self.closing:
                    return True
                if seen.label not in self.holding:
                    return False
                self.changed.wait(0.02)  # and look at the socket between two waits
            connection.settimeout(0)
            try:
                hung_up = connection.recv(1, socket.MSG_PEEK) == b""
            except BlockingIOError:
                hung_up = False
            except ConnectionResetError:
                hung_up = True
            connection.settimeout(WAIT)
            if hung_up:
                with self.changed:
                    seen.hung_up = True
                    self.changed.notify_all()
                return True

    def _answer(self, connection: socket.socket, seen: Seen) -> None:
        status = self.status(seen.label)
        head = (f"HTTP/1.1 {status} {'OK' if status < 400 else 'Error'}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(self.body)}\r\n"
                "Connection: close\r\n\r\n").encode()
        try:
            if self.trickle:
                connection.sendall(head)
                for byte in self.body:  # a byte at a time: every read gets something soon
                    time.sleep(self.trickle)
                    connection.sendall(bytes([byte]))
            else:
                connection.sendall(head + self.body)
        except OSError:
            with self.changed:
                seen.hung_up = True
                self.changed.notify_all()
            return
        with self.changed:
            seen.answered = True
            self.changed.notify_all()


@contextmanager
def partner(**options: object) -> Iterator[Partner]:
    found = Partner(**options)  # type: ignore[arg-type]
    try:
        yield found
    finally:
        found.close()


def by_recipient(path: str, headers: dict[str, str], body: bytes) -> str:
    return json.loads(body)["to"]


def refuses_nobody(label: str) -> int:
    return 500 if label == "nobody" else 200


def by_idempotency_key(path: str, headers: dict[str, str], body: bytes) -> str:
    return headers.get("idempotency-key", "")


# A real uvicorn --------------------------------------------------------------------------

class Server:
    """uvicorn serving an example from the examples folder; its output read line by line."""

    def __init__(self, target: str, env: dict[str, str], *options: str) -> None:
        self.port = ports.free_port()
        command = [sys.executable, "-m", "uvicorn", target, "--app-dir", str(EXAMPLES),
                   "--host", ports.HOST, "--port", str(self.port), *options]
        self.process = subprocess.Popen(command, cwd=EXAMPLES, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        env={**os.environ, **env})
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout
        for line in self.process.stdout:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()
        with self.changed:
            self.lines.append("")  # the end of the output
            self.changed.notify_all()

    @property
    def output(self) -> str:
        with self.changed:
            return "".join(self.lines)

    def wait_logged(self, text: str, timeout: float = WAIT) -> bool:
        with self.changed:
            return self.changed.wait_for(
                lambda: text in "".join(self.lines) or self.lines[-1:] == [""], timeout
            ) and text in "".join(self.lines)

    def url(self, path: str) -> str:
        return f"http://{ports.HOST}:{self.port}{path}"

    def interrupt(self, how: signal.Signals = signal.SIGINT) -> None:
        self.process.send_signal(how)  # Ctrl-C, or a supervisor's SIGTERM: a graceful stop

    def exit_status(self) -> int:
        status = self.process.wait(WAIT)
        self.reader.join(WAIT)
        return status


@contextmanager
def serving(target: str, env: dict[str, str], *options: str) -> Iterator[Server]:
    server = Server(target, env, *options)
    try:
        assert server.wait_logged("Uvicorn running on"), server.output
        yield server
    finally:
        for stop in (server.interrupt, server.interrupt, server.process.kill):
            if server.process.poll() is not None:
                break
            stop()  # Ctrl-C; a second one forces uvicorn to quit; then the kill
            with suppress(subprocess.TimeoutExpired):
                server.process.wait(10)
        server.exit_status()
        if server.process.stdout:
            server.process.stdout.close()


def post(url: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, method="POST", data=b"")
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def hang_up_after_sending(port: int, path: str) -> socket.socket:
    """A client that sends a request and will leave without reading the answer."""
    client = socket.create_connection((ports.HOST, port), timeout=WAIT)
    client.sendall(f"GET {path} HTTP/1.1\r\nHost: clinic\r\n\r\n".encode())
    return client


# background-tasks-scope

def test_background_tasks_run_after_the_answer_and_their_failures_are_logged() -> None:
    """1. a booking answers 201 while its confirmation still waits at the notifier 2. the
    notifier answers, the confirmation is sent 3. a confirmation the notifier refuses (500):
    the booking has its 201 all the same, and uvicorn logs the task's exception after it."""
    with partner(label=by_recipient, status=refuses_nobody) as notifier:
        notifier.hold("ada")
        with serving("after_response:app", {"NOTIFIER_URL": notifier.url}) as server:
            assert post(server.url("/appointments?patient=ada")) == (
                201, {"patient": "ada", "status": "booked"})
            assert notifier.wait_until(lambda: notifier.labels() == ["ada"])
            assert "confirmation to ada" not in server.output  # still waiting
            notifier.release("ada")
            assert server.wait_logged("confirmation to ada: sent"), server.output
            assert post(server.url("/appointments?patient=nobody"))[0] == 201
            assert server.wait_logged("Exception in ASGI application"), server.output
            assert server.wait_logged("HTTPStatusError: Server error '500 Error'")
            output = server.output
    assert output.index('"POST /appointments?patient=nobody HTTP/1.1" 201') < (
        output.index("Exception in ASGI application"))


def test_testclient_returns_once_the_background_tasks_have_run(
        example: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch) -> None:
    with partner(label=by_recipient) as notifier:
        monkeypatch.setenv("NOTIFIER_URL", notifier.url)
        with TestClient(example("after_response").app) as client:
            assert client.post("/appointments", params={"patient": "ada"}).status_code == 201
            assert notifier.labels() == ["ada"]  # already sent: no wait needed
            assert notifier.outcome("ada") == "answered"


# How each signal ends uvicorn: Ctrl-C exits 0, after asyncio has torn the loop down (and
# reported what it found there); on SIGTERM uvicorn re-raises the signal once its shutdown is
# done, and the process ends before asyncio reports anything.
SIGNALS = {"ctrl-c": (signal.SIGINT, 0, True), "sigterm": (signal.SIGTERM, -signal.SIGTERM, False)}


@pytest.mark.parametrize("stop", sorted(SIGNALS))
def test_a_graceful_shutdown_waits_for_background_tasks_and_loses_bare_ones(stop: str) -> None:
    """1. one booking hands its confirmation to BackgroundTasks, one to a bare task; the
    notifier holds both 2. Ctrl-C or SIGTERM 3. uvicorn waits for the request's background
    task, not for the bare one 4. the held BackgroundTasks confirmation is released and sent
    5. the lifespan closes the notifier's client under the bare task, which fails: after
    Ctrl-C the only trace is asyncio's "never retrieved"; after SIGTERM there is none."""
    how, status, reported = SIGNALS[stop]
    with partner(label=by_recipient) as notifier:
        notifier.hold("ada", "bob")
        with serving("after_response:app", {"NOTIFIER_URL": notifier.url}) as server:
            assert post(server.url("/appointments?patient=ada"))[0] == 201
            assert post(server.url("/appointments/unowned?patient=bob"))[0] == 201
            assert notifier.wait_until(lambda: sorted(notifier.labels()) == ["ada", "bob"])
            server.interrupt(how)
            assert server.wait_logged("Waiting for background tasks to complete")
            notifier.release("ada")
            assert server.exit_status() == status
            output = server.output
        assert (output.index("confirmation to ada: sent")
                < output.index("Application shutdown complete")
                < output.index("Finished server process")), output
        assert "confirmation to bob" not in output
        assert ("\nTask exception was never retrieved" in output) is reported, output
        assert ("httpx2.ReadError" in output) is reported
        if reported:
            assert output.index("Waiting for application shutdown") < output.index(
                "Task exception was never retrieved")
        assert notifier.outcome("bob") == "hung up"


def test_the_graceful_shutdown_timeout_cancels_background_tasks() -> None:
    with partner(label=by_recipient) as notifier:
        notifier.hold("ada")
        with serving("after_response:app", {"NOTIFIER_URL": notifier.url},
                     "--timeout-graceful-shutdown", "1") as server:
            assert post(server.url("/appointments?patient=ada"))[0] == 201
            assert notifier.wait_until(lambda: notifier.labels() == ["ada"])
            server.interrupt()
            assert server.wait_logged("timeout graceful shutdown exceeded"), server.output
            assert server.wait_logged("confirmation to ada: cancelled"), server.output
            assert server.exit_status() == 0
        assert notifier.outcome("ada") == "hung up"


# create-task-drop

@pytest.fixture
def asyncio_log(caplog: pytest.LogCaptureFixture) -> Callable[[str], list[logging.LogRecord]]:
    """The records logged so far whose message starts with TEXT."""
    caplog.set_level(logging.ERROR)
    return lambda text: [record for record in caplog.records
                         if record.getMessage().startswith(text)]


def test_a_task_nobody_keeps_is_destroyed_by_the_collector_mid_flight(
        example: Callable[[str], ModuleType],
        asyncio_log: Callable[[str], list[logging.LogRecord]]) -> None:
    asyncio.run(example("task_lifetimes").dropped())
    destroyed = asyncio_log("Task was destroyed but it is pending!")
    assert len(destroyed) == 1 and destroyed[0].name == "asyncio"
    assert "wait_for_answer" in destroyed[0].getMessage()


def test_a_kept_task_outlives_the_collector(
        example: Callable[[str], ModuleType],
        asyncio_log: Callable[[str], list[logging.LogRecord]]) -> None:
    lifetimes = example("task_lifetimes")

    async def scenario() -> tuple[bool, bool]:
        task = await lifetimes.kept()
        return task.done(), task in lifetimes.running

    assert asyncio.run(scenario()) == (False, True)
    assert asyncio_log("Task was destroyed") == []


def test_a_failure_nobody_reads_is_reported_only_when_its_task_is_freed(
        example: Callable[[str], ModuleType],
        asyncio_log: Callable[[str], list[logging.LogRecord]]) -> None:
    lifetimes = example("task_lifetimes")

    async def scenario() -> tuple[int, int, int]:
        hoarded = await lifetimes.unread()
        at_once = len(asyncio_log("Task exception was never retrieved"))  # the dropped one
        gc.collect()
        while_kept = len(asyncio_log("Task exception was never retrieved"))
        assert hoarded[0].done()  # failed, and kept: nothing says so
        hoarded.clear()
        return at_once, while_kept, len(asyncio_log("Task exception was never retrieved"))

    assert asyncio.run(scenario()) == (1, 1, 2)
    reported = asyncio_log("Task exception was never retrieved")
    assert all(record.exc_info and isinstance(record.exc_info[1], ConnectionError)
               for record in reported)


def test_a_done_callback_logs_the_failure_at_once_with_its_traceback(
        example: Callable[[str], ModuleType],
        asyncio_log: Callable[[str], list[logging.LogRecord]]) -> None:
    lifetimes = example("task_lifetimes")
    asyncio.run(lifetimes.read())
    failed = asyncio_log("follow-up")
    assert len(failed) == 1 and failed[0].name == "clinic.followups"
    assert failed[0].exc_info and isinstance(failed[0].exc_info[1], ConnectionError)
    assert failed[0].exc_info[2] is not None  # the traceback, to the line that raised
    assert asyncio_log("Task exception was never retrieved") == []
    assert lifetimes.running == set()  # the callback let go of it


def test_tasks_still_pending_when_the_loop_ends_are_cancelled(
        example: Callable[[str], ModuleType]) -> None:
    outcome: list[str] = []
    asyncio.run(example("task_lifetimes").main(outcome))
    assert outcome == ["main returns; confirmation done: False", "cancelled"]


# durable-queue

def test_a_claim_takes_one_job_under_a_lease_and_a_lapsed_lease_frees_it(
        example: Callable[[str], ModuleType], tmp_path: Path) -> None:
    queue = example("job_queue")
    db = queue.connect(str(tmp_path / "jobs.db"))
    first, second = (queue.enqueue(db, "reminder", {"n": n}, now=100) for n in (1, 2))
    a = queue.claim(db, "worker-a", now=100, lease=30)
    b = queue.claim(db, "worker-b", now=100, lease=30)
    assert (a.id, a.attempt, b.id, b.attempt) == (first, 1, second, 1)
    assert queue.claim(db, "worker-c", now=129.9, lease=30) is None  # both still leased
    again = queue.claim(db, "worker-c", now=130.1, lease=30)  # worker-a's lease ran out
    assert (again.id, again.attempt) == (first, 2)
    assert queue.complete(db, a) is False  # worker-a came back late: not its job any more
    assert queue.complete(db, again) is True
    assert db.execute("SELECT status, attempts, worker FROM jobs WHERE id = ?",
                      (first,)).fetchone() == ("done", 2, "worker-c")
    db.close()


def test_a_failed_job_waits_its_backoff_and_fails_for_good_after_the_last_attempt(
        example: Callable[[str], ModuleType], tmp_path: Path) -> None:
    queue = example("job_queue")
    db = queue.connect(str(tmp_path / "jobs.db"))
    job_id = queue.enqueue(db, "reminder", {}, now=0)
    now, statuses = 0.0, []
    for _ in range(3):
        job = queue.claim(db, "worker", now=now, lease=30)
        assert job is not None and job.id == job_id
        statuses.append(queue.fail(db, job, "notifier answered 500", now, retry_in=5,
                                   max_attempts=3))
        assert queue.claim(db, "worker", now=now + 4.9, lease=30) is None  # not yet
        now += 5
    assert statuses == ["queued", "queued", "failed"]
    assert queue.claim(db, "worker", now=now + 1000, lease=30) is None  # never again
    assert db.execute("SELECT status, attempts, last_error FROM jobs").fetchone() == (
        "failed", 3, "notifier answered 500")
    db.close()


def test_workers_claiming_at_once_never_get_the_same_job(
        example: Callable[[str], ModuleType], tmp_path: Path) -> None:
    queue = example("job_queue")
    path = str(tmp_path / "jobs.db")
    db = queue.connect(path)
    jobs = {queue.enqueue(db, "reminder", {"n": n}, now=0) for n in range(30)}
    claimed: dict[str, list[int]] = {}
    start = threading.Barrier(3)

    def worker(name: str) -> None:
        own = queue.connect(path)
        start.wait(WAIT)
        claimed[name] = []
        while (job := queue.claim(own, name, now=1, lease=30)) is not None:
            claimed[name].append(job.id)
        own.close()

    threads = [threading.Thread(target=worker, args=(f"worker-{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    every_claim = [job_id for ids in claimed.values() for job_id in ids]
    assert sorted(every_claim) == sorted(jobs)  # each job once, none left behind
    db.close()


def test_a_job_survives_its_worker_being_killed_mid_job(
        example: Callable[[str], ModuleType], tmp_path: Path) -> None:
    """1. a reminder is queued 2. a worker claims it (lease 0.5 s) and calls the notifier,
    which holds the call 3. the worker is killed (SIGKILL: no cleanup at all) 4. a new worker
    finds the job running under a lapsed lease, claims it again and sends it again, with the
    same idempotency key 5. the job is done, after two attempts."""
    queue = example("job_queue")
    path = str(tmp_path / "jobs.db")
    db = queue.connect(path)
    with partner(label=by_idempotency_key) as notifier:
        message = {"to": "ada@example.org", "subject": "Reminder", "text": "Tomorrow, 9:00"}
        job_id = queue.enqueue(db, "reminder", {"notifier": notifier.url,
                                                "message": message}, now=time.time())
        key = f"reminder-{job_id}"
        notifier.hold(key)
        command = [sys.executable, "job_queue.py", path, "--lease", "0.5"]
        with subprocess.Popen(command, cwd=EXAMPLES, stdout=subprocess.DEVNULL) as first:
            assert notifier.wait_until(lambda: notifier.labels() == [key])
            first.send_signal(signal.SIGKILL)
            assert first.wait(WAIT) == -signal.SIGKILL
        assert notifier.outcome(key) == "hung up"
        status, attempts, lease_until = db.execute(
            "SELECT status, attempts, lease_until FROM jobs").fetchone()
        assert (status, attempts) == ("running", 1)  # as the dead worker left it
        notifier.release(key)
        again = subprocess.run(command, cwd=EXAMPLES, capture_output=True, text=True,
                               timeout=WAIT)
        assert again.returncode == 0, again.stderr
        assert f"claimed job {job_id}, attempt 2" in again.stdout
        assert notifier.labels() == [key, key]  # at least once: twice, with one key
        assert notifier.outcome(key, 1) == "answered" and notifier.seen[1].at > lease_until
    assert db.execute("SELECT status, attempts FROM jobs").fetchone() == ("done", 2)
    db.close()


# outbound-timeouts

def test_httpx2_waits_five_seconds_by_default_and_for_ever_with_none() -> None:
    assert httpx2.AsyncClient().timeout == httpx2.Timeout(5.0)
    assert httpx2.AsyncClient(timeout=None).timeout == httpx2.Timeout(None)


def test_a_partner_that_never_answers_times_out(example: Callable[[str], ModuleType]) -> None:
    outbound = example("outbound_timeouts")

    async def call(url: str) -> float:
        async with outbound.partner_client(url, seconds=0.3) as client:
            started = time.monotonic()
            with pytest.raises(httpx2.ReadTimeout):
                await outbound.lab_results(client, "M-1")
            return time.monotonic() - started

    with partner() as lab:
        lab.hold("/v1/results")
        assert 0.3 * 0.9 <= asyncio.run(call(lab.url)) < WAIT
        assert lab.outcome("/v1/results") == "hung up"  # and the connection is closed


TRICKLED = b'{"results": []' + b" " * 15 + b"}"  # 30 bytes, one every 30 ms


def test_each_timeout_bounds_one_wait_not_the_whole_call(
        example: Callable[[str], ModuleType]) -> None:
    outbound = example("outbound_timeouts")

    async def call(url: str) -> tuple[list, float]:
        async with outbound.partner_client(url, seconds=0.5) as client:
            started = time.monotonic()
            results = await outbound.lab_results(client, "M-1")
            return results, time.monotonic() - started

    with partner(body=TRICKLED, trickle=0.03) as lab:
        results, took = asyncio.run(call(lab.url))
    assert results == []
    assert took > 0.5  # longer than the read timeout, and no timeout fired


def test_a_deadline_bounds_the_whole_call_and_closes_the_connection(
        example: Callable[[str], ModuleType]) -> None:
    outbound = example("outbound_timeouts")

    async def call(url: str) -> float:
        async with outbound.partner_client(url, seconds=0.5) as client:
            started = time.monotonic()
            with pytest.raises(TimeoutError):
                await outbound.lab_results_within(client, "M-1", seconds=0.3)
            return time.monotonic() - started

    with partner(body=TRICKLED, trickle=0.03) as lab:
        assert 0.3 * 0.9 <= asyncio.run(call(lab.url)) < WAIT
        assert lab.outcome("/v1/results") == "hung up"


def test_cancelling_a_call_without_a_timeout_closes_its_connection(
        example: Callable[[str], ModuleType]) -> None:
    outbound = example("outbound_timeouts")

    async def call(lab: Partner) -> None:
        async with httpx2.AsyncClient(base_url=lab.url, timeout=None) as client:
            waiting = asyncio.create_task(outbound.lab_results(client, "M-1"))
            assert await asyncio.to_thread(lab.wait_until, lambda: len(lab.seen) == 1)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting

    with partner() as lab:
        lab.hold("/v1/results")
        asyncio.run(call(lab))
        assert lab.outcome("/v1/results") == "hung up"


def test_a_shielded_call_goes_on_when_its_caller_is_cancelled(
        example: Callable[[str], ModuleType]) -> None:
    outbound = example("outbound_timeouts")

    async def call(lab: Partner) -> list:
        async with httpx2.AsyncClient(base_url=lab.url, timeout=None) as client:
            caller = asyncio.create_task(outbound.lab_results_shielded(client, "M-1"))
            assert await asyncio.to_thread(lab.wait_until, lambda: len(lab.seen) == 1)
            caller.cancel()
            with pytest.raises(asyncio.CancelledError):
                await caller  # the caller is cancelled at once...
            (shielded,) = asyncio.all_tasks() - {asyncio.current_task()}
            assert not shielded.done()  # ...and the call goes on, waiting for the partner
            lab.release("/v1/results")
            return await shielded

    with partner() as lab:
        lab.hold("/v1/results")
        assert asyncio.run(call(lab)) == []
        assert lab.outcome("/v1/results") == "answered"


# uvicorn's own choices (httptools and uvloop where installed), and the pure-Python pair.
UVICORN_FLAVOURS = {"httptools": (), "h11": ("--http", "h11", "--loop", "asyncio")}


@pytest.mark.parametrize("flavour", sorted(UVICORN_FLAVOURS))
def test_a_client_that_hangs_up_stops_the_handler_only_if_it_watches(flavour: str) -> None:
    """1. a client asks the watched route; its handler calls the partner, which holds the
    call 2. the client closes its connection: the watcher cancels the call, and the partner
    sees its connection closed 3. another client asks the unwatched route, and leaves the
    same way 4. the partner is released: that handler carries on, gets the answer, and only
    then learns that nobody is waiting for it."""
    with partner() as lab:
        lab.hold("/v1/results")
        with serving("disconnect:app", {"PARTNER_URL": lab.url},
                     *UVICORN_FLAVOURS[flavour]) as server:
            client = hang_up_after_sending(server.port, "/results/watched")
            assert lab.wait_until(lambda: len(lab.seen) == 1)
            client.close()
            assert lab.outcome("/v1/results") == "hung up"  # never released
            assert server.wait_logged("the partner call was cancelled"), server.output
            client = hang_up_after_sending(server.port, "/results/unwatched")
            assert lab.wait_until(lambda: len(lab.seen) == 2)
            client.close()
            lab.release("/v1/results")
            assert server.wait_logged("the client is gone: True"), server.output
            assert "Exception in ASGI application" not in server.output
        assert lab.outcome("/v1/results", 1) == "answered"


def test_the_watcher_passes_the_answer_through_when_the_client_stays(
        example: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch) -> None:
    with partner() as lab:
        monkeypatch.setenv("PARTNER_URL", lab.url)
        with TestClient(example("disconnect").app) as client:
            assert client.get("/results/watched").json() == {"results": []}
            assert client.get("/results/unwatched").json() == {"results": []}


# idempotency

class HeldProcessor:
    """The payment processor: counts charges; holds each until released; fails on demand."""

    def __init__(self) -> None:
        self.charges: list[tuple[int, str]] = []
        self.started = asyncio.Event()
        self.go_on = asyncio.Event()
        self.failing = False

    async def charge(self, amount_cents: int, reference: str) -> str:
        self.started.set()
        await self.go_on.wait()
        if self.failing:
            raise ConnectionError("processor unreachable")
        self.charges.append((amount_cents, reference))
        return f"ch_{len(self.charges)}"


def payment(amount: int = 4500) -> dict:
    return {"appointment_id": 7, "amount_cents": amount}


def headers(patient: str, key: str) -> dict[str, str]:
    return {"X-Patient": patient, "Idempotency-Key": key}


def test_concurrent_retries_charge_once_and_a_retry_gets_the_first_answer(
        example: Callable[[str], ModuleType], tmp_path: Path) -> None:
    keys = example("idempotency_keys")

    async def scenario() -> None:
        processor = HeldProcessor()
        app = keys.create_app(processor, str(tmp_path / "keys.db"))
        async with LifespanManager(app) as running, httpx2.AsyncClient(
                transport=httpx2.ASGITransport(app=running.app), base_url="http://t") as api:
            same = [asyncio.create_task(api.post("/payments", json=payment(),
                                                 headers=headers("ada", "pay-1")))
                    for _ in range(8)]
            done, pending = set(), set(same)
            while len(pending) > 1:  # every one but the first answers while it charges
                finished, pending = await asyncio.wait(pending,
                                                       return_when=asyncio.FIRST_COMPLETED)
                done |= finished
            assert processor.started.is_set()
            refused = [task.result() for task in done]
            assert {(answer.status_code, answer.json()["error"]["code"])
                    for answer in refused} == {(409, "idempotency_key_in_use")}
            processor.go_on.set()
            first = await pending.pop()
            assert first.status_code == 201
            assert first.json() == {**payment(), "charge_id": "ch_1"}
            for _ in range(2):
                retry = await api.post("/payments", json=payment(),
                                       headers=headers("ada", "pay-1"))
                assert (retry.status_code, retry.content) == (201, first.content)
            other_body = await api.post("/payments", json=payment(9900),
                                        headers=headers("ada", "pay-1"))
            assert other_body.status_code == 422
            assert other_body.json()["error"]["code"] == "idempotency_key_reused"
            missing = await api.post("/payments", json=payment(), headers={"X-Patient": "ada"})
            assert missing.status_code == 400
            assert processor.charges == [(4500, "ada/pay-1")]  # one charge, for it all
            bobs = await api.post("/payments", json=payment(), headers=headers("bob", "pay-1"))
            assert bobs.json()["charge_id"] == "ch_2"  # another caller: another key
            assert processor.charges[1] == (4500, "bob/pay-1")

    asyncio.run(scenario())


def test_a_failed_charge_lets_go_of_its_key_so_that_a_retry_can_pay(
        example: Callable[[str], ModuleType], tmp_path: Path) -> None:
    keys = example("idempotency_keys")

    async def scenario() -> None:
        processor = HeldProcessor()
        processor.go_on.set()
        processor.failing = True
        app = keys.create_app(processor, str(tmp_path / "keys.db"))
        async with LifespanManager(app) as running, httpx2.AsyncClient(
                transport=httpx2.ASGITransport(app=running.app), base_url="http://t") as api:
            failed = await api.post("/payments", json=payment(), headers=headers("ada", "k"))
            assert failed.status_code == 502
            processor.failing = False
            retry = await api.post("/payments", json=payment(), headers=headers("ada", "k"))
            assert retry.status_code == 201 and processor.charges == [(4500, "ada/k")]

    asyncio.run(scenario())


def test_the_key_store_is_one_row_per_caller_and_key(
        example: Callable[[str], ModuleType], tmp_path: Path) -> None:
    keys = example("idempotency_keys")
    db = sqlite3.connect(tmp_path / "keys.db")
    db.execute(keys.SCHEMA)
    db.execute("INSERT INTO idempotency_keys (owner, key, fingerprint) VALUES ('a', 'k', 'f')")
    with pytest.raises(sqlite3.IntegrityError):  # what decides the winner of a race
        db.execute("INSERT INTO idempotency_keys (owner, key, fingerprint)"
                   " VALUES ('a', 'k', 'g')")
    db.close()


# bounded-retry

def test_backoff_grows_stays_under_its_cap_and_repeats_with_its_seed(
        example: Callable[[str], ModuleType]) -> None:
    backoff = example("backoff")
    delays = [backoff.backoff(attempt, 0.5, 8.0, random.Random(7)) for attempt in range(1, 9)]
    for attempt, delay in enumerate(delays, start=1):
        assert 0 <= delay <= min(8.0, 0.5 * 2 ** (attempt - 1))
    again = [backoff.backoff(attempt, 0.5, 8.0, random.Random(7)) for attempt in range(1, 9)]
    assert again == delays
    assert backoff.schedules(3, 5, jitter=True, seed=7) == backoff.schedules(
        3, 5, jitter=True, seed=7)


def test_without_jitter_every_caller_retries_at_the_same_moments(
        example: Callable[[str], ModuleType]) -> None:
    backoff = example("backoff")
    lockstep = backoff.schedules(clients=20, attempts=5, jitter=False, seed=7)
    assert all(plan == [0.5, 1.5, 3.5, 7.5] for plan in lockstep)
    spread = backoff.schedules(clients=20, attempts=5, jitter=True, seed=7)
    assert len({plan[0] for plan in spread}) == 20  # twenty first retries, twenty moments
    assert all(plan[-1] <= 7.5 for plan in spread)  # never later than without jitter


def status_error(status: int) -> httpx2.HTTPStatusError:
    answer = httpx2.Response(status, request=httpx2.Request("GET", "http://partner/v1"))
    return httpx2.HTTPStatusError(f"{status}", request=answer.request, response=answer)


def test_retries_are_bounded_backed_off_logged_and_only_for_what_may_pass(
        example: Callable[[str], ModuleType], caplog: pytest.LogCaptureFixture) -> None:
    backoff = example("backoff")
    caplog.set_level(logging.WARNING, logger="clinic.retries")

    def failing(*errors: Exception) -> Callable[[], object]:
        queue = list(errors)

        async def call() -> str:
            if queue:
                raise queue.pop(0)
            return "answered"
        return call

    async def run(call: Callable[[], object]) -> tuple[object, list[float]]:
        slept: list[float] = []

        async def sleep(seconds: float) -> None:
            slept.append(seconds)

        try:
            result = await backoff.with_retries(call, attempts=4, rng=random.Random(7),
                                                sleep=sleep)
        except httpx2.HTTPError as exc:
            result = exc
        return result, slept

    result, slept = asyncio.run(run(failing(httpx2.ConnectError("refused"),
                                            status_error(503))))
    assert result == "answered" and len(slept) == 2
    assert [record.getMessage().split(" (")[0] for record in caplog.records] == [
        "attempt 1 failed", "attempt 2 failed"]
    caplog.clear()
    result, slept = asyncio.run(run(failing(*(status_error(503) for _ in range(9)))))
    assert isinstance(result, httpx2.HTTPStatusError) and len(slept) == 3
    assert caplog.records[-1].levelno == logging.ERROR
    assert caplog.records[-1].getMessage().startswith("giving up after attempt 4")
    for status in (404, 422):
        result, slept = asyncio.run(run(failing(status_error(status))))
        assert isinstance(result, httpx2.HTTPStatusError) and slept == []  # at once
    result, slept = asyncio.run(run(failing(status_error(429))))
    assert result == "answered" and len(slept) == 1
