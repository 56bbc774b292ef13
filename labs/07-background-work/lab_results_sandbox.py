"""A stand-in for the partner laboratory's API, for trying the lab by hand and for the lab's
own tests.

    python lab_results_sandbox.py                  # listens on http://127.0.0.1:8073
    python lab_results_sandbox.py --never-answer   # takes every request, answers none
    python lab_results_sandbox.py --fail           # answers 503 to everything, an outage

GET /v1/results?member=<member_id> answers {"results": [{"test", "value", "unit",
"taken_at"}, ...]}: the member's results, none for a member it does not know. By hand it
knows the members below. With --never-answer it holds each request and prints when the
caller hangs up, and after how long.

In a test, `with LabResultsSandbox() as laboratory:` serves on a free port of its own
(`laboratory.url`) until the block ends; change `results`, `never_answer` or `failing` between
requests; `wait_for_hang_up()` waits until a held caller closes its connection.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qs, urlsplit

RESULTS = {
    "NHI-1001": [{"test": "HbA1c", "value": 5.4, "unit": "%", "taken_at": "2031-04-28T08:10:00Z"},
                 {"test": "Cholesterol", "value": 4.9, "unit": "mmol/L",
                  "taken_at": "2031-04-28T08:10:00Z"}],
    "NHI-1002": [{"test": "Vitamin D", "value": 62, "unit": "nmol/L",
                  "taken_at": "2031-03-14T09:30:00Z"}],
}
# However long a caller keeps waiting, a held request is let go after this: a sandbox that
# stays up for days does not pile up connections.
LONGEST_HOLD_SECONDS = 600


class LabResultsSandbox:
    def __init__(self, results: dict[str, list[dict]] | None = None, port: int = 0,
                 never_answer: bool = False, failing: bool = False, quiet: bool = True) -> None:
        self.results = {member: list(found)
                        for member, found in (RESULTS if results is None else results).items()}
        self.never_answer = never_answer
        self.failing = failing
        self.quiet = quiet
        self.asked: list[str] = []
        self.hung_up: list[float] = []  # after how many seconds each held caller hung up
        self._changed = threading.Condition()
        self._held: set[socket.socket] = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        # Polled often: a test's sandbox stops at once, not half a second later.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def wait_for_hang_up(self, timeout: float = 10) -> float | None:
        """Seconds the first held caller waited before it hung up; None if it did not within
        `timeout`."""
        with self._changed:
            if self._changed.wait_for(lambda: self.hung_up, timeout):
                return self.hung_up[0]
        return None

    def hold(self, connection: socket.socket, member: str) -> None:
        """Answers nothing; returns once the caller has closed its connection."""
        self._say(f"holding the results of {member!r}, answering nothing")
        began = time.monotonic()
        with self._changed:
            self._held.add(connection)
        try:
            while time.monotonic() - began < LONGEST_HOLD_SECONDS:
                readable, _, _ = select.select([connection], [], [], 1.0)
                if readable and not connection.recv(1024):
                    waited = time.monotonic() - began
                    self._say(f"the caller asking for {member!r} hung up after {waited:.1f} s")
                    with self._changed:
                        self.hung_up.append(waited)
                        self._changed.notify_all()
                    return
        except OSError:
            return
        finally:
            with self._changed:
                self._held.discard(connection)

    def _say(self, text: str) -> None:
        if not self.quiet:
            print(text, flush=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps connections open, as the real API does

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                member = parse_qs(url.query).get("member", [""])[0]
                if url.path != "/v1/results":
                    self.answer(404, {"error": "unknown endpoint"})
                    return
                with sandbox._changed:
                    sandbox.asked.append(member)
                    sandbox._changed.notify_all()
                if sandbox.never_answer:
                    sandbox.hold(self.connection, member)
                    self.close_connection = True
                elif sandbox.failing:
                    self.answer(503, {"error": "the laboratory is down for maintenance"})
                else:
                    found = sandbox.results.get(member, [])
                    sandbox._say(f"200 for {member!r}: {len(found)} results")
                    self.answer(200, {"results": found})

            def answer(self, status: int, body: object) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._changed:
            held = list(self._held)
        for connection in held:  # so that the threads holding them end
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # The lab's .env.example points CLINIC_LAB_RESULTS_URL here (the course's port plan).
    parser.add_argument("--port", type=int, default=8073)
    parser.add_argument("--never-answer", action="store_true",
                        help="take every request and answer none")
    parser.add_argument("--fail", action="store_true", help="answer 503 to everything")
    return parser


def main() -> None:
    args = options().parse_args()
    with LabResultsSandbox(port=args.port, never_answer=args.never_answer, failing=args.fail,
                           quiet=False) as sandbox:
        state = ("answering nothing" if args.never_answer else
                 "failing everything" if args.fail else "answering")
        print(f"lab results sandbox on {sandbox.url} ({state}); members: "
              + ", ".join(f"{member} ({len(found)} result{'' if len(found) == 1 else 's'})"
                          for member, found in sandbox.results.items()), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
