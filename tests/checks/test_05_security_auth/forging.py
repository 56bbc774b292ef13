"""Tokens an attacker makes: from a real token's claims, with whatever they can change."""

from __future__ import annotations

import base64
import json
import secrets
import time
import warnings
from typing import Any

import jwt
from jwt.warnings import InsecureKeyLengthWarning

# Keys people guess first; the development one is printed in the lab's own config.
GUESSED_KEYS = ("secret", "changeme", "clinic-development-secret-never-in-production")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def part(value: dict[str, Any]) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def unsigned(claims: dict[str, Any], alg: str = "none") -> str:
    return f"{part({'alg': alg, 'typ': 'JWT'})}.{part(claims)}."


def signed(claims: dict[str, Any], key: str, alg: str = "HS256") -> str:
    with warnings.catch_warnings():  # a guessed key is short: that is the point
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, key, algorithm=alg)


def with_payload_of(token: str, claims: dict[str, Any]) -> str:
    """The token's own header and signature around another payload."""
    header, _, rest = token.partition(".")
    signature = rest.rpartition(".")[2]
    return f"{header}.{part(claims)}.{signature}"


def without(claims: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in claims.items() if k not in names}


def forgeries(victim: dict[str, Any], attacker_token: str, attacker: dict[str, Any],
              key: str, refresh_token: str) -> list[tuple[str, str]]:
    """(what it is, the token) for every kind of token that must sign nobody in; each would sign
    the victim in if it were accepted. `key` is the clinic's own."""
    now = int(time.time())
    random_key = secrets.token_urlsafe(32)
    made = [
        ("a token with alg none and no signature", unsigned(victim)),
        ("a token with alg None and no signature", unsigned(victim, "None")),
        ("a token with alg NONE and a made-up signature",
         unsigned(victim, "NONE") + b64(b"x" * 32)),
        ("a token signed with HS512 (not the clinic's algorithm) and the clinic's key",
         signed(victim, key, "HS512")),
        ("a token signed with HS384 and the clinic's key", signed(victim, key, "HS384")),
        ("a token signed with a random key", signed(victim, random_key)),
        *((f"a token signed with the guessed key {guess!r}", signed(victim, guess))
          for guess in GUESSED_KEYS),
        ("the caller's own token with its payload changed to another patient's",
         with_payload_of(attacker_token, {**attacker, "sub": victim.get("sub")})),
        ("a token that expired an hour ago (the clinic's key)",
         signed({**victim, "iat": now - 7200, "nbf": now - 7200, "exp": now - 3600}, key)),
        ("a token valid only from an hour from now (nbf, the clinic's key)",
         signed({**victim, "iat": now, "nbf": now + 3600, "exp": now + 7200}, key)),
        ("a token with no exp (the clinic's key)", signed(without(victim, "exp"), key)),
        ("a token issued by clinic-reports (the clinic's key)",
         signed({**victim, "iss": "clinic-reports"}, key)),
        ("a token for the audience clinic-reports (the clinic's key)",
         signed({**victim, "aud": "clinic-reports"}, key)),
        ("a token with no issuer (the clinic's key)", signed(without(victim, "iss"), key)),
        ("a token with no audience (the clinic's key)", signed(without(victim, "aud"), key)),
        ("a refresh token, used as an access token", refresh_token),
        ("a bearer value that is not a JWT", secrets.token_urlsafe(40)),
        ("three parts of random base64", ".".join(b64(secrets.token_bytes(24)) for _ in "abc")),
    ]
    return made
