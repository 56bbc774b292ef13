"""Lab 02 · The night import double-books: the instructor-only checks (see instructor/__init__.py).

The learner-side checks cancel an appointment they have just booked, twice, and one id past 900
million that exists nowhere. Here a clinic of the grading run's own is booked: a few patients
and clinicians, a few appointments, some of them cancelled in random order; and the ids that
exist nowhere sit right next to the ones that do. The app is served in this process (in the
lab's own process when a class is graded), on a SQLite file of this module's.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import test_02_project_structure as learner_side

from harness import asgi
from harness.labs import Lab

API = learner_side.API


@pytest.fixture(scope="module")
def api(lab: Lab, scratch: Path) -> Iterator[asgi.InProcessClient]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLINIC_DATABASE_URL", f"sqlite+aiosqlite:///{scratch / 'room.db'}")
        client = asgi.InProcessClient(lab.asgi_app("app.main:app"), base_url="http://clinic.test")
        try:
            client.__enter__()
        except (asgi.StartupFailed, asgi.StartupHung) as exc:
            pytest.fail(f"the API would not start: {exc}", pytrace=False)
        try:
            yield client
        finally:
            client.__exit__(None, None, None)


def booked_clinic(api: Any) -> list[dict[str, Any]]:
    """Two patients, two clinicians and three to five appointments of this run, none clashing."""
    random = secrets.SystemRandom()
    patients = [learner_side.register_patient(api) for _ in range(2)]
    clinicians = [learner_side.register_clinician(api) for _ in range(2)]
    day = learner_side.some_morning()
    booked = []
    for n in range(random.randint(3, 5)):
        window = learner_side.slot(day, 45 * n, 45 * n + random.choice((15, 20, 30)))
        answer = learner_side.book(api, random.choice(patients)["id"],
                                   random.choice(clinicians)["id"], window)
        booked.append(learner_side.created(answer, f"POST {API}/appointments for a free slot",
                                           "the booked appointment (201)"))
    return booked


def test_cancelling_answers_by_the_table_for_any_appointment(api: Any) -> None:
    random = secrets.SystemRandom()
    booked = booked_clinic(api)
    last = max(appointment["id"] for appointment in booked)
    for missing in (last + 1 + random.randrange(20), last + 10 ** random.randint(2, 6)):
        learner_side.expect_error(
            api.post(f"{API}/appointments/{missing}/cancel"), 404, "appointment_not_found",
            f"POST {API}/appointments/{missing}/cancel, for an appointment that does not exist "
            f"(the clinic's newest is {last})")

    cancelled = random.sample(booked, random.randint(1, len(booked) - 1))
    for appointment in cancelled:
        url = f"{API}/appointments/{appointment['id']}/cancel"
        answer = api.post(url)
        body = learner_side.json_of(answer)
        assert answer.status_code == 200 and isinstance(body, dict) \
                and body.get("id") == appointment["id"] and body.get("status") == "cancelled", (
            f"POST {url} for a booked appointment answered {learner_side.shown(answer)}; 200 "
            "with that appointment, cancelled, was expected")
    for appointment in booked:
        url = f"{API}/appointments/{appointment['id']}"
        read = learner_side.json_of(api.get(url))
        expected = "cancelled" if appointment in cancelled else "booked"
        assert isinstance(read, dict) and read.get("status") == expected, (
            f"after {len(cancelled)} of {len(booked)} appointments were cancelled, GET {url} "
            f"shows {read!r}; that appointment was expected to be {expected}")
    for appointment in random.sample(cancelled, len(cancelled)):
        url = f"{API}/appointments/{appointment['id']}/cancel"
        learner_side.expect_error(
            api.post(url), 409, "appointment_already_cancelled",
            f"POST {url}, for an appointment cancelled a moment before")
