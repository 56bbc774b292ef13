"""A call to the partner laboratory has a deadline, and ends when the patient who asked for it
goes: a partner that never answers gets a 504 in the envelope within the configured timeout,
and a patient who gives up closes the clinic's call to the partner."""

from __future__ import annotations

import socket
import time

import httpx2
from test_04_request_response_modeling.clinic import error_of

from harness.labs import Lab

from .clinic import LAB_RESULTS, Clinic, failed, json_of, served, shown
from .conftest import Started

TIMEOUT = 1.0  # CLINIC_LAB_RESULTS_TIMEOUT for the deadline check
MARGIN = 9.0  # a busy machine's worth on top: far less than a call that never ends
LONG = "60"  # CLINIC_LAB_RESULTS_TIMEOUT for the check that the patient's going ends the call
CLOSED_WITHIN = 5.0  # seconds from the patient's hanging up to the partner's connection closing


def test_a_silent_partner_answers_504_in_time(lab: Lab, clinic: Clinic, started: Started) -> None:
    partner = started.partner
    member, results = partner.member()
    patient = clinic.register(insurance_member_id=member)
    with served(lab, started.settings, clinic,
                CLINIC_LAB_RESULTS_TIMEOUT=str(TIMEOUT)) as server:
        answered = clinic.call("GET", LAB_RESULTS, token=patient.token)
        if answered.status_code != 200 or json_of(answered) != {"results": results}:
            failed(f"GET {LAB_RESULTS} for {patient}, whose results the laboratory holds, "
                   f"answered {shown(answered)}; {{'results': {results}}} was expected")
        partner.silent = True
        try:
            started_at = time.monotonic()
            try:
                answer = httpx2.get(f"{server.base_url}{LAB_RESULTS}", timeout=TIMEOUT + MARGIN,
                                    headers={"Authorization": f"Bearer {patient.token}"})
            except httpx2.TimeoutException:
                failed(f"with the laboratory not answering and CLINIC_LAB_RESULTS_TIMEOUT="
                       f"{TIMEOUT:.0f}, GET {LAB_RESULTS} had not answered {TIMEOUT + MARGIN:.0f} s "
                       "later: the patient waits as long as the partner does")
            took = time.monotonic() - started_at
        finally:
            partner.silent = False
    if answer.status_code != 504 or error_of(answer).get("code") != "lab_results_timeout":
        failed(f"with the laboratory not answering and CLINIC_LAB_RESULTS_TIMEOUT={TIMEOUT:.0f}, "
               f"GET {LAB_RESULTS} answered {shown(answer)} after {took:.1f} s; 504 with the "
               "error code lab_results_timeout was expected")


def test_a_patient_who_gives_up_stops_the_partner_call(lab: Lab, clinic: Clinic,
                                                       started: Started) -> None:
    partner = started.partner
    member, _ = partner.member()
    patient = clinic.register(insurance_member_id=member)
    with served(lab, started.settings, clinic, CLINIC_LAB_RESULTS_TIMEOUT=LONG) as server:
        partner.silent = True
        try:
            asked, hung_up = partner.asked, partner.hung_up
            request = (f"GET {LAB_RESULTS} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                       f"Authorization: Bearer {patient.token}\r\n\r\n").encode()
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as patient_end:
                patient_end.sendall(request)
                if not partner.wait_until(lambda: partner.asked > asked, 10):
                    failed(f"GET {LAB_RESULTS} for {patient} never asked the laboratory")
            # The patient has closed their connection: the clinic's call is nobody's now.
            if not partner.wait_until(lambda: partner.hung_up > hung_up, CLOSED_WITHIN):
                failed(f"a patient asked for their lab results and closed the connection while "
                       f"the laboratory was still silent; {CLOSED_WITHIN:.0f} s later the clinic "
                       f"still held its call to the laboratory open (CLINIC_LAB_RESULTS_TIMEOUT="
                       f"{LONG}): work goes on for a caller who has gone")
        finally:
            partner.silent = False
