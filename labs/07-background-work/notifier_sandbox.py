"""A stand-in for the clinic's notification service, for trying the lab by hand and for the
lab's own tests.

    python notifier_sandbox.py                 # listens on http://127.0.0.1:8071
    python notifier_sandbox.py --fail          # answers 503 to every message, an outage
    python notifier_sandbox.py --delay 10      # takes 10 s to answer each message
    python notifier_sandbox.py --refuse ADDRESS   # answers 500 to every message to ADDRESS

POST /v1/messages with {"to": ..., "subject": ..., "text": ...} prints the message and answers
202, the way the real service queues it for delivery. With an `Idempotency-Key` header it
delivers a message once per key: a repeat with the same key answers 200 and delivers nothing
new.

In a test, `with NotifierSandbox() as notifier:` serves on a free port of its own
(`notifier.url`) until the block ends; `notifier.delivered` lists the messages delivered, and
`wait_for(count)` waits until that many are.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class NotifierSandbox:
    def __init__(self, port: int = 0, failing: bool = False, delay: float = 0.0,
                 refused: set[str] | None = None, quiet: bool = True) -> None:
        self.failing = failing
        self.delay = delay
        self.refused = set(refused or ())
        self.quiet = quiet
        self.delivered: list[dict] = []
        self.keys: set[str] = set()
        self.repeats = 0
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        # Polled often: a test's sandbox stops at once, not half a second later.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def wait_for(self, count: int, timeout: float = 10) -> bool:
        """Whether `count` messages are delivered within `timeout` seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.delivered) >= count, timeout)

    def take(self, message: dict, key: str | None) -> int:
        """The status the message is answered with; delivers it, unless that key already
        delivered one."""
        if self.failing:
            status = 503
        elif message.get("to") in self.refused:
            status = 500
        else:
            with self._changed:
                if key is not None and key in self.keys:
                    self.repeats += 1
                    status = 200
                else:
                    if key is not None:
                        self.keys.add(key)
                    self.delivered.append({**message, "key": key})
                    self._changed.notify_all()
                    status = 202
        if not self.quiet:
            said = "a repeat, not delivered again" if status == 200 else repr(message.get("subject"))
            print(f"{status} to {message.get('to')!r}: {said}" + (f" (key {key})" if key else ""),
                  flush=True)
        return status

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                if not self.path.endswith("/v1/messages"):
                    self.send_error(404, "unknown endpoint")
                    return
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    message = json.loads(raw)
                except ValueError:
                    self.send_error(400, "not JSON")
                    return
                if not isinstance(message, dict):
                    self.send_error(400, "not a JSON object")
                    return
                status = sandbox.take(message, self.headers.get("Idempotency-Key"))
                time.sleep(sandbox.delay)
                body = json.dumps({"queued": status == 202}).encode()
                with contextlib.suppress(OSError):  # the caller may have gone meanwhile
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # The lab's .env.example points CLINIC_NOTIFIER_URL here (the course's port plan).
    parser.add_argument("--port", type=int, default=8071)
    parser.add_argument("--fail", action="store_true", help="answer 503 to every message")
    parser.add_argument("--delay", type=float, default=0.0,
                        help="seconds to take before answering each message")
    parser.add_argument("--refuse", action="append", default=[], metavar="ADDRESS",
                        help="answer 500 to every message to this address (repeatable)")
    return parser


def main() -> None:
    args = options().parse_args()
    with NotifierSandbox(port=args.port, failing=args.fail, delay=args.delay,
                         refused=set(args.refuse), quiet=False) as sandbox:
        state = "failing every message" if args.fail else "accepting messages"
        if args.delay:
            state += f", {args.delay:g} s to answer each"
        if args.refuse:
            state += ", refusing " + ", ".join(args.refuse)
        print(f"notifier sandbox on {sandbox.url} ({state})", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
