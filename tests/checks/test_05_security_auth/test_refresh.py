"""A refresh token works once, and not after signing out: used again, it ends its sign-in. What
one server process spent or revoked, a second process on the same database (a real uvicorn)
refuses too: the service runs as several workers."""

from __future__ import annotations

import secrets
from typing import Any

from .clinic import API, Clinic, Tokens, failed, json_of, shown, unverified_claims

REFRESH = f"{API}/auth/refresh"
LOGOUT = f"{API}/auth/logout"
SIGN_INS = 8  # live sign-ins beside the one whose refresh token is stolen
IDENTITY = ("sub", "role")  # what a refreshed access token says about its caller


def next_pair(clinic: Clinic, tokens: Tokens, who: str, me: str) -> Tokens:
    answer = clinic.refresh(tokens.refresh)
    body = json_of(answer)
    if answer.status_code != 200 or not isinstance(body, dict) \
            or not isinstance(body.get("access_token"), str) \
            or not isinstance(body.get("refresh_token"), str):
        failed(f"POST {REFRESH} with {who}'s live refresh token answered {shown(answer)}; the "
               "next access and refresh tokens were expected")
    pair = Tokens(body["access_token"], body["refresh_token"], 0, body)
    if clinic.call("GET", me, token=pair.access).status_code != 200:
        failed(f"the access token from POST {REFRESH} did not sign {who} in at GET {me}")
    before, after = unverified_claims(tokens.access) or {}, unverified_claims(pair.access) or {}
    for claim in IDENTITY:
        if claim in before and after.get(claim) != before[claim]:
            failed(f"the access token from POST {REFRESH} says {claim} {after.get(claim)!r} "
                   f"where {who}'s token it was refreshed from said {before[claim]!r}")
    return pair


def refused(clinic: Clinic, token: str, what: str, where: str = "") -> None:
    answer = clinic.refresh(token)
    if answer.status_code != 401:
        said = "200 with new tokens" if answer.status_code == 200 else shown(answer)
        failed(f"POST {REFRESH} with {what} answered {said}{where}; it was to be refused (401)")


def sign_out(clinic: Clinic, token: str, who: str) -> None:
    answer = clinic.call("POST", LOGOUT, json={"refresh_token": token})
    if answer.status_code != 204 or answer.content:
        failed(f"POST {LOGOUT} with {who}'s refresh token answered {shown(answer)}; 204 and no "
               "body were expected")


def test_refresh_tokens_die_on_logout_and_reuse(clinic: Clinic, started: Any) -> None:
    patient = clinic.register()
    me, who = f"{API}/patients/me", str(patient)
    assert patient.tokens is not None
    first = patient.tokens
    second = next_pair(clinic, first, who, me)
    third = next_pair(clinic, second, who, me)
    refused(clinic, first.refresh, f"{who}'s refresh token that was already used once")
    refused(clinic, third.refresh, f"{who}'s newest refresh token, after an older one of the "
            "same sign-in was used again", " (a spent token used again means someone else holds "
            "the family)")
    # Signing in again works, and signing out ends that sign-in.
    again = clinic.sign_in(f"{API}/auth/patients/token", patient.email, patient.password, who)
    later = next_pair(clinic, again, who, me)
    sign_out(clinic, later.refresh, who)
    refused(clinic, later.refresh, f"{who}'s refresh token after signing out with it")
    # The staff side rotates the same way.
    admin = clinic.sign_in_staff(clinic.admin)
    rotated = next_pair(clinic, admin, "the admin", f"{API}/staff/me")
    refused(clinic, admin.refresh, "the admin's refresh token that was already used once")
    refused(clinic, rotated.refresh, "the admin's newest refresh token, after an older one was "
            "used again")
    # Another worker: what this one spent or revoked, that one refuses.
    spent = clinic.sign_in(f"{API}/auth/patients/token", patient.email, patient.password, who)
    next_pair(clinic, spent, who, me)
    revoked = clinic.sign_in(f"{API}/auth/patients/token", patient.email, patient.password, who)
    sign_out(clinic, revoked.refresh, who)
    live = clinic.sign_in(f"{API}/auth/patients/token", patient.email, patient.password, who)
    if started.server is None:
        failed("the lab was not started under uvicorn")
    started.server.wait_ready()
    where = " from a second server process on the same database"
    with clinic.answered_by(started.server.base_url):
        refused(clinic, spent.refresh, f"{who}'s refresh token spent by the first process", where)
        refused(clinic, revoked.refresh, f"{who}'s refresh token after signing out with it "
                "on the first process", where)
        next_pair(clinic, live, who, me)


def test_one_stolen_refresh_token_ends_only_its_own_sign_in(clinic: Clinic) -> None:
    others = [clinic.register() for _ in range(SIGN_INS)]
    for _ in range(SIGN_INS):
        refused(clinic, secrets.token_urlsafe(32), "a refresh token nobody issued")
    patient = clinic.register()
    assert patient.tokens is not None
    who = str(patient)
    next_pair(clinic, patient.tokens, who, f"{API}/patients/me")
    refused(clinic, patient.tokens.refresh, f"{who}'s refresh token that was already used once")
    for other in others:
        assert other.tokens is not None
        answer = clinic.refresh(other.tokens.refresh)
        if answer.status_code != 200:
            failed(f"POST {REFRESH} with {other}'s refresh token answered {shown(answer)}, after "
                   f"{who}'s was used twice; only {who}'s sign-in was to end")


def test_a_deactivated_account_signs_in_and_refreshes_no_more(clinic: Clinic) -> None:
    clinician = clinic.add_staff()
    me = f"{API}/staff/me"
    tokens = next_pair(clinic, clinic.sign_in_staff(clinician), "a clinician", me)
    admins_only = f"{API}/admin/staff"
    admin = next_pair(clinic, clinic.sign_in_staff(clinic.admin), "the admin", me)
    answer = clinic.call("GET", admins_only, token=admin.access)
    if answer.status_code != 200:
        failed(f"GET {admins_only} with the admin's refreshed access token answered "
               f"{shown(answer)}; the accounts were expected")
    clinic.deactivate(clinician)
    refused(clinic, tokens.refresh, "the refresh token of a clinician since deactivated")
    answer = clinic.call("POST", f"{API}/auth/token",
                         json={"email": clinician.email, "password": clinician.password})
    if answer.status_code != 401:
        failed(f"POST {API}/auth/token for a deactivated clinician, with the right password, "
               f"answered {shown(answer)}; it was to be refused (401)")
