"""Passwords are kept as salted scrypt hashes, never as they were typed."""

import hashlib
import hmac
import secrets

# Light parameters keep the labs' checks quick; chapter 05, on security, tunes the cost.
COST, BLOCK_SIZE, PARALLELISM = 2**11, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=COST, r=BLOCK_SIZE, p=PARALLELISM)
    return f"scrypt${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    scheme, _, rest = stored.partition("$")
    salt, _, expected = rest.partition("$")
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=COST, r=BLOCK_SIZE,
                            p=PARALLELISM)
    return hmac.compare_digest(digest.hex(), expected)
