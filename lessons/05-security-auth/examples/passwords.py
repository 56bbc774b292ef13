import hashlib

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher


# --8<-- [start:fast]
def sha256_hash(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()
# --8<-- [end:fast]


# --8<-- [start:hasher]
hasher = PasswordHash((
    Argon2Hasher(memory_cost=19456, time_cost=2, parallelism=1),
))
# --8<-- [end:hasher]

PASSWORD_HASHES: dict[str, str] = {}


def register(email: str, password: str) -> None:
    PASSWORD_HASHES[email] = hasher.hash(password)


# --8<-- [start:early-exit]
def password_matches_early_exit(email: str, password: str) -> bool:
    stored = PASSWORD_HASHES.get(email)
    if stored is None:
        return False
    return hasher.verify(password, stored)
# --8<-- [end:early-exit]


# --8<-- [start:dummy]
DUMMY_HASH = hasher.hash("a password nobody has")


def password_matches(email: str, password: str) -> bool:
    stored = PASSWORD_HASHES.get(email)
    valid = hasher.verify(password, stored or DUMMY_HASH)
    return stored is not None and valid
# --8<-- [end:dummy]


# --8<-- [start:upgrade]
def sign_in_and_upgrade(email: str, password: str) -> bool:
    stored = PASSWORD_HASHES.get(email)
    valid, new_hash = hasher.verify_and_update(password, stored or DUMMY_HASH)
    if stored is None or not valid:
        return False
    if new_hash is not None:
        PASSWORD_HASHES[email] = new_hash
    return True
# --8<-- [end:upgrade]
