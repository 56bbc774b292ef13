"""A stand-in for the payment processor, for trying the lab by hand and for the lab's own
tests.

    python payments_sandbox.py              # listens on http://127.0.0.1:8074
    python payments_sandbox.py --delay 2    # takes 2 s to charge, as on a busy day
    python payments_sandbox.py --fail       # declines everything (402)

POST /v1/charges with {"amount_cents": int, "reference": str} charges, prints the charge and
answers 201 {"charge_id": ...}. Like a card, it charges every time it is asked: telling a
retry from a new payment is the caller's job.

In a test, `with PaymentsSandbox() as processor:` serves on a free port of its own
(`processor.url`) until the block ends; `processor.charges` lists every charge made.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class PaymentsSandbox:
    def __init__(self, port: int = 0, delay: float = 0.0, failing: bool = False,
                 quiet: bool = True) -> None:
        self.delay = delay
        self.failing = failing
        self.quiet = quiet
        self.charges: list[dict] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        # Polled often: a test's sandbox stops at once, not half a second later.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def charge(self, asked: object) -> tuple[int, dict]:
        if not (isinstance(asked, dict) and type(asked.get("amount_cents")) is int
                and asked["amount_cents"] > 0 and isinstance(asked.get("reference"), str)):
            return 400, {"error": "amount_cents (a positive integer) and reference expected"}
        if self.failing:
            return 402, {"error": "the card was declined"}
        with self._lock:
            charge = {"charge_id": f"ch_{len(self.charges) + 1:06d}", **asked}
            self.charges.append(charge)
        if not self.quiet:
            print(f"charged {charge['amount_cents']} cents for {charge['reference']!r}: "
                  f"{charge['charge_id']}", flush=True)
        return 201, {"charge_id": charge["charge_id"]}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps connections open, as the real API does

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != "/v1/charges":
                    status, body = 404, {"error": "unknown endpoint"}
                else:
                    try:
                        status, body = sandbox.charge(json.loads(raw))
                    except ValueError:
                        status, body = 400, {"error": "not JSON"}
                    time.sleep(sandbox.delay)
                encoded = json.dumps(body).encode()
                with contextlib.suppress(OSError):  # the caller may have gone meanwhile
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(encoded)))
                    self.end_headers()
                    self.wfile.write(encoded)

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
    # The lab's .env.example points CLINIC_PAYMENTS_URL here (the course's port plan).
    parser.add_argument("--port", type=int, default=8074)
    parser.add_argument("--delay", type=float, default=0.0,
                        help="seconds each charge takes before it is answered")
    parser.add_argument("--fail", action="store_true", help="decline every charge (402)")
    return parser


def main() -> None:
    args = options().parse_args()
    with PaymentsSandbox(port=args.port, delay=args.delay, failing=args.fail,
                         quiet=False) as sandbox:
        state = "declining every charge" if args.fail else "charging"
        if args.delay:
            state += f", {args.delay:g} s per charge"
        print(f"payments sandbox on {sandbox.url} ({state})", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
