"""The legacy insurer API: one coverage lookup per patient, answered in seconds, not milliseconds."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode

from app.models import Patient


class InsurerUnavailable(Exception):
    """The insurer did not answer, or answered something we cannot read."""


@dataclass(frozen=True)
class Coverage:
    plan: str
    active: bool


def fetch_coverage(base_url: str, timeout: float, patient: Patient) -> Coverage:
    query = urlencode({"name": patient.full_name,
                       "date_of_birth": patient.date_of_birth.isoformat()})
    try:
        with urllib.request.urlopen(f"{base_url}/v1/coverage?{query}", timeout=timeout) as answer:
            payload = json.load(answer)
        return Coverage(plan=str(payload["plan"]), active=bool(payload["active"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InsurerUnavailable(f"coverage lookup failed: {exc}") from exc
