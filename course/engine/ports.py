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

import contextlib
import getpass
import random
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

HOST = "127.0.0.1"
SITE_PORT = 8800
EXAMPLES_PORT = 8000
LAB_BLOCK = 10  # ports per lab: its service, then its stand-ins
FREE_PORTS_FROM = 20000  # above every planned port
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_chooser = random.SystemRandom()
# How long a port chosen by one process is not another's to choose: long enough for the server
# it is for to bind it, however slowly its app starts.
RESERVED_SECONDS = 120.0


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no name for this uid (a bare container)
        return "anyone"


RESERVED_FILE = Path(tempfile.gettempdir()) / f"course-ports-{_user()}.txt"


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
    ever taken by another server choosing the same way: so each port chosen is kept, for
    RESERVED_SECONDS, in a file every process of this user shares, and no other process
    chooses it meanwhile (with a dozen servers starting at once across three test workers, two
    of them drew one port about once a run of a lab's variants).
    """
    below = _first_ephemeral_port()
    if below > FREE_PORTS_FROM + 1000:
        with _reservations() as chosen:
            for _ in range(100):
                port = _chooser.randrange(FREE_PORTS_FROM, below)
                if port not in chosen and _can_bind(port):
                    chosen[port] = time.time()
                    return port
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def _reservations() -> Iterator[dict[int, float]]:
    """The ports chosen in the last RESERVED_SECONDS by any process of this user, by the time
    each was chosen, read from their shared file and written back when the block ends, under
    a lock. Where the file or the lock is not to be had, nothing is reserved."""
    try:
        import fcntl
    except ImportError:  # Windows: every process chooses alone, as before
        yield {}
        return
    try:
        file = RESERVED_FILE.open("a+", encoding="ascii")
    except OSError:
        yield {}
        return
    with file:
        fcntl.flock(file, fcntl.LOCK_EX)
        file.seek(0)
        now = time.time()
        chosen: dict[int, float] = {}
        for line in file:
            port, _, at = line.partition(" ")
            with contextlib.suppress(ValueError):
                if now - float(at) < RESERVED_SECONDS:
                    chosen[int(port)] = float(at)
        yield chosen
        file.seek(0)
        file.truncate()
        file.writelines(f"{port} {at}\n" for port, at in chosen.items())


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
