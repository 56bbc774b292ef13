"""The lab's app under a real uvicorn, its shutdown held at the end: once the lab's lifespan has
finished shutting down, this writes what the process still holds open (files, and the remote
ports of its TCP connections) to HELD_REPORT, and passes the end of the shutdown on to uvicorn
only once HELD_RELEASE exists. Whatever the lab closes, it closes before that; what it leaves,
the exit would close for it, where nobody sees it."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from app.main import app as lab_app

LISTENING = "0A"  # the state column of /proc/net/tcp


def _sockets() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            columns = row.split()
            if len(columns) > 9:
                found[columns[9]] = {"remote_port": int(columns[2].rsplit(":", 1)[1], 16),
                                     "state": columns[3]}
    return found


def held_open() -> dict[str, list[Any]]:
    targets = []
    for entry in os.scandir("/proc/self/fd"):
        try:
            targets.append(os.readlink(entry.path))
        except OSError:
            continue
    sockets = _sockets()
    connections = [sockets[target[8:-1]] for target in targets
                   if target.startswith("socket:[") and target[8:-1] in sockets]
    return {"files": [target for target in targets if target.startswith("/")],
            "connections": [c for c in connections if c["state"] != LISTENING]}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "lifespan":
        await lab_app(scope, receive, send)
        return

    async def held(message: dict[str, Any]) -> None:
        if message["type"] == "lifespan.shutdown.complete":
            report = Path(os.environ["HELD_REPORT"])
            written = report.with_name(report.name + ".part")  # the check waits for the name:
            written.write_text(json.dumps(held_open()))  # it appears only once whole
            os.replace(written, report)
            release = Path(os.environ["HELD_RELEASE"])
            while not release.exists():
                await asyncio.sleep(0.01)
        await send(message)

    await lab_app(scope, receive, held)
