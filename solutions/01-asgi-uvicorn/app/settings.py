"""Configuration read from the environment once, on first use."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

BUNDLED_DIRECTORY = Path(__file__).parent / "data" / "clinicians.json"


@dataclass(frozen=True)
class Settings:
    directory_file: Path
    insurer_url: str
    insurer_timeout: float

    @classmethod
    def from_environment(cls) -> Settings:
        return cls(
            directory_file=Path(os.environ.get("CLINIC_DIRECTORY_FILE", BUNDLED_DIRECTORY)),
            insurer_url=os.environ.get("CLINIC_INSURER_URL", "http://127.0.0.1:8011").rstrip("/"),
            insurer_timeout=float(os.environ.get("CLINIC_INSURER_TIMEOUT", "10")),
        )


@lru_cache
def get_settings() -> Settings:
    return Settings.from_environment()
