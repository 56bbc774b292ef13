"""The day's reminders: asked for by an admin, one to each patient booked that day."""

from fastapi.testclient import TestClient

REMINDERS = "/api/v1/admin/reminders"


def test_every_patient_booked_that_day_gets_one_reminder(client: TestClient, notifier, sign_up,
                                                         book, admin_headers,
                                                         start_worker) -> None:
    twice, once, cancelled, other_day = sign_up(), sign_up(), sign_up(), sign_up()
    before = len(notifier.delivered)
    book(twice, "2031-05-05T09:00")
    book(twice, "2031-05-05T15:00")
    book(once, "2031-05-05T11:00")
    dropped = book(cancelled, "2031-05-05T12:00")
    assert client.post(f"/api/v1/appointments/{dropped['id']}/cancel",
                       headers=cancelled.headers).status_code == 200
    book(other_day, "2031-05-06T09:00")
    assert notifier.wait_for(before + 5)  # the five bookings' confirmations
    confirmations = len(notifier.delivered)

    answer = client.post(REMINDERS, headers=admin_headers, json={"day": "2031-05-05"})
    assert answer.status_code == 202
    assert answer.json()["queued"] == 2
    start_worker()
    assert notifier.wait_for(confirmations + 2, timeout=20)
    reminders = notifier.delivered[confirmations:]
    assert sorted(message["to"] for message in reminders) == sorted([twice.email, once.email])
    sent = {message["to"]: message["text"] for message in reminders}
    assert "2031-05-05T09:00:00" in sent[twice.email] and "2031-05-05T15:00:00" in sent[twice.email]
    assert "2031-05-05T11:00:00" in sent[once.email]


def test_a_day_without_appointments_queues_nothing(client: TestClient, admin_headers) -> None:
    answer = client.post(REMINDERS, headers=admin_headers, json={"day": "2031-05-07"})
    assert answer.status_code == 202
    assert answer.json() == {"queued": 0, "jobs": []}


def test_only_admins_send_reminders_and_read_the_jobs(client: TestClient, sign_up) -> None:
    patient = sign_up()
    for method, url, body in [("POST", REMINDERS, {"day": "2031-05-05"}),
                              ("GET", "/api/v1/admin/jobs", None),
                              ("GET", "/api/v1/admin/jobs/1", None)]:
        assert client.request(method, url, json=body).status_code == 401
        refused = client.request(method, url, json=body, headers=patient.headers)
        assert refused.status_code == 403


def test_a_job_that_does_not_exist_is_not_found(client: TestClient, admin_headers) -> None:
    answer = client.get("/api/v1/admin/jobs/4242", headers=admin_headers)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "job_not_found"


def test_a_reminder_day_must_be_a_date(client: TestClient, admin_headers) -> None:
    for day in ["tomorrow", 20310505, None]:
        answer = client.post(REMINDERS, headers=admin_headers, json={"day": day})
        assert answer.status_code == 422
