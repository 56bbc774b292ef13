"""A stand-in for the clinic's notification service, `POST /v1/messages` (under any prefix):
it records every message and answers 202; while the check has it failing, it refuses (503) or
hangs up without an answer.

The socket is bound at once, so its address can go into the lab's environment before any
process is forked; it serves from `start()` on (a fork copies no thread).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Message:
    path: str
    body: Any  # the JSON sent, or None
    seen: Any = None  # what the check's `look` found as the message arrived

    @property
    def to(self) -> object:
        return self.body.get("to") if isinstance(self.body, dict) else None


class NotifierStandIn:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.failing = ""  # "", "refuse" or "hang up"
        # Called as each message arrives, before it is answered: while the lab waits for it.
        self.look: Callable[[], Any] | None = None
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                look = stand_in.look
                seen = look() if look is not None else None
                with stand_in._lock:
                    stand_in.messages.append(Message(self.path, body, seen))
                    failing = stand_in.failing
                if failing == "hang up":
                    self.close_connection = True
                    return
                status = 503 if failing else 202
                answer = b'{"queued": true}' if status == 202 else b'{"error": "unavailable"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,),
                                       daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> NotifierStandIn:
        self.thread.start()
        return self

    def mark(self) -> int:
        with self._lock:
            return len(self.messages)

    def since(self, mark: int) -> list[Message]:
        with self._lock:
            return self.messages[mark:]

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.thread.join(2)
        self.server.server_close()
