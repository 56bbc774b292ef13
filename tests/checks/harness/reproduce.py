"""Steps to reproduce: the command a failing check's message ends with, as a ticket's would, so
the learner sees the symptom for themselves against their own running lab (started as the
brief says, on the lab's port of the course's plan, course/engine/ports.py).

    assert answer.status_code == 200, (
        f"GET /api/clinicians answered {answer.status_code}; the clinicians were expected"
        + reproduce.request(lab, "GET", "/api/clinicians"))

ends the message with the line

    reproduce: curl -i 127.0.0.1:8010/api/clinicians

and `note` says what to do first or to look at, before the colon: `reproduce (after booking
one appointment as the brief does): curl -i ...`; after the colon is always the command, to
copy as it is. Only where one request (or one command) shows the symptom: never where it takes
concurrency, a held upstream or a broken database (there `recipe` points at the brief, or
nothing does). The line works as written in bash, zsh and PowerShell: single quotes only, no
comments, no line continuations, a JSON body piped in; on Windows it says `curl.exe`, as
Windows PowerShell's `curl` is another command.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from course.engine import ports
from harness.labs import Lab

# What neither shell reads specially (PowerShell splats `@x` and makes `a,b` a list).
PLAIN = re.compile(r"[A-Za-z0-9._~:/%=+-]+")


def lab_url(lab: Lab, scheme: str = "http") -> str:
    """Where the learner's lab runs: `http://127.0.0.1:8010` for lab 01."""
    return ports.lab_url(int(lab.lab_id), scheme)


def uvicorn(lab: Lab) -> str:
    """How the brief starts the lab, from its folder: `uvicorn app.main:app --port 8010`."""
    return f"uvicorn app.main:app --port {ports.lab_port(int(lab.lab_id))}"


def quoted(text: str) -> str:
    if PLAIN.fullmatch(text):
        return text
    inner = text.replace("'", "''") if sys.platform == "win32" else text.replace("'", "'\"'\"'")
    return f"'{inner}'"


def curl(lab: Lab, method: str, path: str, headers: dict[str, str] | None = None,
         body: Any = None) -> str:
    """`curl -i 127.0.0.1:8010/api/...`: the request, at the lab's port; `body` is JSON."""
    address = f"{ports.HOST}:{ports.lab_port(int(lab.lab_id))}{path}"
    words = ["curl.exe" if sys.platform == "win32" else "curl", "-i"]
    if method != ("POST" if body is not None else "GET"):
        words += ["-X", method]
    words.append(quoted(address))
    for name, value in (headers or {}).items():
        words += ["-H", quoted(f"{name}: {value}")]
    if body is None:
        return " ".join(words)
    words += ["-H", quoted("content-type: application/json"), "-d", quoted("@-")]
    document = json.dumps(body, separators=(", ", ": "))
    return f"echo {quoted(document)} | " + " ".join(words)


def request(lab: Lab, method: str, path: str, *, headers: dict[str, str] | None = None,
            body: Any = None, note: str = "") -> str:
    """The line that ends a message: one request that shows the symptom. `note`: what to do
    first or to look at ("after booking one appointment as the brief does")."""
    return command(curl(lab, method, path, headers, body), note)


def command(text: str, note: str = "") -> str:
    """The line that ends a message, for any command (a WebSocket client, the lab's own job).
    Everything after the colon is the command, to copy as it is."""
    return f"\nreproduce ({note}): {text}" if note else f"\nreproduce: {text}"


def recipe(where: str) -> str:
    """For a symptom no single request shows: where the brief's own recipe for it is."""
    return f"\nreproduce: {where}"
