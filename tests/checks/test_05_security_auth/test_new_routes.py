"""Routes say who may call them, in their signature, and the rule holds for routes a teammate
adds (teammate.py): under a new prefix, under the prefixes of today's public routes, at the top.
Today's public routes need no token either. A real uvicorn serves the clinic with the
teammate's routes (conftest.py), as a client meets it."""

from __future__ import annotations

from typing import Any

from .clinic import API, Clinic, failed, json_of, shown


def test_new_routes_keep_the_rule_they_declare(served_clinic: Clinic, started: Any) -> None:
    clinic = served_clinic
    public = clinic.call("GET", f"{API}/clinicians/{clinic.admin.id}")
    if public.status_code != 200:
        failed(f"GET {API}/clinicians/{clinic.admin.id} without a token answered {shown(public)}; "
               "a clinician's profile is public (200)"
               + clinic.reproduce("GET", f"{API}/clinicians/1", note="after the brief's first "
                                  "steps"))
    patient = clinic.register()
    clinician = clinic.add_staff()
    word, prefixes = started.new_routes_word, started.new_routes
    callers = {"no token": "", "a patient's token": patient.token,
               "a clinician's token": clinician.token, "the admin's token": clinic.admin.token}
    # route: what each caller gets (status, and the id it answers when 200)
    rules: dict[str, dict[str, tuple[int, int | None]]] = {
        "open (public)": {who: (200, None) for who in callers},
        "mine (CurrentPatient)": {"no token": (401, None), "a patient's token": (200, patient.id),
                                  "a clinician's token": (403, None)},
        "desk (CurrentStaff)": {"no token": (401, None), "a patient's token": (403, None),
                                "a clinician's token": (200, clinician.id)},
        "office (AdminStaff)": {"no token": (401, None), "a patient's token": (403, None),
                                "a clinician's token": (403, None),
                                "the admin's token": (200, clinic.admin.id)},
    }
    for prefix in prefixes:
        for route, expected in rules.items():
            url = f"{prefix}/{route.split()[0]}"
            for who, (status, answered_id) in expected.items():
                token = callers[who]
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                answer: Any = clinic.call("GET", url, headers=headers)
                body = json_of(answer)
                right = answer.status_code == status and (
                    status != 200 or (body == {"word": word} if answered_id is None
                                      else isinstance(body, dict)
                                      and body.get("id") == answered_id))
                if not right:
                    failed(f"a teammate's new route GET {url}, whose signature says "
                           f"{route.split(maxsplit=1)[1]}, answered {shown(answer)} to "
                           f"{who}; {status} was expected: the rule a route declares was "
                           "to hold for every new route, on any path")
