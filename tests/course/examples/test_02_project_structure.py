"""Runs every example of chapter 02 (lessons/02-project-structure/examples)."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "lessons" / "02-project-structure" / "examples"


def example_path(name: str) -> str:
    return str(EXAMPLES / f"{name}.py")


def load_example(name: str) -> ModuleType:
    path = example_path(name)
    spec = importlib.util.spec_from_file_location(f"example_02_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def slot(hour: int, minute: int, minutes: int) -> dict[str, str]:
    starts = datetime(2031, 5, 5, hour, minute)
    ends = starts.replace(hour=hour + (minute + minutes) // 60, minute=(minute + minutes) % 60)
    return {"clinician_id": 7, "starts_at": starts.isoformat(), "ends_at": ends.isoformat()}


def test_fat_handler_guards_only_the_http_door() -> None:
    example = load_example("fat_handler")
    with TestClient(example.app) as client:
        assert client.post("/appointments", json=slot(9, 0, 30)).status_code == 201
        assert client.post("/appointments", json=slot(9, 15, 30)).status_code == 409
    example.import_bookings([example.Booking(**slot(9, 15, 30))])
    assert len(example.calendar) == 2  # the import walked around the rule


def test_thin_route_and_job_share_the_rule() -> None:
    example = load_example("thin_route")
    with TestClient(example.app) as client:
        assert client.post("/appointments", json=slot(9, 0, 30)).status_code == 201
        assert client.post("/appointments", json=slot(9, 15, 30)).status_code == 409
    rows = [example.Slot(7, datetime(2031, 5, 5, 9, 10), datetime(2031, 5, 5, 9, 20)),
            example.Slot(7, datetime(2031, 5, 5, 10, 0), datetime(2031, 5, 5, 10, 30))]
    report = example.import_bookings(rows)
    assert report[0].startswith("row 1: skipped: Clinician 7")
    assert report[1] == "row 2: booked"


def test_pure_service_books_and_refuses() -> None:
    example = load_example("pure_service")
    assert asyncio.run(example.main()) == [
        "row 1: booked", "row 2: skipped: Clinician 7 already has an appointment then."]


def test_pure_service_runs_without_fastapi() -> None:
    done = subprocess.run(
        [sys.executable, example_path("no_fastapi"), example_path("pure_service")],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "row 1: booked"


def test_fat_handler_needs_fastapi() -> None:
    done = subprocess.run(
        [sys.executable, example_path("no_fastapi"), example_path("fat_handler")],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert "No module named 'fastapi'" in done.stderr


def test_routers_mount_under_api_v1() -> None:
    example = load_example("routers")
    spec = example.app.openapi()
    assert set(spec["paths"]) == {"/api/v1/patients/{patient_id}", "/api/v1/clinicians"}
    assert spec["paths"]["/api/v1/clinicians"]["get"]["tags"] == ["clinicians"]
    with TestClient(example.app) as client:
        assert client.get("/api/v1/patients/3").json() == {"id": 3}


def test_route_order_decides_who_gets_me() -> None:
    example = load_example("route_order")
    with TestClient(example.shadowed_app) as client:
        assert client.get("/patients/me", headers={"X-Patient-Id": "3"}).status_code == 422
    with TestClient(example.fixed_app) as client:
        assert client.get("/patients/me", headers={"X-Patient-Id": "3"}).json() == {
            "id": 3, "route": "me"}
        assert client.get("/patients/4").json() == {"id": 4, "route": "by id"}


def test_url_ownership_stays_two_levels_deep() -> None:
    example = load_example("url_ownership")
    assert [example.levels(route.path) for route in example.router.routes] == [2, 1, 2]
    assert example.levels(example.TOO_DEEP) == 3


def test_httpexception_in_service_leaks_into_plain_callers() -> None:
    example = load_example("httpexception_in_service")
    assert example.reminder_lines([1]) == ["Reminder for Ada Byrne"]
    with pytest.raises(HTTPException):
        example.reminder_lines([1, 42])


def test_domain_errors_serve_http_and_plain_callers() -> None:
    example = load_example("domain_errors")
    assert example.reminder_lines([1, 42]) == [
        "Reminder for Ada Byrne", "skipped: Patient 42 does not exist."]
    with TestClient(example.app) as client:
        response = client.get("/patients/42")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "patient_not_found", "message": "Patient 42 does not exist."}}


def test_error_layers_each_answer_in_the_envelope(caplog: pytest.LogCaptureFixture) -> None:
    example = load_example("error_layers")
    with TestClient(example.app, raise_server_exceptions=False) as client:
        missing_header = client.get("/patients/me")
        unknown = client.get("/patients/me", headers={"X-Patient-Id": "9"})
        known = client.get("/patients/me", headers={"X-Patient-Id": "1"})
        with caplog.at_level(logging.ERROR):
            crash = client.get("/reports/no-shows")
    assert (missing_header.status_code, missing_header.json()["error"]["code"]) == (
        401, "not_authenticated")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "patient_not_found")
    assert known.json() == {"id": 1, "full_name": "Ada Byrne"}
    assert (crash.status_code, crash.json()["error"]["code"]) == (500, "internal_error")
    assert "division" not in crash.text
    assert any(record.exc_info for record in caplog.records)


def test_str_error_answers_200_with_internals() -> None:
    example = load_example("str_error_antipattern")
    with TestClient(example.app) as client:
        response = client.post("/appointments/5/cancel")
    assert response.status_code == 200
    assert response.json() == {"error": "no such table: appointments"}


def test_global_handler_logs_and_answers_generic_500(caplog: pytest.LogCaptureFixture) -> None:
    example = load_example("global_handler")
    with TestClient(example.app, raise_server_exceptions=False) as client, \
            caplog.at_level(logging.ERROR):
        response = client.get("/reports/daily")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "/srv/clinic" not in response.text
    assert [record.exc_info[0] for record in caplog.records if record.exc_info] == [
        PermissionError]
    # Starlette answers with the handler's response, then re-raises for the server to log.
    with TestClient(example.app) as client, pytest.raises(PermissionError):
        client.get("/reports/daily")


def test_error_envelope_is_documented_and_served() -> None:
    example = load_example("error_envelope")
    spec = example.app.openapi()
    responses = spec["paths"]["/api/v1/patients/{patient_id}"]["get"]["responses"]
    for status in ("404", "422", "500"):
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    with TestClient(example.app) as client:
        response = client.get("/api/v1/patients/abc")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_import_rules_hold_for_the_lab_solution(tmp_path: Path) -> None:
    example = load_example("import_rules")
    assert example.violations(REPO / "solutions" / "02-project-structure" / "app") == []
    bad = tmp_path / "app"
    (bad / "services").mkdir(parents=True)
    (bad / "api").mkdir()
    (bad / "services" / "booking.py").write_text("from fastapi import HTTPException\n")
    (bad / "api" / "routes.py").write_text("from app.infra.models import Appointment\n")
    assert example.violations(bad) == [
        "app/api/routes.py: api imports app.infra.models",
        "app/services/booking.py: services imports fastapi",
    ]


def test_booking_race_double_books_unless_the_database_refuses(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """1. two desks check the same slot before either writes 2. with the rule only in the
    service both are booked 3. with a unique index the second write is refused as SlotTaken."""
    example = load_example("booking_race")
    assert asyncio.run(example.run(tmp_path / "service.db", guarded=False)) == [
        "booked", "booked"]
    assert asyncio.run(example.run(tmp_path / "database.db", guarded=True)) == [
        "booked", "refused: Clinician 7 was booked a moment ago."]

    asyncio.run(example.main())
    shown = capsys.readouterr().out.splitlines()
    assert shown[0].endswith("['booked', 'booked']")
    assert "refused" in shown[1]
