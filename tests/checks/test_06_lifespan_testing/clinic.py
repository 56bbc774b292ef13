"""The clinic as lab 06's checks drive it: chapter 05's driver (patients and staff of this run,
signed in through the lab's own sign-ins), with an insurer of this run beside the notifier."""

from __future__ import annotations

from pathlib import Path

from test_05_security_auth import clinic as chapter_05
from test_05_security_auth.clinic import (
    API,
    Clinic,
    Patient,
    Staff,
    failed,
    hexed,
    json_of,
    open_clinic,
    portal_origin,
    shown,
    start_create_admin,
)

from .insurer import Insurer

__all__ = ["API", "COVERAGE", "Clinic", "Insurer", "Notifier", "Patient", "Staff", "failed",
           "hexed", "json_of", "open_clinic", "portal_origin", "settings_for", "shown",
           "start_create_admin"]

COVERAGE = f"{API}/patients/me/coverage"


class Notifier(chapter_05.Notifier):
    """Chapter 05's notifier, keeping its connections open between messages as a real service
    does: a client the clinic leaves open then holds a connection the shutdown check sees."""

    def __init__(self) -> None:
        super().__init__()
        self.server.RequestHandlerClass.protocol_version = "HTTP/1.1"


def settings_for(db: Path, notifier_url: str, insurer_url: str,
                 portal: str | None = None) -> dict[str, str]:
    return {**chapter_05.settings_for(db, notifier_url, portal or portal_origin()),
            "CLINIC_INSURER_URL": insurer_url, "CLINIC_INSURER_TIMEOUT": "5"}
