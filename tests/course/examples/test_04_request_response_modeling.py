"""Runs every example of chapter 04 (lessons/04-request-response-modeling/examples)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "lessons" / "04-request-response-modeling" / "examples"
APPOINTMENT = {"patient_id": 1, "clinician_id": 2, "starts_at": "2027-03-01T09:00:00+01:00",
               "ends_at": "2027-03-01T09:30:00+01:00", "room": " b12 "}
# The variables by which inline-snapshot takes a run for a CI run (and turns itself off).
CI_VARIABLES = ("CI", "bamboo.buildKey", "BUILD_ID", "BUILD_NUMBER", "BUILDKITE", "CIRCLECI",
                "CONTINUOUS_INTEGRATION", "GITHUB_ACTIONS", "HUDSON_URL", "JENKINS_URL",
                "TEAMCITY_VERSION", "TRAVIS", "INLINE_SNAPSHOT_DEFAULT_FLAGS")


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_04_{name}", EXAMPLES / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_three_schemas_share_a_base_and_nothing_else() -> None:
    example = load_example("schemas")
    assert example.fields(example.PatientCreate) == [
        "date_of_birth", "email", "full_name", "password"]
    assert example.fields(example.PatientResponse) == [
        "date_of_birth", "email", "full_name", "id"]
    assert "internal_notes" in example.fields(example.PatientChart)
    update = example.PatientUpdate.model_validate({"phone": None})
    assert update.model_dump(exclude_unset=True) == {"phone": None}
    with pytest.raises(ValidationError, match="full_name"):
        example.PatientUpdate.model_validate({"full_name": None})


def test_a_field_added_to_the_base_reaches_every_response() -> None:
    example = load_example("schemas")
    assert "internal_notes" in example.fields(example.TidyResponse)
    assert "internal_notes" in example.TidyResponse.model_json_schema()["properties"]
    assert "internal_notes" not in example.PatientResponse.model_json_schema()["properties"]


def test_an_entity_without_a_response_model_leaks_every_column() -> None:
    example = load_example("leak")
    with TestClient(example.app) as client:
        leaky = client.get("/leaky/patients/1").json()
        answered = client.get("/patients/1").json()
        portal = client.get("/portal/patients/1").json()
    assert {"password_hash", "internal_notes"} <= set(leaky)
    assert answered == {"id": 1, "full_name": "Ada Byrne", "email": "ada@example.org"}
    assert portal == answered  # the return annotation filters a wider model too


def test_a_dto_without_from_attributes_cannot_read_an_entity() -> None:
    example = load_example("leak")
    with TestClient(example.app, raise_server_exceptions=False) as client:
        assert client.get("/plain/patients/1").status_code == 500
    with TestClient(example.app) as client, pytest.raises(ValidationError) as caught:
        client.get("/plain/patients/1")
    assert caught.value.errors()[0]["type"] == "model_type"


def test_an_entity_serialized_after_the_route_cannot_load_what_it_lacks() -> None:
    from fastapi.exceptions import ResponseValidationError

    example = load_example("orm_boundary")
    with TestClient(example.app) as client:
        assert client.get("/patients/1").json() == {
            "id": 1, "full_name": "Ada Byrne",
            "appointments": [{"id": 7, "starts_at": "2027-03-01T09:00:00"}]}
        with pytest.raises(ResponseValidationError, match="lazy='raise'"):
            client.get("/entity/patients/1")


def test_patch_overwrites_what_it_was_not_sent() -> None:
    example = load_example("patch")
    with TestClient(example.app) as client:
        changed = client.patch("/overwrite/patients/1", json={"full_name": "Ada Osei"})
        assert changed.status_code == 200
        stored = client.get("/patients/1").json()
    assert stored == {"id": 1, "full_name": "Ada Osei", "phone": None,
                      "emergency_contact": None}


def test_patch_applies_only_the_fields_sent() -> None:
    example = load_example("patch")
    with TestClient(example.app) as client:
        client.patch("/unset/patients/1", json={"full_name": "Ada Osei"})
        stored = client.get("/patients/1").json()
        example.statements.clear()
        assert client.patch("/patients/1", json={"phone": None}).json()["phone"] is None
    assert stored == {"id": 1, "full_name": "Ada Osei", "phone": "+44 20 7946 0001",
                      "emergency_contact": "Kofi Byrne"}
    updates = [sql for sql in example.statements if sql.startswith("UPDATE")]
    assert updates == ["UPDATE patients SET phone=? WHERE patients.id = ?"]


def test_an_explicit_null_for_a_required_column() -> None:
    example = load_example("patch")
    with TestClient(example.app, raise_server_exceptions=False) as client:
        assert client.patch("/unset/patients/1", json={"full_name": None}).status_code == 500
        refused = client.patch("/patients/1", json={"full_name": None})
        typo = client.patch("/patients/1", json={"ful_name": "Ada Osei"})
        assert client.get("/patients/1").json()["full_name"] == "Ada Byrne"
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "full_name"]
    assert (typo.status_code, typo.json()["detail"][0]["type"]) == (422, "extra_forbidden")
    with TestClient(example.app) as client, pytest.raises(IntegrityError, match="NOT NULL"):
        client.patch("/unset/patients/1", json={"full_name": None})


def test_missing_keeps_null_out_of_the_contract_a_validator_does_not() -> None:
    example = load_example("patch")
    assert example.PatientPatch.model_json_schema()["properties"]["full_name"]["type"] == "string"
    checked = example.PatientPatchChecked.model_json_schema()["properties"]["full_name"]
    assert {"type": "null"} in checked["anyOf"]
    with pytest.raises(ValidationError, match="may be left out, but not null"):
        example.PatientPatchChecked.model_validate({"full_name": None})


def test_field_validators_name_their_field() -> None:
    example = load_example("validators")
    client = TestClient(example.app)
    booked = client.post("/appointments", json=APPOINTMENT)
    assert (booked.status_code, booked.json()["room"]) == (201, "B12")
    naive = client.post("/appointments", json={**APPOINTMENT, "starts_at": "2027-03-01T09:00:00"})
    assert naive.status_code == 422
    error = naive.json()["detail"][0]
    assert error["loc"] == ["body", "starts_at"] and "offset" in error["msg"]
    lobby = client.post("/appointments", json={**APPOINTMENT, "room": "lobby"})
    assert lobby.json()["detail"][0]["loc"] == ["body", "room"]


@pytest.mark.parametrize(("ends_at", "message"), [
    ("2027-03-01T08:00:00+01:00", "ends_at must be after starts_at"),
    ("2027-03-01T19:00:00+01:00", "two hours at most")])
def test_a_model_validator_checks_fields_together(ends_at: str, message: str) -> None:
    example = load_example("validators")
    answer = TestClient(example.app).post("/appointments", json={**APPOINTMENT, "ends_at": ends_at})
    assert answer.status_code == 422
    error = answer.json()["detail"][0]
    assert error["loc"] == ["body"] and message in error["msg"]


def test_comparing_a_naive_and_an_aware_time_is_no_validation_error() -> None:
    example = load_example("validators")
    with pytest.raises(TypeError, match="offset-naive and offset-aware"):
        example.Slot(starts_at="2027-03-01T09:00:00", ends_at="2027-03-01T10:00:00+01:00")
    with pytest.raises(ValidationError, match="after starts_at"):
        example.Slot(starts_at="2027-03-01T09:00:00", ends_at="2027-03-01T08:00:00")


def test_defaults_answer_200_explicit_codes_201_with_location_and_204() -> None:
    example = load_example("status_codes")
    clinician = {"full_name": "Dr Ama Osei", "specialty": "general practice"}
    client = TestClient(example.app)
    created = client.post("/defaults/clinicians", json=clinician)
    assert (created.status_code, created.headers.get("location")) == (200, None)
    deleted = client.delete("/defaults/clinicians/1")
    assert (deleted.status_code, deleted.content) == (200, b"null")
    created = client.post("/clinicians", json=clinician)
    assert created.status_code == 201
    location = created.headers["location"]
    assert location == f"http://testserver/clinicians/{created.json()['id']}"
    assert client.get(location).json() == created.json()
    deleted = client.delete(location)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert client.delete(location).status_code == 404
    paths = example.app.openapi()["paths"]
    assert "201" in paths["/clinicians"]["post"]["responses"]
    assert "204" in paths["/clinicians/{clinician_id}"]["delete"]["responses"]


def test_a_204_with_a_response_model_is_refused_when_declared() -> None:
    example = load_example("status_codes")

    def delete_answering() -> dict:
        return {"deleted": True}

    with pytest.raises(AssertionError, match="must not have a response body"):
        example.app.delete("/answering/clinicians/{clinician_id}",
                           status_code=204)(delete_answering)


def test_a_refused_booking_is_409_or_400_never_a_hand_raised_422() -> None:
    example = load_example("business_errors")
    client = TestClient(example.app)
    taken = {"clinician_id": 2, "starts_at": "2027-03-01T09:00:00"}
    on_leave = {"clinician_id": 3, "starts_at": "2027-03-01T09:00:00"}
    wrong_shape = {"clinician_id": "two", "starts_at": "soon"}
    hand_raised = client.post("/hand-raised/appointments", json=taken)
    assert (hand_raised.status_code, hand_raised.json()) == (422, {"detail": "09:00 is taken"})
    with pytest.raises(TypeError):
        example.field_errors(hand_raised.json())  # the form cannot show it
    conflict = client.post("/appointments", json=taken)
    assert (conflict.status_code, conflict.json()["error"]) == (409, "slot_taken")
    refused = client.post("/appointments", json=on_leave)
    assert (refused.status_code, refused.json()["error"]) == (400, "clinician_on_leave")
    shape = client.post("/appointments", json=wrong_shape)
    assert shape.status_code == 422
    assert set(example.field_errors(shape.json())) == {"clinician_id", "starts_at"}


def test_lax_types_coerce_strict_types_and_constraints_refuse() -> None:
    example = load_example("strict_types")
    client = TestClient(example.app)
    sloppy = {"clinician_id": "7", "urgent": "yes", "minutes": 30.0}
    assert client.post("/lax/bookings", json=sloppy).json() == {
        "clinician_id": 7, "urgent": True, "minutes": 30}
    when = {"starts_at": "2027-03-01T09:00:00+01:00"}
    refused = client.post("/bookings", json={**sloppy, **when})
    assert [e["loc"][1] for e in refused.json()["detail"]] == ["clinician_id", "urgent", "minutes"]
    wrong = client.post("/bookings", json={"clinician_id": 7, "minutes": 33, "kind": "phone",
                                           "note": "x", **when})
    assert [e["type"] for e in wrong.json()["detail"]] == [
        "multiple_of", "literal_error", "extra_forbidden"]
    assert client.post("/bookings", json={"clinician_id": 7, **when}).status_code == 200
    all_strict = client.post("/all-strict/bookings", json={"clinician_id": 7, **when})
    assert all_strict.json()["detail"][0]["type"] == "datetime_type"
    minutes = example.app.openapi()["components"]["schemas"]["Booking"]["properties"]["minutes"]
    assert (minutes["minimum"], minutes["maximum"], minutes["multipleOf"]) == (10, 120, 5)


def test_v1_keeps_the_deprecated_field_and_says_so() -> None:
    example = load_example("versioning")
    client = TestClient(example.app)
    assert client.get("/api/v1/patients/1").json() == {
        "id": 1, "given_name": "Ada", "family_name": "Byrne", "full_name": "Ada Byrne"}
    assert "full_name" not in client.get("/api/v2/patients/1").json()
    schemas = example.app.openapi()["components"]["schemas"]
    assert schemas["PatientV1"]["properties"]["full_name"]["deprecated"] is True
    assert "full_name" in schemas["PatientV1"]["required"]
    assert "full_name" not in schemas["PatientV2"]["properties"]
    v1 = client.get("/api/v1/patients/1").json()
    with pytest.warns(DeprecationWarning):
        assert example.PatientV1(**v1).full_name == "Ada Byrne"  # code reading it is told


def test_the_contract_snapshot_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLES))  # it imports the app as `versioning`
    monkeypatch.delitem(sys.modules, "versioning", raising=False)
    example = load_example("test_contract")
    example.test_the_patient_contract_holds()
    contract = example.patient_contract(example.app.openapi())
    assert contract["schemas"]["PatientV1"]["properties"]["full_name"]["deprecated"] is True


def test_the_snapshot_test_catches_drift_and_rewrites_nothing(tmp_path: Path) -> None:
    """1. a snapshot test whose contract drifted 2. run as CI runs it (CI=true), and as a
    developer does (the course's inline-snapshot settings) 3. both runs fail 4. neither
    rewrote the test."""
    settings = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["inline-snapshot"]
    (tmp_path / "pyproject.toml").write_text(
        "[tool.inline-snapshot]\n" + "".join(
            f"{key} = {value!r}\n".replace("'", '"') for key, value in settings.items()
            if key != "format-command"))
    test = tmp_path / "test_drift.py"
    test.write_text(textwrap.dedent("""\
        from inline_snapshot import snapshot


        def test_contract():
            assert {"full_name": "string", "password_hash": "string"} == snapshot(
                {"full_name": "string"}
            )
        """))
    before = test.read_text()
    clean = {name: value for name, value in os.environ.items() if name not in CI_VARIABLES}
    for env in ({**clean, "CI": "true"}, clean):
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             "--disable-plugin-autoload", "-p", "inline_snapshot", test.name],
            cwd=tmp_path, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
            timeout=120, check=False)
        assert "inline-snapshot" in run.stdout, run.stdout[-1500:]
        assert run.returncode == 1, run.stdout[-1500:]
        assert test.read_text() == before, f"the test was rewritten (CI={env.get('CI')})"
