"""What chapter 05 left working still works: chapter 05's own checks of it, run on this lab."""

from __future__ import annotations

from test_05_security_auth import test_keeps_working as chapter_05
from test_05_security_auth import test_ownership, test_refusals

from .clinic import Clinic


def test_signing_in_and_the_patient_side_keep_working(clinic: Clinic) -> None:
    chapter_05.test_signing_in_and_the_patient_side_keep_working(clinic)


def test_staff_side_keeps_working(clinic: Clinic) -> None:
    chapter_05.test_staff_side_keeps_working(clinic)


def test_patients_reach_only_their_own_records(clinic: Clinic) -> None:
    test_ownership.test_patients_reach_only_their_own_records(clinic)


def test_every_refused_token_answers_the_same_401(clinic: Clinic) -> None:
    test_refusals.test_every_refused_token_answers_the_same_401(clinic)
