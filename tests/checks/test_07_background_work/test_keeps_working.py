"""What chapters 05 and 06 left working still works: their own checks of it, run on this lab."""

from __future__ import annotations

from pathlib import Path

from test_05_security_auth import test_keeps_working as chapter_05
from test_06_lifespan_testing import test_shutdown as chapter_06_shutdown
from test_06_lifespan_testing import test_startup as chapter_06

from harness.labs import Lab

from .clinic import Clinic
from .conftest import Started


def test_catalogue_and_coverage_keep_working(clinic: Clinic, started: Started) -> None:
    chapter_06.test_the_catalogue_is_read_at_startup(clinic, started)


def test_signing_in_and_the_patient_side_keep_working(clinic: Clinic) -> None:
    chapter_05.test_signing_in_and_the_patient_side_keep_working(clinic)


def test_shutdown_closes_what_startup_opened(lab: Lab, scratch: Path, started: Started,
                                            clinic: Clinic) -> None:
    chapter_06_shutdown.test_shutdown_closes_what_startup_opened(lab, scratch, started, clinic)
