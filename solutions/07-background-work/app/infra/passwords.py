"""Passwords are kept as argon2id hashes (pwdlib): salted, and slow on purpose."""

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

# OWASP's minimum for argon2id (19 MiB, 2 passes): tens of milliseconds per guess.
hasher = PasswordHash((Argon2Hasher(memory_cost=19456, time_cost=2, parallelism=1),))

# Verified when no account has the email, so that a login costs the same either way.
DUMMY_HASH = hasher.hash("no account has this password")


def hash_password(password: str) -> str:
    return hasher.hash(password)


def password_matches(password: str, stored: str | None) -> bool:
    """Whether the password is the one hashed in `stored`; with no stored hash (no such
    account), a hash is verified all the same and the answer is False."""
    if stored is None:
        hasher.verify(password, DUMMY_HASH)
        return False
    return hasher.verify(password, stored)
