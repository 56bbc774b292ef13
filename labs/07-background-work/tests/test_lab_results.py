"""A patient's lab results, as the partner laboratory reports them for their member id."""

from fastapi.testclient import TestClient

LAB_RESULTS = "/api/v1/patients/me/lab-results"


def test_a_patient_sees_the_results_the_laboratory_holds(client: TestClient, laboratory,
                                                         sign_up) -> None:
    laboratory.results["NHI-8001"] = [
        {"test": "Ferritin", "value": 48.5, "unit": "ug/L", "taken_at": "2031-04-01T07:45:00Z"},
        {"test": "Blood group", "value": "O+", "unit": "", "taken_at": "2031-04-01T07:45:00Z"}]
    patient = sign_up(insurance_member_id="NHI-8001")
    answer = client.get(LAB_RESULTS, headers=patient.headers)
    assert answer.status_code == 200
    assert answer.json() == {"results": laboratory.results["NHI-8001"]}
    assert laboratory.asked == ["NHI-8001"]


def test_each_patient_sees_their_own_results(client: TestClient, laboratory, sign_up) -> None:
    laboratory.results.update({
        "NHI-8002": [{"test": "TSH", "value": 2.1, "unit": "mU/L",
                      "taken_at": "2031-02-02T08:00:00Z"}],
        "NHI-8003": []})
    first = sign_up(insurance_member_id="NHI-8002")
    second = sign_up(insurance_member_id="NHI-8003")
    assert client.get(LAB_RESULTS, headers=first.headers).json()["results"][0]["test"] == "TSH"
    assert client.get(LAB_RESULTS, headers=second.headers).json() == {"results": []}


def test_without_a_member_id_there_are_no_results_to_ask_for(client: TestClient, laboratory,
                                                             sign_up) -> None:
    patient = sign_up()
    answer = client.get(LAB_RESULTS, headers=patient.headers)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "no_insurance"
    assert laboratory.asked == []


def test_a_laboratory_that_fails_is_a_502(client: TestClient, laboratory, sign_up) -> None:
    patient = sign_up(insurance_member_id="NHI-1001")
    laboratory.failing = True
    answer = client.get(LAB_RESULTS, headers=patient.headers)
    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "lab_results_failed"


def test_lab_results_need_a_signed_in_patient(client: TestClient) -> None:
    assert client.get(LAB_RESULTS).status_code == 401
