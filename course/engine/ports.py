"""The port plan: the course site, every lab and every stand-in a lab brings run side by side on
one laptop, each on a port of its own, with exactly the commands the README and the briefs print.

    the course site (`course start`)         8800
    lab NN's service (`uvicorn ... --port`)  8000 + 10 × NN      lab 01: 8010, lab 14: 8140
    lab NN's stand-ins (lab.toml [ports])    the nine ports after its service: lab 01's
                                             insurer sandbox is on 8011
    the lessons' own examples                8000, uvicorn's and `fastapi dev`'s default

The briefs, the `read:` links, the site's status panel and the checks' "reproduce:" lines
take their ports from here (lab.toml names the stand-ins, validated against this plan). The
checks themselves never use these ports: each takes a free one, so a check run never collides
with what a learner is running.

Imported by the checks' harness too: standard library only.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

HOST = "127.0.0.1"
SITE_PORT = 8800
EXAMPLES_PORT = 8000
LAB_BLOCK = 10  # ports per lab: its service, then its stand-ins
FREE_PORTS_FROM = 20000  # above every planned port
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_chooser = random.SystemRandom()


def lab_port(chapter: int) -> int:
    """The port lab NN's own service listens on: 8010 for lab 01."""
    return EXAMPLES_PORT + LAB_BLOCK * chapter


def stand_in_ports(chapter: int) -> range:
    """The ports lab NN's stand-ins may take: 8011-8019 for lab 01."""
    return range(lab_port(chapter) + 1, lab_port(chapter) + LAB_BLOCK)


def lab_url(chapter: int, scheme: str = "http") -> str:
    return f"{scheme}://{HOST}:{lab_port(chapter)}"


def site_url(port: int = SITE_PORT) -> str:
    return f"http://{HOST}:{port}"


def free_port() -> int:
    """A port nothing listens on now, for a server a test or check is about to start.

    Not one the kernel hands out for `bind(0)`: those come from the ephemeral range, the same
    range outgoing connections take their source ports from, and between the choice and the
    server's own bind (after its app has started up) another connection may take it ("address
    already in use", seen about once a full suite). A random port below that range is only
    ever taken by another server choosing the same way.
    """
    below = _first_ephemeral_port()
    if below > FREE_PORTS_FROM + 1000:
        for _ in range(100):
            port = _chooser.randrange(FREE_PORTS_FROM, below)
            if _can_bind(port):
                return port
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _first_ephemeral_port() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default; elsewhere the fallback above still holds


def _can_bind(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True
