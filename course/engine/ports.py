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

HOST = "127.0.0.1"
SITE_PORT = 8800
EXAMPLES_PORT = 8000
LAB_BLOCK = 10  # ports per lab: its service, then its stand-ins


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
