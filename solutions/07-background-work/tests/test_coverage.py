"""A patient's coverage, as the insurer states it and the catalogue describes the plan."""

from fastapi.testclient import TestClient

COVERAGE = "/api/v1/patients/me/coverage"


def plan(insurer, code: str) -> dict:
    return next(item for item in insurer.plans if item["code"] == code)


def test_an_active_member_sees_their_plan(client: TestClient, insurer, sign_up) -> None:
    insurer.members["NHI-7001"] = ("PLUS", True)
    patient = sign_up(insurance_member_id="NHI-7001")
    answer = client.get(COVERAGE, headers=patient.headers)
    assert answer.status_code == 200
    assert answer.json() == {"member_id": "NHI-7001", "active": True,
                             "plan": plan(insurer, "PLUS")}


def test_a_lapsed_member_is_not_covered(client: TestClient, insurer, sign_up) -> None:
    insurer.members["NHI-7002"] = ("FAMILY", False)
    patient = sign_up(insurance_member_id="NHI-7002")
    answer = client.get(COVERAGE, headers=patient.headers)
    assert answer.json() == {"member_id": "NHI-7002", "active": False,
                             "plan": plan(insurer, "FAMILY")}


def test_the_coverage_follows_the_insurer(client: TestClient, insurer, sign_up) -> None:
    insurer.members["NHI-7003"] = ("BASIC", True)
    patient = sign_up(insurance_member_id="NHI-7003")
    assert client.get(COVERAGE, headers=patient.headers).json()["active"] is True
    insurer.members["NHI-7003"] = ("PLUS", False)
    assert client.get(COVERAGE, headers=patient.headers).json() == {
        "member_id": "NHI-7003", "active": False, "plan": plan(insurer, "PLUS")}


def test_each_patient_sees_their_own_coverage(client: TestClient, insurer, sign_up) -> None:
    insurer.members.update({"NHI-7004": ("BASIC", True), "NHI-7005": ("PLUS", False)})
    first = sign_up(insurance_member_id="NHI-7004")
    second = sign_up(insurance_member_id="NHI-7005")
    assert client.get(COVERAGE, headers=first.headers).json()["member_id"] == "NHI-7004"
    assert client.get(COVERAGE, headers=second.headers).json()["member_id"] == "NHI-7005"


def test_a_member_id_can_be_added_changed_and_removed(client: TestClient, insurer,
                                                      sign_up) -> None:
    insurer.members["NHI-7006"] = ("BASIC", True)
    patient = sign_up()
    url = f"/api/v1/patients/{patient.id}"
    assert client.get(COVERAGE, headers=patient.headers).json()["error"]["code"] == "no_insurance"
    changed = client.patch(url, headers=patient.headers, json={"insurance_member_id": "NHI-7006"})
    assert changed.json()["insurance_member_id"] == "NHI-7006"
    assert client.get(COVERAGE, headers=patient.headers).json()["plan"]["code"] == "BASIC"
    removed = client.patch(url, headers=patient.headers, json={"insurance_member_id": None})
    assert removed.json()["insurance_member_id"] is None
    answer = client.get(COVERAGE, headers=patient.headers)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "no_insurance"


def test_a_member_the_insurer_does_not_know(client: TestClient, sign_up) -> None:
    patient = sign_up(insurance_member_id="NHI-0000")
    answer = client.get(COVERAGE, headers=patient.headers)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "member_unknown"


def test_an_insurer_that_fails_is_a_502(client: TestClient, insurer, sign_up) -> None:
    insurer.members["NHI-7007"] = ("BASIC", True)
    patient = sign_up(insurance_member_id="NHI-7007")
    insurer.failing = True
    answer = client.get(COVERAGE, headers=patient.headers)
    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "insurer_failed"


def test_a_plan_the_catalogue_does_not_list_is_the_insurers_failure(
        client: TestClient, insurer, sign_up) -> None:
    insurer.members["NHI-7008"] = ("GONE", True)
    patient = sign_up(insurance_member_id="NHI-7008")
    answer = client.get(COVERAGE, headers=patient.headers)
    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "insurer_failed"


def test_coverage_needs_a_signed_in_patient(client: TestClient) -> None:
    answer = client.get(COVERAGE)
    assert answer.status_code == 401
