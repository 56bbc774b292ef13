"""The clinician directory: exported by HR as a JSON file, loaded once at startup."""

from __future__ import annotations

import json
from pathlib import Path

from app.models import Clinician


class ClinicianDirectory:
    def __init__(self, clinicians: list[Clinician]) -> None:
        self._by_id = {clinician.id: clinician for clinician in clinicians}

    @classmethod
    def from_file(cls, path: Path) -> ClinicianDirectory:
        entries = json.loads(path.read_text(encoding="utf-8"))
        return cls([Clinician.model_validate(entry) for entry in entries])

    def all(self) -> list[Clinician]:
        return sorted(self._by_id.values(), key=lambda clinician: clinician.id)

    def get(self, clinician_id: int) -> Clinician | None:
        return self._by_id.get(clinician_id)

    def __len__(self) -> int:
        return len(self._by_id)
