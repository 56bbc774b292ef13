"""The clinic's partners as lab 07's checks play them, each a real HTTP server on 127.0.0.1 in
this process: the notifier (which delivers a message once per `Idempotency-Key`, and can hold
or refuse messages), the partner laboratory (which can answer nothing at all, and sees its
connections close) and the payment processor (which counts its charges)."""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class StandIn:
    """A threading HTTP/1.1 server of this process, started and stopped by the check."""

    def __init__(self) -> None:
        self.lock = threading.RLock()  # the conditions ask the counts while holding it
        self.changed = threading.Condition(self.lock)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.server.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(condition, timeout)

    def start(self) -> StandIn:
        if self.thread is None:
            self.thread = threading.Thread(target=self.server.serve_forever,
                                           kwargs={"poll_interval": 0.05}, daemon=True)
            self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread is not None:
            self.server.shutdown()
            self.thread.join(5)
        self.server.server_close()


def answer(handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
    raw = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(raw)))
    handler.end_headers()
    handler.wfile.write(raw)


def read_json(handler: BaseHTTPRequestHandler) -> Any:
    raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
    try:
        return json.loads(raw)
    except ValueError:
        return None


class Notifier(StandIn):
    """`POST /v1/messages`: 202 and delivered, once per Idempotency-Key (a repeat answers 200
    and delivers nothing new). Every message is kept as a dict (`to`, `subject`, `text`, and
    `key`, `at` (time.monotonic()), `delivered` and its `outcome`), as the earlier chapters'
    notifier keeps them.
    An address in `refusing` is answered 500 every time, and every address while `failing`.
    While `holding` is set, a message to an address in `hold_for` waits before it is
    delivered: the sender is then mid-send. One whose sender hung up meanwhile is not."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.failing = False
        self.refusing: set[str] = set()
        self.hold_for: set[str] = set()
        self.holding = threading.Event()
        self.delivered_first = False
        self.held = 0  # messages waiting on `holding` right now
        super().__init__()

    def tried(self, address: str, since: float = 0.0) -> list[dict[str, Any]]:
        """The messages to `address` that arrived after `since` (a time.monotonic())."""
        with self.lock:
            return [m for m in self.messages if m["to"] == address and m["at"] >= since]

    def delivered_to(self, address: str, since: float = 0.0) -> list[dict[str, Any]]:
        return [m for m in self.tried(address, since) if m["delivered"]]

    def answered(self, address: str, since: float = 0.0) -> list[dict[str, Any]]:
        """The messages to `address` the notifier said yes to: delivered, or repeats of one."""
        return [m for m in self.tried(address, since) if m["outcome"] in ("delivered", "repeat")]

    def hold(self, *addresses: str, delivered_first: bool = False) -> None:
        """Hold the messages to `addresses` before they are delivered (a sender that dies
        meanwhile sent nothing), or with `delivered_first` once delivered and before the
        answer (a sender that dies meanwhile never hears that it was)."""
        self.hold_for = set(addresses)
        self.delivered_first = delivered_first
        self.holding.set()

    def release(self) -> None:
        self.holding.clear()
        self.hold_for = set()

    def record(self, body: dict[str, Any], key: str, hung_up: bool) -> str:
        """Keeps the message; its outcome: delivered, a repeat of a key already delivered,
        refused, or hung up (its sender gone before it was delivered)."""
        to = str(body.get("to", ""))
        with self.changed:
            refused = self.failing or to in self.refusing
            repeat = bool(key) and any(m["key"] == key and m["delivered"] for m in self.messages)
            outcome = ("hung up" if hung_up else "refused" if refused
                       else "repeat" if repeat else "delivered")
            message = {"to": to, "subject": str(body.get("subject", "")),
                       "text": str(body.get("text", "")), "key": key, "at": time.monotonic(),
                       "delivered": outcome == "delivered", "outcome": outcome}
            self.messages.append(message)
            self.changed.notify_all()
        return outcome

    def wait_held(self, to: str, connection: socket.socket) -> bool:
        """Waits while messages to `to` are held; whether the sender hung up meanwhile."""
        with self.changed:
            self.held += 1
            self.changed.notify_all()
        try:
            while self.holding.is_set() and to in self.hold_for:
                time.sleep(0.02)
            return peer_gone(connection)
        finally:
            with self.changed:
                self.held -= 1
                self.changed.notify_all()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        notifier = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = read_json(self)
                if self.path.split("?")[0] != "/v1/messages" or not isinstance(body, dict):
                    answer(self, 404 if isinstance(body, dict) else 400, {"error": "no"})
                    return
                to = str(body.get("to", ""))
                key = self.headers.get("Idempotency-Key", "")
                holding = notifier.holding.is_set() and to in notifier.hold_for
                if holding and notifier.delivered_first:
                    outcome = notifier.record(body, key, hung_up=False)
                    hung_up = notifier.wait_held(to, self.connection)
                else:
                    hung_up = holding and notifier.wait_held(to, self.connection)
                    outcome = notifier.record(body, key, hung_up)
                if hung_up:
                    self.close_connection = True
                elif outcome == "refused":
                    answer(self, 500, {"error": "mailbox unavailable"})
                else:
                    answer(self, 200 if outcome == "repeat" else 202,
                           {"queued": outcome == "delivered"})

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def peer_gone(connection: socket.socket) -> bool:
    """Has the other end closed the connection (a process that died, a client that gave up)?"""
    connection.setblocking(False)
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        connection.setblocking(True)


class LabPartner(StandIn):
    """`GET /v1/results?member=M`: the member's results; while `silent`, it reads the request
    and never answers. It counts the connections it has accepted and those still open."""

    def __init__(self) -> None:
        self.results: dict[str, list[dict[str, Any]]] = {}
        self.silent = False
        self.opened = 0
        self.open_now = 0
        self.asked = 0
        self.hung_up = 0  # silent answers whose caller closed the connection first
        self._quit = threading.Event()
        super().__init__()

    def member(self) -> tuple[str, list[dict[str, Any]]]:
        found = f"M-{secrets.randbelow(10**8):08d}"
        self.results[found] = [
            {"test": f"test-{secrets.token_hex(3)}", "value": round(secrets.randbelow(1000) / 10, 1),
             "unit": "mmol/L", "taken_at": f"2027-01-1{secrets.randbelow(10)}T08:00:00Z"}
            for _ in range(2)]
        return found, self.results[found]

    def handler(self) -> type[BaseHTTPRequestHandler]:
        partner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with partner.changed:
                    partner.opened += 1
                    partner.open_now += 1
                    partner.changed.notify_all()

            def finish(self) -> None:
                try:
                    super().finish()
                finally:
                    with partner.changed:
                        partner.open_now -= 1
                        partner.changed.notify_all()

            def do_GET(self) -> None:
                with partner.changed:
                    partner.asked += 1
                    partner.changed.notify_all()
                if partner.silent:
                    # Never answers: waits until the clinic closes the connection (a read
                    # that ends) or the check ends.
                    self.connection.settimeout(0.05)
                    while not partner._quit.is_set():
                        try:
                            if not self.connection.recv(1, socket.MSG_PEEK):  # closed
                                break
                        except TimeoutError:
                            continue
                        except OSError:
                            break
                    if not partner._quit.is_set():
                        with partner.changed:
                            partner.hung_up += 1
                            partner.changed.notify_all()
                    self.close_connection = True
                    return
                member = dict(p.split("=", 1) for p in self.path.partition("?")[2].split("&")
                              if "=" in p).get("member", "")
                found = partner.results.get(member)
                if found is None:
                    answer(self, 404, {"error": "no such member"})
                else:
                    answer(self, 200, {"results": found})

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def stop(self) -> None:
        self._quit.set()
        super().stop()


@dataclass
class Charge:
    amount_cents: int
    reference: str
    charge_id: str


@dataclass
class Processor(StandIn):
    """`POST /v1/charges` `{"amount_cents", "reference"}`: 201 `{"charge_id"}`, counted. Each
    charge takes `slow` seconds, so that retries sent at once overlap it."""

    charges: list[Charge] = field(default_factory=list)
    slow: float = 0.3
    failing_next: int = 0  # so many charges refused (500) before the next one is made

    def __post_init__(self) -> None:
        super().__init__()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        processor = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = read_json(self)
                if self.path.split("?")[0] != "/v1/charges" or not isinstance(body, dict):
                    answer(self, 404, {"error": "no"})
                    return
                time.sleep(processor.slow)
                with processor.changed:
                    refused = processor.failing_next > 0
                    processor.failing_next -= refused
                if refused:
                    answer(self, 500, {"error": "card declined by the bank's systems"})
                    return
                charge = Charge(int(body.get("amount_cents") or 0), str(body.get("reference")),
                                f"ch_{secrets.token_hex(8)}")
                with processor.changed:
                    processor.charges.append(charge)
                    processor.changed.notify_all()
                answer(self, 201, {"charge_id": charge.charge_id})

            def log_message(self, *args: object) -> None:
                pass

        return Handler
