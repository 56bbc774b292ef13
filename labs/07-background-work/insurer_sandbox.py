"""A stand-in for the insurer's API, for trying the lab by hand and for the lab's own tests.

    python insurer_sandbox.py            # listens on http://127.0.0.1:8072
    python insurer_sandbox.py --fail     # answers 503 to everything, as during an outage

GET /v1/plans answers {"plans": [{"code", "name", "copay_cents"}, ...]};
GET /v1/members/{member_id}/coverage answers {"plan": CODE, "active": true|false}, or 404 for a
member it does not know. By hand it knows the plans and members below.

In a test, `with InsurerSandbox(plans, members) as insurer:` serves on a free port of its own
(`insurer.url`) until the block ends; change `insurer.plans`, `insurer.members` or
`insurer.failing` between requests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

PLANS = [{"code": "BASIC", "name": "Basic care", "copay_cents": 2500},
         {"code": "PLUS", "name": "Care plus", "copay_cents": 1000},
         {"code": "FAMILY", "name": "Family care", "copay_cents": 1500}]
# member id: (plan code, active)
MEMBERS = {"NHI-1001": ("BASIC", True), "NHI-1002": ("PLUS", True), "NHI-1003": ("PLUS", False)}


@dataclass
class Answer:
    status: int
    body: object


class InsurerSandbox:
    def __init__(self, plans: list[dict] | None = None,
                 members: dict[str, tuple[str, bool]] | None = None, port: int = 0,
                 failing: bool = False) -> None:
        self.plans = list(PLANS if plans is None else plans)
        self.members = dict(MEMBERS if members is None else members)
        self.failing = failing
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        # Polled often: a test's sandbox stops at once, not half a second later.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, path: str) -> Answer:
        if self.failing:
            return Answer(503, {"error": "the insurer is down for maintenance"})
        if path == "/v1/plans":
            return Answer(200, {"plans": self.plans})
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["v1", "members"] and parts[3] == "coverage":
            found = self.members.get(parts[2])
            if found is None:
                return Answer(404, {"error": "no such member"})
            return Answer(200, {"plan": found[0], "active": found[1]})
        return Answer(404, {"error": "unknown endpoint"})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps connections open, as the real API does

            def do_GET(self) -> None:
                found = sandbox.answer(self.path.split("?")[0])
                body = json.dumps(found.body).encode()
                self.send_response(found.status)
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
    # The lab's .env.example points CLINIC_INSURER_URL here (the course's port plan).
    parser.add_argument("--port", type=int, default=8072)
    parser.add_argument("--fail", action="store_true", help="answer 503 to everything")
    return parser


def main() -> None:
    args = options().parse_args()
    with InsurerSandbox(port=args.port, failing=args.fail) as sandbox:
        state = "failing everything" if args.fail else f"{len(sandbox.plans)} plans"
        print(f"insurer sandbox on {sandbox.url} ({state}); members: "
              + ", ".join(f"{member} ({plan}, {'active' if active else 'lapsed'})"
                          for member, (plan, active) in sandbox.members.items()), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
