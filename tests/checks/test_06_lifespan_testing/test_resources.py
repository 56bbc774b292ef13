"""Requests share the service's clients: the insurer's connections are kept and used again."""

from __future__ import annotations

from .clinic import COVERAGE, Clinic, failed, shown
from .conftest import Started

REQUESTS = 12
# A pool may open a second connection (one the insurer closed, one raced for): never one per
# request.
AT_MOST = 2


def test_requests_share_the_insurer_client(clinic: Clinic, started: Started) -> None:
    insurer = started.insurer
    patient = clinic.register(insurance_member_id=insurer.member(insurer.plans[0]))
    before, asked = insurer.opened, insurer.coverage_reads
    for _ in range(REQUESTS):
        answer = clinic.call("GET", COVERAGE, token=patient.token)
    if insurer.coverage_reads - asked < REQUESTS:
        failed(f"{REQUESTS} coverage requests asked the insurer {insurer.coverage_reads - asked} "
               f"times (the last answered {shown(answer)}); each states the coverage as the "
               "insurer has it now")
    opened = insurer.opened - before
    if opened > AT_MOST:
        failed(f"{REQUESTS} coverage requests, one after another, opened {opened} connections to "
               f"the insurer: a new connection (a TCP and, in production, a TLS handshake) for "
               f"every request, where the connections of one were to be kept for the next")
