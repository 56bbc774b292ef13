"""Forged tokens sign nobody in. Each forgery names another patient (their own claims, as the
clinic issued them), changed where an attacker can change it; a real uvicorn answers them."""

from __future__ import annotations

from .clinic import API, Clinic, failed, json_of, shown, unverified_claims
from .forging import forgeries, unsigned, with_payload_of

ME = f"{API}/patients/me"


def claims_of(clinic: Clinic, token: str, who: str) -> dict:
    claims = unverified_claims(token)
    if claims is None:
        failed(f"the access token {who} got from signing in is not a JWT (three base64url parts, "
               "the middle one a JSON object); the brief's sign-in answers a JWT")
    return claims


def test_forged_tokens_sign_nobody_in(served_clinic: Clinic) -> None:
    clinic = served_clinic
    victim, attacker = clinic.register(), clinic.register()
    for patient in (victim, attacker):
        answer = clinic.call("GET", ME, token=patient.token)
        if answer.status_code != 200 or (json_of(answer) or {}).get("id") != patient.id:
            failed(f"GET {ME} with the access token {patient} got from signing in answered "
                   f"{shown(answer)}; {patient}'s record was expected")
    assert victim.tokens is not None
    made = forgeries(claims_of(clinic, victim.token, str(victim)), attacker.token,
                     claims_of(clinic, attacker.token, str(attacker)), clinic.key,
                     victim.tokens.refresh)
    for what, token in made:
        answer = clinic.call("GET", ME, token=token)
        if answer.status_code == 401:
            continue
        body = json_of(answer)
        if 200 <= answer.status_code < 300:
            who = body.get("id") if isinstance(body, dict) else None
            failed(f"GET {ME} with {what} answered {answer.status_code}, signed in as patient "
                   f"{who}; a token the clinic did not issue, or no longer honours, signs nobody "
                   "in (401)")
        failed(f"GET {ME} with {what} answered {shown(answer)}; a refused token answers 401")
    # The staff side: a clinician who makes themself an admin.
    clinician = clinic.add_staff()
    mine = claims_of(clinic, clinician.token, "a clinician")
    admins = claims_of(clinic, clinic.admin.token, "the admin")
    for what, token in (("a clinician's token with its role edited to admin",
                         with_payload_of(clinician.token, {**mine, "role": "admin"})),
                        ("the admin's claims with alg none and no signature", unsigned(admins))):
        answer = clinic.call("GET", f"{API}/admin/staff", token=token)
        if answer.status_code != 401:
            failed(f"GET {API}/admin/staff with {what} answered {shown(answer)}; a token the "
                   "clinic did not issue signs nobody in (401)")
