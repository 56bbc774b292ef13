"""No token the clinic hands out holds personal data: every part of every token (sign-ins and
refreshes, patients' and staff's) is read as anyone holding it reads it, base64 and all."""

from __future__ import annotations

import base64
import binascii
import codecs
import json
from collections.abc import Iterator
from typing import Any

from .clinic import API, Clinic, Tokens, failed, json_of, shown


def readings(text: str, depth: int = 0) -> Iterator[str]:
    """The text, and what it says once base64(url)-decoded or JSON-parsed, a few levels deep."""
    yield text
    if depth >= 3:
        return
    for piece in text.split("."):
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                raw = decode(piece + "=" * (-len(piece) % 4))
            except (binascii.Error, ValueError):
                continue
            decoded = raw.decode("utf-8", "replace")
            if decoded != piece:
                yield from readings(decoded, depth + 1)
    try:
        parsed = json.loads(text)
    except ValueError:
        return
    for value in strings_in(parsed):
        yield from readings(value, depth + 1)


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def personal(data: dict[str, Any]) -> dict[str, str]:
    """What a person told the clinic, by name, in the spellings a token could carry it."""
    found = {"email": str(data["email"]), "full name": str(data["full_name"])}
    if data.get("date_of_birth"):
        found["date of birth"] = str(data["date_of_birth"])
        found["date of birth (digits)"] = str(data["date_of_birth"]).replace("-", "")
    if data.get("phone"):
        found["phone"] = "".join(c for c in str(data["phone"]) if c.isdigit())
    return found


def leak_in(token: str, data: dict[str, Any]) -> str | None:
    texts = [t.lower() for t in readings(token)]
    texts += [codecs.encode(t, "rot13") for t in texts]
    for what, value in personal(data).items():
        if any(value.lower() in text for text in texts):
            return what
    return None


def test_tokens_carry_no_personal_data(clinic: Clinic) -> None:
    patient = clinic.register()
    clinician = clinic.add_staff()
    assert patient.tokens is not None
    answer = clinic.refresh(patient.tokens.refresh)
    body = json_of(answer)
    if answer.status_code != 200 or not isinstance(body, dict):
        failed(f"POST {API}/auth/refresh with {patient}'s refresh token answered "
               f"{shown(answer)}; the next pair of tokens was expected")
    refreshed = Tokens(str(body.get("access_token")), str(body.get("refresh_token")), 0, body)
    staff_tokens = clinic.sign_in_staff(clinician)
    handed_out = [
        (f"the access token from {patient}'s sign-in", patient.tokens.access, patient.data),
        (f"the refresh token from {patient}'s sign-in", patient.tokens.refresh, patient.data),
        (f"the access token from {patient}'s refresh", refreshed.access, patient.data),
        (f"the refresh token from {patient}'s refresh", refreshed.refresh, patient.data),
        ("the access token from a clinician's sign-in", staff_tokens.access, clinician.__dict__),
        ("the refresh token from a clinician's sign-in", staff_tokens.refresh, clinician.__dict__),
    ]
    for what, token, data in handed_out:
        leaked = leak_in(token, data)
        if leaked:
            failed(f"{what} holds their {leaked}, readable by anyone who holds the token (a JWT "
                   "is signed, not encrypted); no token was to hold personal data")
