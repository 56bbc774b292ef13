"""Who owns the transaction: a request that fails leaves nothing of itself, one that succeeds is
committed once; and an answer shows what the database stored, the values it generated included."""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from harness import reproduce

from .clinic import (
    API,
    Call,
    Clinic,
    Staff,
    committed_rows,
    error_code,
    failed,
    json_of,
    rows_holding,
    shown,
    tables_of,
    token,
)

NOTIFIER_DOWN = "with the notifier sandbox answering 503 (`python notifier_sandbox.py --fail`)"
NOT_A_TIME = "not-a-time"
BRIEF_CLINICIAN = {"full_name": "Dr Ama Osei", "specialty": "general practice",
                   "email": "ama@example.org", "password": "welcome-ama"}


def test_failed_requests_leave_nothing_behind(clinic: Clinic) -> None:
    admin = clinic.admin.token
    victim = clinic.add_staff()
    newcomer = Staff.of_this_run()
    renamed = {"full_name": f"Dr Renamed {token()}", "specialty": f"oncology {token()}"}
    url = f"{API}/admin/staff"
    tried: dict[str, Call] = {}
    with clinic.notifier_failing():
        tried[f"POST {url} (a new account), the notifier refusing"] = clinic.call(
            "POST", url, token=admin, json=newcomer.created())
        tried[f"PATCH {url}/{{id}} (a new name), the notifier refusing"] = clinic.call(
            "PATCH", f"{url}/{victim.id}", token=admin, json=renamed)
    with clinic.notifier_failing("hang up"):
        tried[f"POST {url}/{{id}}/deactivate, the notifier hanging up"] = clinic.call(
            "POST", f"{url}/{victim.id}/deactivate", token=admin)
    see = reproduce.request(clinic.lab, "POST", url, headers={"Authorization": "Bearer TOKEN"},
                            body=BRIEF_CLINICIAN, note=f"as the brief's admin, {NOTIFIER_DOWN}")
    for request, call in tried.items():
        assert call.status == 502 and error_code(call.response) == "notification_failed", (
            f"{request} answered {shown(call.response)}; 502 with code notification_failed was "
            "expected")

    left = rows_holding(clinic.db, newcomer.email)
    signs_in = clinic.login(newcomer.email, newcomer.password).status == 200
    assert not left and not signs_in and newcomer.email not in clinic.listed_emails(), (
        f"POST {url} answered 502 (the welcome could not be sent), yet the account it was "
        f"creating is in the database ({left} row(s) hold its email)"
        f"{' and can sign in' if signs_in else ''}; a request that fails must leave nothing of "
        "itself behind" + see)
    now = clinic.read_staff(victim.id)
    assert (now.get("full_name"), now.get("specialty")) == (victim.full_name, victim.specialty) \
        and not rows_holding(clinic.db, renamed["full_name"]), (
        f"PATCH {url}/{{id}} answered 502 (the notice could not be sent), yet the account now "
        f"reads {now.get('full_name')!r}, {now.get('specialty')!r}; it was expected unchanged")
    still_in = clinic.call("GET", f"{API}/staff/me", token=victim.token).status
    assert now.get("is_active") is True and still_in == 200, (
        f"POST {url}/{{id}}/deactivate answered 502 (the notice could not be sent), yet the "
        f"clinician is locked out (is_active {now.get('is_active')!r}, GET {API}/staff/me "
        f"answers {still_in}); the account was expected untouched")

    with seen_by_the_notifier(clinic) as early:
        done = clinic.call("POST", url, token=admin, json=newcomer.created(), tally=True)
    assert done.status == 201, (
        f"POST {url} with the notifier up answered {shown(done.response)}; 201 was expected")
    listed = clinic.listed_emails().count(newcomer.email)
    assert listed == 1 and rows_holding(clinic.db, newcomer.email) >= 1 \
        and clinic.login(newcomer.email, newcomer.password).status == 200, (
        f"after POST {url} answered 201 the account is listed {listed} time(s), and signs in "
        f"{'' if listed else 'not '}as expected: it was expected stored once, able to sign in")
    commits = done.tally.get("write_commits")
    assert commits == 1, (
        f"POST {url} with the notifier up wrote to the database in {commits} separate "
        "commits; one request was expected to commit what it wrote once, together")
    with seen_by_the_notifier(clinic) as renaming:
        renamed_now = clinic.call("PATCH", f"{url}/{victim.id}", token=admin, json=renamed)
    with seen_by_the_notifier(clinic) as deactivating:
        deactivated = clinic.call("POST", f"{url}/{victim.id}/deactivate", token=admin)
    for request, call, seen in ((f"POST {url} (a new account)", done, early),
                                (f"PATCH {url}/{{id}} (a new name)", renamed_now, renaming),
                                (f"POST {url}/{{id}}/deactivate", deactivated, deactivating)):
        assert 200 <= call.status < 300, (
            f"{request} with the notifier up answered {shown(call.response)}")
        assert not seen, (
            f"{request} answered {call.status}, and while its notification was still being "
            f"sent, {seen[0]}: a change must reach the database for everyone only once the "
            "request has succeeded, or a failed notification has already shown it")
    a_later_step_fails_in_the_database(clinic)


@contextlib.contextmanager
def seen_by_the_notifier(clinic: Clinic) -> Iterator[list[str]]:
    """What of the request others could read while the lab waited for the notifier: how the
    committed rows then differed from those before the request (said in words, one each)."""
    before = committed_rows(clinic.db)
    mark = clinic.notifier.mark()
    clinic.notifier.look = lambda: committed_rows(clinic.db)
    said: list[str] = []
    try:
        yield said
    finally:
        clinic.notifier.look = None
    for message in clinic.notifier.since(mark):
        if message.seen is None or before is None or message.seen == before:
            continue
        changed = [table for table in sorted(set(before) | set(message.seen))
                   if before.get(table) != message.seen.get(table)]
        said.append(f"the database already held the request's changes, committed (table "
                    f"{', '.join(changed)})")


@contextlib.contextmanager
def read_back_fails(db: Path, holding: str) -> Iterator[None]:
    """After any update of the table holding `holding`, the database overwrites that row's
    dates and times with text no parser reads: a request that reads the row back after
    writing it fails there, a step after its first write. Afterwards every date and time the
    fault wrote, and a request then stored, is put back as it was."""
    with contextlib.closing(sqlite3.connect(db)) as connection:
        table = next((name for name in tables_of(connection)
                      if rows_holding(db, holding, only=name)), None)
        if table is None:
            failed(f"no table of {db.name} holds the appointment just booked")
        columns = [c[1] for c in connection.execute(f'PRAGMA table_info("{table}")')
                   if c[2].upper() in ("DATE", "DATETIME", "TIMESTAMP")]
        names = ", ".join(f'"{column}"' for column in columns)
        saved = connection.execute(f'SELECT rowid, {names} FROM "{table}"').fetchall()
        garbage = ", ".join(f'"{column}" = \'{NOT_A_TIME}\'' for column in columns)
        connection.execute(f'CREATE TRIGGER course_read_back_fails AFTER UPDATE ON "{table}" '
                           f'BEGIN UPDATE "{table}" SET {garbage} WHERE rowid = NEW.rowid; END')
        connection.commit()
    try:
        yield
    finally:
        with contextlib.closing(sqlite3.connect(db)) as connection:
            connection.execute("DROP TRIGGER IF EXISTS course_read_back_fails")
            for rowid, *values in saved:
                for column, value in zip(columns, values, strict=True):
                    connection.execute(f'UPDATE "{table}" SET "{column}" = ? '
                                       f'WHERE rowid = ? AND "{column}" = ?',
                                       (value, rowid, NOT_A_TIME))
            connection.commit()


def a_later_step_fails_in_the_database(clinic: Clinic) -> None:
    body = booking(clinic)
    booked = clinic.call("POST", f"{API}/appointments", json=body)
    assert booked.status == 201, f"POST {API}/appointments answered {shown(booked.response)}"
    moved = f"moved to the afternoon {token()}"
    url = f"{API}/appointments/{json_of(booked.response)['id']}"
    with read_back_fails(clinic.db, body["reason"]):
        changed = clinic.call("PATCH", url, json={"reason": moved})
    stored = rows_holding(clinic.db, moved)
    if changed.status >= 400:
        assert changed.status == 500 and error_code(changed.response) == "internal_error", (
            f"PATCH {API}/appointments/{{id}}, when reading the changed appointment back failed "
            f"in the database, answered {shown(changed.response)}; an unexpected failure was "
            "expected to answer 500 with code internal_error")
        assert not stored, (
            f"PATCH {API}/appointments/{{id}} answered {changed.status} when reading the changed "
            "appointment back failed in the database, yet the new reason is stored; a request "
            "that fails must leave nothing of itself behind")
    else:
        assert stored, (
            f"PATCH {API}/appointments/{{id}} answered {changed.status}, but the new reason is "
            "not in the database")


def booking(clinic: Clinic) -> dict[str, Any]:
    patient = clinic.call("POST", f"{API}/patients", json={
        "full_name": f"Patient {token()}", "email": f"{token()}@example.org",
        "date_of_birth": "1984-07-19"})
    assert patient.status == 201, f"POST {API}/patients answered {shown(patient.response)}"
    clinician = clinic.add_staff(signed_in=False)
    day = datetime(2031, 1, 6, 9, 0) + timedelta(days=secrets.randbelow(9000))
    return {"patient_id": json_of(patient.response)["id"], "clinician_id": clinician.id,
            "starts_at": day.isoformat(), "ends_at": (day + timedelta(minutes=30)).isoformat(),
            "reason": f"check-up {token()}"}


def as_stored(clinic: Clinic, call: Call, request: str, before: dict[str, Any] | None,
              see: str = "") -> dict:
    """The answer, which must be what a fresh read of the appointment shows, version and all."""
    answer = json_of(call.response)
    assert call.status in (200, 201) and isinstance(answer, dict) and "id" in answer, (
        f"{request} answered {shown(call.response)}; the appointment as stored was expected"
        + see)
    stored = json_of(clinic.call("GET", f"{API}/appointments/{answer['id']}").response)
    missing = [name for name in ("created_at", "updated_at", "version") if name not in answer]
    assert not missing, f"{request} answered without {', '.join(missing)}: {answer!r}"
    differ = sorted(name for name in {*answer, *(stored or {})}
                    if answer.get(name) != (stored or {}).get(name))
    assert not differ, (
        f"{request} answered {', '.join(f'{n}={answer.get(n)!r}' for n in differ)}, but the "
        f"appointment is stored with {', '.join(f'{n}={(stored or {}).get(n)!r}' for n in differ)}"
        "; the answer was expected to show what was stored")
    if before is not None:
        assert answer["version"] == before["version"] + 1 and \
            answer["created_at"] == before["created_at"], (
            f"{request} answered version {answer['version']!r} after version "
            f"{before['version']!r}; every change was expected to count one up")
    return answer


def test_appointment_answers_match_the_stored_row(clinic: Clinic) -> None:
    body = booking(clinic)
    url = f"{API}/appointments"
    booked = as_stored(clinic, clinic.call("POST", url, json=body), f"POST {url}", None)
    item = f"{url}/{booked['id']}"
    reason = {"reason": f"follow-up {token()}"}
    see = reproduce.request(clinic.lab, "PATCH", f"{url}/1", body={"reason": "blood test results"},
                            note="once the brief's admin has booked appointment 1")
    changed = as_stored(clinic, clinic.call("PATCH", item, json=reason),
                        f"PATCH {url}/{{id}}", booked, see)
    assert changed["reason"] == reason["reason"], (
        f"PATCH {url}/{{id}} answered reason {changed['reason']!r}; {reason['reason']!r} was sent")
    cancelled = as_stored(clinic, clinic.call("POST", f"{item}/cancel"),
                          f"POST {url}/{{id}}/cancel", changed)
    assert cancelled["status"] == "cancelled", (
        f"POST {url}/{{id}}/cancel answered status {cancelled['status']!r}")
    again = {"reason": f"cancelled by phone {token()}"}
    as_stored(clinic, clinic.call("PATCH", item, json=again), f"PATCH {url}/{{id}} once more",
              cancelled)
    twice = clinic.call("POST", f"{item}/cancel")
    assert twice.status == 409 and error_code(twice.response) == "appointment_already_cancelled", (
        f"POST {url}/{{id}}/cancel for an appointment cancelled already answered "
        f"{shown(twice.response)}; 409 appointment_already_cancelled was expected")
    rebooked = clinic.call("POST", url, json=body)
    assert rebooked.status == 201, (
        f"POST {url} for the slot of an appointment just cancelled answered "
        f"{shown(rebooked.response)}; the slot is free again, 201 was expected")
