"""A stand-in for the insurer's legacy coverage API, slow on purpose, for trying the lab by hand.

    python insurer_sandbox.py --delay 5     # listens on http://127.0.0.1:8011

GET /v1/coverage?name=...&date_of_birth=... waits `--delay` seconds, then answers
{"plan": ..., "active": ...} the way the real insurer does on a busy morning.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PLANS = ["Bronze Saver", "Silver Family", "Gold Plus", "Platinum Care"]


def coverage_for(name: str) -> dict[str, object]:
    digest = hashlib.sha256(name.encode()).digest()
    return {"plan": PLANS[digest[0] % len(PLANS)], "active": digest[1] % 5 != 0}


def make_handler(delay: float) -> type[BaseHTTPRequestHandler]:
    class CoverageHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path != "/v1/coverage":
                self.send_error(404, "unknown endpoint")
                return
            name = parse_qs(url.query).get("name", [""])[0]
            time.sleep(delay)
            body = json.dumps(coverage_for(name)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return CoverageHandler


def options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # The lab's CLINIC_INSURER_URL points here by default (the course's port plan).
    parser.add_argument("--port", type=int, default=8011)
    parser.add_argument("--delay", type=float, default=3.0, help="seconds before each answer")
    return parser


def main() -> None:
    args = options().parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.delay))
    print(f"insurer sandbox on http://127.0.0.1:{args.port} (answers after {args.delay:g} s)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
