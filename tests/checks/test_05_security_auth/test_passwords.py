"""Passwords are slow, salted hashes: every stored one (patients' and staff's) is read from the
database itself and verified with pwdlib; and a login for an email nobody has costs about as
long as one with a wrong password."""

from __future__ import annotations

import re
import secrets
import warnings

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from .clinic import API, Clinic, failed, hexed, median_seconds, shown

# OWASP's minimum for argon2id: 19 MiB of memory, 2 passes.
LEAST_MEMORY_KIB, LEAST_PASSES = 19456, 2
ARGON2 = re.compile(r"^\$argon2id\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$[^$]+\$[^$]+$")
verifier = PasswordHash((Argon2Hasher(),))


def verifies(password: str, stored: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return verifier.verify(password, stored)
        except Exception:  # not a hash pwdlib knows
            return False


def test_passwords_are_stored_as_slow_salted_hashes(clinic: Clinic) -> None:
    shared = f"pw-{secrets.token_urlsafe(12)}"
    first, second = clinic.register(password=shared), clinic.register(password=shared)
    clinician = clinic.add_staff()
    accounts = [("patients", first.email, first.password, f"{first}"),
                ("patients", second.email, second.password, f"{second}"),
                ("clinicians", clinician.email, clinician.password, "a clinician"),
                ("clinicians", clinic.admin.email, clinic.admin.password, "the first admin")]
    kept: dict[str, str] = {}
    for table, email, password, who in accounts:
        stored = clinic.password_hashes(table, email)
        found = [value for value in stored if verifies(password, value)]
        if not found:
            sample = (stored or ["nothing"])[-1]
            failed(f"no password column of {table} holds a hash of {who}'s password that pwdlib "
                   f"verifies (it reads {sample[:24]!r}...); passwords were to be stored as "
                   "argon2id hashes")
        kept[email] = found[0]
        for value in found:
            shape = ARGON2.match(value)
            if shape is None:
                failed(f"{who}'s password is stored as {value[:24]!r}...; argon2id was expected")
            memory, passes = int(shape[1]), int(shape[2])
            if memory < LEAST_MEMORY_KIB or passes < LEAST_PASSES:
                failed(f"{who}'s password is hashed with argon2id at m={memory} KiB, t={passes}; "
                       f"at least OWASP's minimum (m={LEAST_MEMORY_KIB}, t={LEAST_PASSES}) was "
                       "expected")
    if kept[first.email] == kept[second.email]:
        failed(f"{first} and {second} have the same password, and the database holds the same "
               "hash for both; a salted hash differs every time")


def attempt(clinic: Clinic, url: str, email: str) -> None:
    answer = clinic.call("POST", url, json={"email": email, "password": f"wrong-{hexed()}"})
    if answer.status_code != 401:
        failed(f"POST {url} with a wrong password answered {shown(answer)}; 401 was expected")


# A dozen sign-ins on each side, each as slow as the lab's hash makes it: a lab may choose a far
# higher cost than OWASP's minimum (pwdlib's recommended one is 64 MiB, 3 passes).
@pytest.mark.timeout(45)
def test_unknown_email_costs_as_much_as_a_wrong_password(clinic: Clinic) -> None:
    patient = clinic.register()
    for url, email in ((f"{API}/auth/patients/token", patient.email),
                       (f"{API}/auth/token", clinic.admin.email)):
        nobody = f"nobody-{hexed()}@{hexed()}.example"
        attempt(clinic, url, email)  # warm: the first hash may set things up
        wrong, unknown = median_seconds(lambda u=url, e=email: attempt(clinic, u, e),
                                        lambda u=url, e=nobody: attempt(clinic, u, e), 5)
        if unknown < wrong / 3:
            failed(f"POST {url} for an email nobody has took {unknown * 1000:.1f} ms (median of "
                   f"5), with a wrong password for a real account {wrong * 1000:.1f} ms; the time "
                   "tells which emails have an account")
