"""The plan catalogue: read from the insurer when the clinic starts, and the clinic does not
start without it."""

import pytest
from fastapi.testclient import TestClient

from app.main import app


def test_the_catalogue_lists_the_insurers_plans(client: TestClient, insurer) -> None:
    assert client.get("/api/v1/plans").json() == insurer.plans


def test_the_catalogue_is_read_once_at_startup(client: TestClient, insurer) -> None:
    listed = client.get("/api/v1/plans").json()
    insurer.plans = [{"code": "NEW", "name": "New plan", "copay_cents": 1}]
    assert client.get("/api/v1/plans").json() == listed


def test_the_plans_the_insurer_lists_are_the_ones_shown(insurer, settings) -> None:
    insurer.plans = [{"code": "ONLY", "name": "The only plan", "copay_cents": 4321}]
    from app.core.config import get_settings

    app.dependency_overrides[get_settings] = lambda: settings
    try:
        with TestClient(app) as client:
            assert client.get("/api/v1/plans").json() == insurer.plans
    finally:
        app.dependency_overrides.clear()


@pytest.mark.parametrize("outage", ["failing", "gone"])
def test_without_the_catalogue_the_clinic_does_not_start(insurer, settings, outage) -> None:
    from app.core.config import get_settings

    if outage == "failing":
        insurer.failing = True
    else:
        settings.insurer_url = "http://127.0.0.1:9"  # nothing listens there
    app.dependency_overrides[get_settings] = lambda: settings
    try:
        with pytest.raises(Exception, match="insurer"), TestClient(app):
            pass
    finally:
        app.dependency_overrides.clear()
