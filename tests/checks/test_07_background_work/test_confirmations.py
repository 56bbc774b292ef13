"""A booking's confirmation goes out after the answer, and is never lost without a word: a
confirmation that fails is logged with its traceback, and one in flight when the service is
stopped is still delivered."""

from __future__ import annotations

import signal
import time

from harness.labs import Lab

from .clinic import STOPPED, Clinic, failed, served, wait_for
from .conftest import Started

SENT_WITHIN = 10  # seconds from the booking's answer to its confirmation reaching the notifier
LOGGED_WITHIN = 5
# The brief: a confirmation still in flight when the service is stopped is delivered if the
# notifier answers within 5 s. The notifier answers after this long, and the service must
# still be there to hear it.
ANSWERS_AFTER = 2.0
SHUTDOWN_TIMEOUT = 20
# The notifier's timeout in the shutdown check: a booking that waits for its confirmation
# waits this long, far longer than any booking takes.
NOTIFIER_TIMEOUT = 20
TRACEBACK = "Traceback (most recent call last)"
LOST_TASK = ("Task exception was never retrieved", "Task was destroyed but it is pending")


def lost_task_said(server) -> str:
    return next((line for line in server.output if any(text in line for text in LOST_TASK)), "")


def test_a_failed_confirmation_is_logged_with_its_traceback(lab: Lab, clinic: Clinic,
                                                            started: Started) -> None:
    notifier = started.notifier
    with served(lab, started.settings, clinic) as server:
        patient = clinic.register()
        notifier.refusing.add(patient.email)
        mark = server.mark()
        clinic.book(patient)
        if not wait_for(lambda: notifier.tried(patient.email), SENT_WITHIN):
            failed(f"{patient} booked an appointment, and no confirmation reached the notifier "
                   f"within {SENT_WITHIN} s")
        if not server.wait_logged(TRACEBACK, mark,
                                  timeout=LOGGED_WITHIN):
            failed(f"the notifier refused {patient}'s booking confirmation (500), and the "
                   f"service logged no traceback of it within {LOGGED_WITHIN} s (it said: "
                   f"{' | '.join(server.output[mark:][-3:]) or 'nothing'}): a failure after the "
                   "answer is seen only in the log")
        server.send_signal(signal.SIGTERM)
        server.wait_exit(SHUTDOWN_TIMEOUT)
    if said := lost_task_said(server):
        failed(f"after a refused booking confirmation the service said {said!r}: the task that "
               "sent it was left for the garbage collector, its failure nobody's to handle")


def test_a_confirmation_in_flight_at_shutdown_is_delivered(lab: Lab, clinic: Clinic,
                                                           started: Started) -> None:
    """Two confirmations on their way at SIGTERM: the notifier delivers one, and refuses the
    other, as the service stops. The first is delivered, the second logged, and the service
    still stops as a server that stopped well."""
    notifier = started.notifier
    with served(lab, started.settings, clinic,
                CLINIC_NOTIFIER_TIMEOUT=str(NOTIFIER_TIMEOUT)) as server:
        patient, refused = clinic.register(), clinic.register()
        notifier.hold(patient.email, refused.email)
        try:
            asked = time.monotonic()
            booked = clinic.book(patient)
            took = time.monotonic() - asked
            if took > NOTIFIER_TIMEOUT / 2:
                failed(f"with the notifier holding {patient}'s confirmation, the booking "
                       f"answered only {took:.0f} s later (CLINIC_NOTIFIER_TIMEOUT="
                       f"{NOTIFIER_TIMEOUT}): a slow notifier delays the booking itself")
            clinic.book(refused)
            if not notifier.wait_until(lambda: notifier.held >= 2, SENT_WITHIN):
                failed(f"{patient} and {refused} booked appointments ({booked.get('id')} and "
                       f"the next), and their confirmations had not both reached the notifier "
                       f"within {SENT_WITHIN} s")
            mark = server.mark()
            server.send_signal(signal.SIGTERM)
            gone = server.wait_exit(ANSWERS_AFTER)
        finally:
            notifier.refusing.add(refused.email)
            notifier.release()
        if gone is None:
            gone = server.wait_exit(SHUTDOWN_TIMEOUT)
        if gone is None:
            failed(f"uvicorn, stopped with SIGTERM while two confirmations were on their way, "
                   f"had not exited {SHUTDOWN_TIMEOUT + ANSWERS_AFTER:.0f} s later: "
                   f"{server.tail()}")
    delivered = notifier.delivered_to(patient.email)
    if not delivered:
        said = lost_task_said(server)
        failed(f"uvicorn was stopped (SIGTERM) while {patient}'s booking confirmation was on its "
               f"way, and the notifier answered {ANSWERS_AFTER:.0f} s later; the confirmation "
               f"was never delivered: the service "
               + (f"said {said!r} and " if said else "")
               + f"exited with code {gone} without waiting for it")
    if gone not in STOPPED:
        failed(f"after SIGTERM uvicorn exited with code {gone}, not as a server that stopped "
               f"well, the notifier having refused one of the two confirmations on their way "
               f"meanwhile: {server.tail()}")
    if len(delivered) > 1:
        failed(f"{patient}'s one booking was confirmed {len(delivered)} times "
               f"({[m['subject'] for m in delivered]})")
    if notifier.tried(refused.email) and not server.count_since(TRACEBACK, mark):
        failed(f"the notifier refused {refused}'s confirmation (500) while the service was "
               f"stopping, and the service logged no traceback of it before it exited (it said: "
               f"{' | '.join(server.output[mark:][-3:]) or 'nothing'})")
