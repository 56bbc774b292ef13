"""The insurer as the checks play it: a plan catalogue and members made up for this run, and a
count of the connections the clinic opens to it, and of those it still holds open."""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def made_up_plans(count: int = 4) -> list[dict[str, Any]]:
    return [{"code": f"P{secrets.token_hex(3).upper()}", "name": f"Plan {secrets.token_hex(4)}",
             "copay_cents": 100 * (5 + secrets.randbelow(60))} for _ in range(count)]


def member_id() -> str:
    return f"M-{secrets.randbelow(10**8):08d}"


@dataclass
class Insurer:
    plans: list[dict[str, Any]] = field(default_factory=made_up_plans)
    members: dict[str, tuple[str, bool]] = field(default_factory=dict)
    failing: bool = False  # every answer a 503, the catalogue's too
    opened: int = 0  # connections accepted so far
    open_now: int = 0  # connections the clinic has not closed yet
    catalogue_reads: int = 0
    coverage_reads: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def member(self, plan: dict[str, Any], active: bool = True) -> str:
        found = member_id()
        self.members[found] = (plan["code"], active)
        return found

    def answer(self, path: str) -> tuple[int, Any]:
        if self.failing:
            return 503, {"error": "down for maintenance"}
        if path == "/v1/plans":
            with self._lock:
                self.catalogue_reads += 1
            return 200, {"plans": self.plans}
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["v1", "members"] and parts[3] == "coverage":
            with self._lock:
                self.coverage_reads += 1
            found = self.members.get(parts[2])
            if found is None:
                return 404, {"error": "no such member"}
            return 200, {"plan": found[0], "active": found[1]}
        return 404, {"error": "unknown endpoint"}

    def _counted(self, change: int) -> None:
        with self._lock:
            self.open_now += change
            if change > 0:
                self.opened += 1

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        insurer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # a connection serves request after request

            def setup(self) -> None:
                super().setup()
                insurer._counted(+1)

            def finish(self) -> None:
                try:
                    super().finish()
                finally:
                    insurer._counted(-1)

            def do_GET(self) -> None:
                status, body = insurer.answer(self.path.split("?")[0])
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def start(self) -> Insurer:
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread is not None:
            self.server.shutdown()
            self.thread.join(5)
        self.server.server_close()
