"""A stand-in for the clinic's notification service, for trying the lab by hand.

    python notifier_sandbox.py            # listens on http://127.0.0.1:8061
    python notifier_sandbox.py --fail     # answers 503 to every message, as during an outage

POST /v1/messages with {"to": ..., "subject": ..., "text": ...} prints the message and answers
202, the way the real service queues it for delivery.
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_handler(failing: bool) -> type[BaseHTTPRequestHandler]:
    class MessageHandler(BaseHTTPRequestHandler):
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
            status = 503 if failing else 202
            print(f"{status} to {message.get('to')!r}: {message.get('subject')!r}", flush=True)
            body = json.dumps({"queued": not failing}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return MessageHandler


def options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # The lab's .env.example points CLINIC_NOTIFIER_URL here (the course's port plan).
    parser.add_argument("--port", type=int, default=8061)
    parser.add_argument("--fail", action="store_true", help="answer 503 to every message")
    return parser


def main() -> None:
    args = options().parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.fail))
    state = "failing every message" if args.fail else "accepting messages"
    print(f"notifier sandbox on http://127.0.0.1:{args.port} ({state})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
